import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Exit, TestClock } from "effect"
import * as fc from "effect/FastCheck"
import type { EntryMeta } from "../../src/cache/CacheEntry.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import { cacheWith } from "./cacheLayer.js"
import { textOf } from "./entryText.js"

const STALE = 4_000
const EXPIRE = 10_000
const KEYS = ["a", "b", "c"] as const

const layer = cacheWith({ staleMillis: STALE, expireMillis: EXPIRE, capacity: 10 })

const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))).pipe(Effect.repeatN(3))

type Op =
  | { readonly _tag: "get"; readonly key: number }
  | { readonly _tag: "advance"; readonly millis: number }
  | { readonly _tag: "failing"; readonly on: boolean }

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("get" as const), key: fc.nat(KEYS.length - 1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("advance" as const),
      // Steps that land exactly on the window edges are frequent enough to be hit.
      millis: fc.oneof(fc.nat(12_000), fc.constantFrom(1, STALE - 1, STALE, EXPIRE - STALE, EXPIRE - 1, EXPIRE))
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("failing" as const), on: fc.boolean() }) }
)

const META: EntryMeta = { window: undefined, files: ["live"] }

describe("ResponseCache SWR, against a model", () => {
  it.effect.prop(
    "no answer is older than the expire window and each outcome follows the age of the stored answer",
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
        /** Model: when each key's stored answer was computed. */
        const stored = new Map<string, number>()
        for (const op of ops) {
          if (op._tag === "advance") yield* TestClock.adjust(op.millis)
          if (op._tag === "failing") failing = op.on
          if (op._tag !== "get") continue
          const key = KEYS[op.key]!
          const now = yield* Clock.currentTimeMillis
          const at = stored.get(key)
          const age = at === undefined ? Infinity : now - at
          const expected = age < STALE ? "HIT" : age < EXPIRE ? "STALE" : "MISS"
          const exit = yield* Effect.exit(cache.get(key, META, compute))
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
          expect(Number(textOf(entry))).toBe(expected === "MISS" ? now : at)
          // A MISS stores the new answer; a STALE one is replaced by its refresh unless that failed.
          if (expected === "MISS" || (expected === "STALE" && !failing)) stored.set(key, now)
          expect(textOf(cache.peek(key))).toBe(String(stored.get(key)))
        }
        const stats = yield* cache.stats
        const gets = ops.filter((op) => op._tag === "get").length
        expect(stats.hits + stats.stale_served + stats.misses).toBe(gets)
      }).pipe(Effect.provide(layer)),
    { fastCheck: { numRuns: 60 } }
  )
})
