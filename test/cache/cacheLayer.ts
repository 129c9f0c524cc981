import { Effect, Layer } from "effect"
import { CacheConfig } from "../../src/cache/CacheConfig.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"

/** Settings of the cache tests: the contract's defaults, warm-up off, with `config` over them. */
export const testCacheConfig = (config: Partial<CacheConfig> = {}) =>
  Layer.succeed(
    CacheConfig,
    CacheConfig.make({
      enabled: true,
      staleMillis: 240_000,
      expireMillis: 300_000,
      capacity: 10_000,
      maxBytes: 256 * 1024 * 1024,
      maxEntryBytes: 8 * 1024 * 1024,
      warmup: false,
      freshnessMillis: 1250,
      ...config
    })
  )

/** The real `ResponseCache` over `testCacheConfig(config)`. */
export const cacheWith = (config: Partial<CacheConfig> = {}) =>
  ResponseCache.DefaultWithoutDependencies.pipe(Layer.provide(testCacheConfig(config)))

/** Lets forked fibers (background refreshes) run to completion; real time, untouched by the TestClock. */
export const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))).pipe(
  Effect.repeatN(3)
)
