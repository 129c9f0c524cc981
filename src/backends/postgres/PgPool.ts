import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import pg from "pg"
import { EngineStats } from "../../query/EngineStats.js"
import { PgConfig } from "./PgConfig.js"

/** The pool's connections' `application_name` (how `pg_stat_activity` shows them). */
export const POOL_NAME = "production-api"

/** PostgreSQL's "canceling statement due to statement timeout". */
const QUERY_CANCELED = "57014"

type QueryCallback = (error: (Error & { code?: string }) | null, result: unknown) => void

/**
 * A `pg` pool of `PG_POOL_SIZE` connections whose statements the server stops after `QUERY_TIMEOUT_MS`
 * (`statement_timeout`), as a `PgClient` (and `SqlClient`) for the engine, and its figures as `EngineStats`.
 * Connections are made on demand: whether the server answers is for the start-up check (PgReadiness.ts).
 */
export const PgPoolLive = Layer.unwrapScoped(
  Effect.gen(function* () {
    const config = yield* PgConfig
    let timeouts = 0
    // The pool's connections count the statements the server stopped for time, for `pool_timeouts`.
    class CountingClient extends pg.Client {
      override query(...args: Array<unknown>): never {
        const last = args.length - 1
        const callback = args[last]
        if (typeof callback === "function") {
          args[last] = ((error, result) => {
            if (error?.code === QUERY_CANCELED) timeouts++
            ;(callback as QueryCallback)(error, result)
          }) satisfies QueryCallback
        }
        return (super.query as (...a: Array<unknown>) => never)(...args)
      }
    }
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const p = new pg.Pool({
          Client: CountingClient,
          connectionString: Redacted.value(config.url),
          max: config.poolSize,
          statement_timeout: config.queryTimeoutMs,
          // Every statement here is answered in milliseconds: starting parallel workers (~5 ms, more than by-item
          // takes at 30 M rows) or JIT-compiling a plan costs more than it saves (docs/postgres.md).
          options: "-c max_parallel_workers_per_gather=0 -c jit=off",
          connectionTimeoutMillis: config.queryTimeoutMs,
          application_name: POOL_NAME
        })
        // An idle connection's error (the server restarted) is the pool's to replace, not an uncaught event.
        p.on("error", () => undefined)
        return p
      }),
      (p) => Effect.promise(() => p.end().catch(() => undefined))
    )
    const stats = EngineStats.of({
      pool: Effect.sync(() => ({
        size: config.poolSize,
        // Connections are opened on demand: a slot not opened yet takes a query as readily as an idle one.
        idle: config.poolSize - (pool.totalCount - pool.idleCount),
        waiting: pool.waitingCount,
        inFlight: pool.totalCount - pool.idleCount,
        // A pg pool neither retires connections for time nor bounds its waiters (QUEUE_LIMIT is SQLite's).
        retired: 0,
        timeouts,
        rejections: 0
      }))
    })
    return Layer.merge(
      PgClient.layerFromPool({ acquire: Effect.succeed(pool), applicationName: POOL_NAME }),
      Layer.succeed(EngineStats, stats)
    )
  })
)
