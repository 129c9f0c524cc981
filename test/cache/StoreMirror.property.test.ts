import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import * as fc from "effect/FastCheck"
import type { EntryMeta } from "../../src/cache/CacheEntry.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { cacheWith, settle } from "./cacheLayer.js"

const window = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
const KEYS: ReadonlyArray<readonly [string, EntryMeta]> = [
  ["a", { window: window("2026-01-01", "2026-01-31"), files: ["live"] }],
  ["b", { window: window("2026-02-01", "2026-02-28"), files: ["live"] }],
  ["c", { window: undefined, files: ["live", "archive"] }],
  ["d", { window: window("2025-11-01", "2025-11-30"), files: ["archive"] }],
  ["e", { window: window("2026-01-15", "2026-02-15"), files: ["live"] }]
]
const DATES = ["2026-01-20", "2026-02-10", "2025-11-05"]
/** Few entries, a small byte budget and an answer limit: evictions, and the store renewed every 3 gets. */
const layer = cacheWith({
  capacity: 3,
  maxBytes: 3000,
  maxEntryBytes: 1200,
  staleMillis: 4_000,
  expireMillis: 10_000,
  freshnessMillis: 1_500
})

type Op =
  | { readonly _tag: "get"; readonly key: number; readonly size: number; readonly slow: boolean }
  | { readonly _tag: "failing"; readonly on: boolean }
  | { readonly _tag: "advance"; readonly millis: number }
  | { readonly _tag: "commit"; readonly date: number; readonly lag: number }
  | { readonly _tag: "replace"; readonly file: DbFile; readonly settleMillis: number }
  /** Compresses the stored answer of a key (its bytes grow outside any fiber: evictions from the listener). */
  | { readonly _tag: "encode"; readonly key: number }
  /** The latest slow get's client goes away. */
  | { readonly _tag: "hangUp" }

const key = fc.nat(KEYS.length - 1)
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      _tag: fc.constant("get" as const),
      key,
      size: fc.oneof(fc.integer({ min: 10, max: 1100 }), fc.constant(1300)),
      slow: fc.boolean()
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("failing" as const), on: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("advance" as const), millis: fc.nat(6_000) }) },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("commit" as const), date: fc.nat(DATES.length - 1), lag: fc.nat(2_000) })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("replace" as const),
      file: fc.constantFrom<DbFile>("live", "archive"),
      settleMillis: fc.constantFrom(0, 500)
    })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("encode" as const), key }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("hangUp" as const) }) }
)

/** A body of `size` bytes that compresses a little. */
const bodyOf = (size: number, seed: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => String.fromCharCode(48 + ((i * seed) % 43))).join(""))

describe("ResponseCache: the store (effect's Cache) and its mirror", () => {
  it.effect.prop(
    "after every step, the Cache holds exactly the answers the mirror holds",
    { ops: fc.array(opArbitrary, { maxLength: 50 }) },
    ({ ops }) =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        let failing = false
        let seed = 1
        const slowGets: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
        const check = Effect.gen(function* () {
          yield* settle
          const mirrored = KEYS.map(([k]) => k).filter((k) => cache.peek(k) !== undefined)
          expect([...(yield* cache.storedKeys)].sort()).toEqual(mirrored)
          expect((yield* cache.stats).size).toBe(mirrored.length)
        })
        for (const op of ops) {
          switch (op._tag) {
            case "get": {
              const [k, meta] = KEYS[op.key]!
              const body = bodyOf(op.size, seed++)
              const answer = Effect.suspend(() =>
                failing ? Effect.fail("down") : Effect.succeed({ body, dbMs: 0, rows: 0 })
              )
              const compute = op.slow ? Effect.delay(answer, "1 second") : answer
              const get = Effect.either(cache.get(k, meta, compute))
              // Forked: a get of a key being computed slowly waits for the clock.
              const fiber = yield* Effect.fork(get)
              if (op.slow) slowGets.push(fiber)
              break
            }
            case "failing":
              failing = op.on
              break
            case "advance":
              yield* TestClock.adjust(op.millis)
              break
            case "commit": {
              const now = yield* TestClock.currentTimeMillis
              yield* cache.invalidateDates("live", [DATES[op.date]!], now - op.lag)
              yield* cache.invalidateDates("archive", [DATES[op.date]!], now - op.lag)
              break
            }
            case "replace":
              yield* cache.invalidateFile(op.file, op.settleMillis)
              break
            case "encode": {
              const entry = cache.peek(KEYS[op.key]![0])
              if (entry !== undefined) yield* entry.encoded("gzip")
              break
            }
            case "hangUp": {
              const fiber = slowGets.pop()
              if (fiber !== undefined) yield* Fiber.interrupt(fiber)
            }
          }
          yield* check
        }
        yield* TestClock.adjust("2 seconds")
        yield* check
      }).pipe(Effect.provide(layer)),
    { fastCheck: { numRuns: 150 } }
  )
})
