import { Config, Effect } from "effect"

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

/** data.md's freshness bound: an answer equals the data as of a moment at most `CHANGE_POLL_MS` + this before. */
export const FRESHNESS_SLACK_MILLIS = 250

/** The response cache's settings (env vars, the contract's defaults). */
export class CacheConfig extends Effect.Service<CacheConfig>()("CacheConfig", {
  effect: Effect.gen(function* () {
    const enabled = yield* Config.boolean("CACHE_ENABLED").pipe(Config.withDefault(true))
    const staleSeconds = yield* Config.integer("CACHE_STALE_SECONDS").pipe(
      Config.validate({ message: "CACHE_STALE_SECONDS must be at least 0", validation: atLeast(0) }),
      Config.withDefault(240)
    )
    const expireSeconds = yield* Config.integer("CACHE_EXPIRE_SECONDS").pipe(
      Config.validate({
        message: "CACHE_EXPIRE_SECONDS must be at least CACHE_STALE_SECONDS",
        validation: (n) => Number.isInteger(n) && n >= staleSeconds
      }),
      Config.withDefault(300)
    )
    const capacity = yield* Config.integer("CACHE_CAPACITY").pipe(
      Config.validate({ message: "CACHE_CAPACITY must be at least 1", validation: atLeast(1) }),
      Config.withDefault(10_000)
    )
    const maxBytes = yield* Config.integer("CACHE_MAX_BYTES").pipe(
      Config.validate({ message: "CACHE_MAX_BYTES must be at least 1", validation: atLeast(1) }),
      Config.withDefault(256 * 1024 * 1024)
    )
    const maxEntryBytes = yield* Config.integer("CACHE_MAX_ENTRY_BYTES").pipe(
      Config.validate({ message: "CACHE_MAX_ENTRY_BYTES must be at least 1", validation: atLeast(1) }),
      Config.withDefault(8 * 1024 * 1024)
    )
    const warmup = yield* Config.boolean("CACHE_WARMUP").pipe(Config.withDefault(true))
    // The change detector's setting: an invalidated answer may be served while it is within the bound.
    const pollMillis = yield* Config.integer("CHANGE_POLL_MS").pipe(
      Config.validate({ message: "CHANGE_POLL_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(1000)
    )
    return {
      enabled,
      staleMillis: staleSeconds * 1000,
      expireMillis: expireSeconds * 1000,
      capacity,
      maxBytes,
      maxEntryBytes,
      warmup,
      /** How old (ms) the data of an invalidated answer may be when it is served (data.md "Freshness bound"). */
      freshnessMillis: pollMillis + FRESHNESS_SLACK_MILLIS
    } as const
  })
}) {}
