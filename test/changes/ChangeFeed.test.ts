import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Scope } from "effect"
import * as fc from "effect/FastCheck"
import { CacheInvalidationLive } from "../../src/cache/CacheInvalidation.js"
import type { EntryMeta } from "../../src/cache/CacheEntry.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import { ChangeFeed, DataChange } from "../../src/changes/ChangeFeed.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { cacheWith } from "../cache/cacheLayer.js"

const BASE = "2026-01-01" as IsoDate
const date = (offset: number) => addDays(BASE, offset)
const answer = (key: string) => Effect.succeed({ body: Buffer.from(key), dbMs: 0, rows: 0 })

const fileArbitrary = fc.constantFrom<DbFile>("live", "archive")
const metaArbitrary: fc.Arbitrary<EntryMeta> = fc.record({
  window: fc.tuple(fc.nat(60), fc.nat(20)).map(([start, length]) => ({ from: date(start), to: date(start + length) })),
  files: fc.constantFrom<ReadonlyArray<DbFile>>(["live"], ["archive"], ["archive", "live"])
})
const changeArbitrary: fc.Arbitrary<DataChange> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ file: fileArbitrary, dates: fc.array(fc.nat(90).map(date), { maxLength: 4 }) })
      .map(({ dates, file }) => DataChange.Dates({ file, dates, unchangedUntil: 0 }))
  },
  { weight: 2, arbitrary: fileArbitrary.map((file) => DataChange.Replaced({ file, settleMillis: 0 })) },
  { weight: 1, arbitrary: fc.constant(DataChange.Everything({ reason: "notifications may have been missed" })) }
)

type Fate = "kept" | "invalidated" | "dropped"

/** The plain rule: a replaced file, or everything, drops what read it; a touched date of its window invalidates. */
const fateOf = (meta: EntryMeta, changes: ReadonlyArray<DataChange>): Fate => {
  let fate: Fate = "kept"
  for (const change of changes) {
    if (fate === "dropped") break
    if (change._tag === "Everything") fate = "dropped"
    else if (!meta.files.includes(change.file)) continue
    else if (change._tag === "Replaced") fate = "dropped"
    else if (change.dates.some((d) => meta.window!.from <= d && d <= meta.window!.to)) fate = "invalidated"
  }
  return fate
}

/** The cache following a feed, as the service composes them. */
const following = CacheInvalidationLive.pipe(
  Layer.provideMerge(ChangeFeed.Default),
  Layer.provideMerge(cacheWith({ capacity: 1000 }))
)

describe("the change feed and the response cache following it", () => {
  it.effect.prop(
    "after each publish, the cache has dropped or invalidated exactly the answers the changes made stale",
    {
      metas: fc.array(metaArbitrary, { minLength: 1, maxLength: 30 }),
      changes: fc.array(changeArbitrary, { maxLength: 6 })
    },
    ({ changes, metas }) =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        const feed = yield* ChangeFeed
        yield* Effect.forEach(metas, (meta, i) => cache.get(`k${i}`, meta, answer(`k${i}`)), { discard: true })
        for (let n = 1; n <= changes.length; n++) {
          yield* feed.publish(changes[n - 1]!)
          const seen = metas.map((_, i): Fate => {
            const entry = cache.peek(`k${i}`)
            return entry === undefined ? "dropped" : entry.validAsOf === undefined ? "kept" : "invalidated"
          })
          expect(seen).toEqual(metas.map((meta) => fateOf(meta, changes.slice(0, n))))
        }
      }).pipe(Effect.provide(following)),
    { fastCheck: { numRuns: 100 } }
  )

  it.effect("a listener hears the changes published while its scope is open, and none after", () =>
    Effect.gen(function* () {
      const feed = yield* ChangeFeed
      const heard: Array<DataChange["_tag"]> = []
      const scope = yield* Scope.make()
      yield* feed.subscribe((change) => Effect.sync(() => heard.push(change._tag))).pipe(Scope.extend(scope))
      yield* feed.publish(DataChange.Replaced({ file: "live", settleMillis: 0 }))
      yield* Scope.close(scope, Exit.void)
      yield* feed.publish(DataChange.Everything({ reason: "test" }))
      expect(heard).toEqual(["Replaced"])
    }).pipe(Effect.provide(ChangeFeed.Default))
  )
})
