import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, TestClock } from "effect"
import * as fc from "effect/FastCheck"
import type { EntryMeta } from "../../src/cache/CacheEntry.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { cacheWith, settle } from "./cacheLayer.js"
import { textOf } from "./entryText.js"

const STALE = 4_000
const EXPIRE = 10_000
/** The freshness bound: how old an invalidated answer's data may be when it is served. */
const FRESH = 1_500

const window = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
/** January, February, and every date: a commit in January invalidates `a` and `c`, one in February `b` and `c`. */
const KEYS: ReadonlyArray<readonly [string, EntryMeta]> = [
  ["a", { window: window("2026-01-01", "2026-01-31"), files: ["live"] }],
  ["b", { window: window("2026-02-01", "2026-02-28"), files: ["live"] }],
  ["c", { window: undefined, files: ["live"] }]
]
const COMMITTED = ["2026-01-15", "2026-02-15"] as const

const layer = cacheWith({ staleMillis: STALE, expireMillis: EXPIRE, capacity: 10, freshnessMillis: FRESH })

type Op =
  | { readonly _tag: "get"; readonly key: number }
  | { readonly _tag: "advance"; readonly millis: number }
  | { readonly _tag: "failing"; readonly on: boolean }
  /** A commit on `COMMITTED[date]`, found by a poll whose previous read was `lag` ms ago. */
  | { readonly _tag: "commit"; readonly date: number; readonly lag: number }

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("get" as const), key: fc.nat(KEYS.length - 1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("advance" as const),
      // Steps that land exactly on the window edges are frequent enough to be hit.
      millis: fc.oneof(
        fc.nat(12_000),
        fc.constantFrom(1, STALE - 1, STALE, EXPIRE - STALE, EXPIRE - 1, EXPIRE, FRESH, FRESH + 1)
      )
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("failing" as const), on: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("commit" as const),
      date: fc.nat(COMMITTED.length - 1),
      lag: fc.oneof(fc.nat(3_000), fc.constantFrom(0, FRESH - 1, FRESH, FRESH + 1))
    })
  }
)

/** Model of one stored answer: when it was computed (computations take no time here) and its invalidation. */
interface Stored {
  readonly at: number
  validAsOf?: number
}

const touches = (meta: EntryMeta, date: string) =>
  meta.window === undefined || (meta.window.from <= date && date <= meta.window.to)

describe("ResponseCache SWR and invalidation, against a model", () => {
  it.effect.prop(
    "each outcome follows the age and invalidation of the stored answer; none is older than the windows allow",
    { ops: fc.array(opArbitrary, { maxLength: 40 }) },
    ({ ops }) =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        let failing = false
        // The body is the instant it was computed at.
        const compute = Effect.suspend(() =>
          failing
            ? Effect.fail("down")
            : Effect.map(Clock.currentTimeMillis, (t) => ({ body: Buffer.from(String(t)), dbMs: 0, rows: 0 }))
        )
        const stored = new Map<string, Stored>()
        let invalidations = 0
        for (const op of ops) {
          if (op._tag === "advance") yield* TestClock.adjust(op.millis)
          if (op._tag === "failing") failing = op.on
          const now = yield* Clock.currentTimeMillis
          if (op._tag === "commit") {
            const date = COMMITTED[op.date]!
            let expected = 0
            for (const [key, meta] of KEYS) {
              const s = stored.get(key)
              if (s === undefined || s.validAsOf !== undefined || !touches(meta, date)) continue
              s.validAsOf = Math.max(s.at, now - op.lag)
              expected++
            }
            expect(yield* cache.invalidateDates("live", [date], now - op.lag)).toBe(expected)
            invalidations += expected
          }
          if (op._tag !== "get") continue
          const [key, meta] = KEYS[op.key]!
          const s = stored.get(key)
          const age = s === undefined ? Infinity : now - s.at
          const valid = s?.validAsOf === undefined
          const withinBound = valid || s!.validAsOf! >= now - FRESH
          const expected = age < STALE && valid ? "HIT" : age < EXPIRE && withinBound ? "STALE" : ("MISS" as const)
          const exit = yield* Effect.exit(cache.get(key, meta, compute))
          yield* settle
          if (expected === "MISS" && failing) {
            expect(Exit.isFailure(exit)).toBe(true)
            stored.delete(key)
            continue
          }
          if (!Exit.isSuccess(exit)) throw new Error(`unexpected failure of ${key} at ${now}`)
          const { entry, outcome } = exit.value
          expect(outcome).toBe(expected)
          expect(now - Number(textOf(entry))).toBeLessThan(EXPIRE)
          expect(Number(textOf(entry))).toBe(expected === "MISS" ? now : s!.at)
          // A served invalidated answer holds the data as of a moment within the bound.
          if (entry.validAsOf !== undefined) expect(entry.validAsOf).toBeGreaterThanOrEqual(now - FRESH)
          // A MISS stores the new answer; a STALE one is replaced by its refresh unless that failed.
          if (expected === "MISS" || (expected === "STALE" && !failing)) stored.set(key, { at: now })
          const peeked = cache.peek(key)
          expect([textOf(peeked), peeked?.validAsOf]).toEqual([String(stored.get(key)?.at), stored.get(key)?.validAsOf])
        }
        const stats = yield* cache.stats
        const gets = ops.filter((op) => op._tag === "get").length
        expect(stats.hits + stats.stale_served + stats.misses).toBe(gets)
        expect(stats.invalidations).toBe(invalidations)
      }).pipe(Effect.provide(layer)),
    { fastCheck: { numRuns: 100 } }
  )
})
