import { Effect, Layer } from "effect"
import { ChangeFeed, DataChange } from "../changes/ChangeFeed.js"
import { DB_FILES } from "../domain/DbFile.js"
import { ResponseCache } from "./ResponseCache.js"

/** Invalidates what `change` made stale in the response cache. */
export const invalidateFor = (cache: ResponseCache, change: DataChange): Effect.Effect<unknown> =>
  DataChange.$match(change, {
    Dates: ({ dates, file, touched, unchangedUntil }) => cache.invalidateDates(file, dates, unchangedUntil, touched),
    Replaced: ({ file, settleMillis }) => cache.invalidateFile(file, settleMillis),
    Everything: ({ reason }) =>
      Effect.zipRight(
        Effect.logInfo(`${reason}; every cached answer is dropped`),
        Effect.forEach(DB_FILES, (file) => cache.invalidateFile(file), { discard: true })
      )
  })

/**
 * The response cache follows the change feed for as long as the layer lives. Built before the backend that
 * publishes, so that no change is published to a cache not listening yet.
 */
export const CacheInvalidationLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const cache = yield* ResponseCache
    const feed = yield* ChangeFeed
    yield* feed.subscribe((change) => invalidateFor(cache, change))
  })
)
