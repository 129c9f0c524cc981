import { Config, Effect, Option, Redacted } from "effect"
import { StartupError } from "../../domain/StartupError.js"
import { queryTimeoutMsConfig } from "../../query/QueryTimeoutConfig.js"

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

/**
 * The PostgreSQL backend's settings (api.md § "Backends (v3)"): `DATABASE_URL` (required, redacted),
 * `PG_POOL_SIZE` connections (default 10), each statement stopped by the server after `QUERY_TIMEOUT_MS` (the
 * same setting as SQLite's pool). `QUERY_ENGINE=reference` is SQLite's baseline engine: refused here rather than
 * silently ignored.
 */
export class PgConfig extends Effect.Service<PgConfig>()("PgConfig", {
  effect: Effect.gen(function* () {
    const named = yield* Config.option(Config.redacted("DATABASE_URL"))
    if (Option.isNone(named)) {
      return yield* new StartupError({
        message: "QUERY_BACKEND=postgres needs DATABASE_URL (postgres://user:password@host:port/database)"
      })
    }
    const url = named.value
    if (!/^postgres(ql)?:\/\//.test(Redacted.value(url))) {
      return yield* new StartupError({ message: "DATABASE_URL must be a postgres:// or postgresql:// URL" })
    }
    const poolSize = yield* Config.integer("PG_POOL_SIZE").pipe(
      Config.validate({ message: "PG_POOL_SIZE must be at least 1", validation: atLeast(1) }),
      Config.withDefault(10)
    )
    const queryTimeoutMs = yield* queryTimeoutMsConfig
    yield* Config.string("QUERY_ENGINE").pipe(
      Config.withDefault("optimized"),
      Config.validate({
        message: "QUERY_ENGINE must be optimized with QUERY_BACKEND=postgres (reference is the SQLite baseline engine)",
        validation: (name) => name === "optimized"
      })
    )
    return { url, poolSize, queryTimeoutMs } as const
  })
}) {}
