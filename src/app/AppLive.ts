import { Config, Effect, Layer } from "effect"
import { PgBackendLive } from "../backends/postgres/PgBackend.js"
import { SqliteBackendLive } from "../backends/sqlite/SqliteBackend.js"
import { ChangeFeed } from "../changes/ChangeFeed.js"
import { DbTargets } from "../config/DbTargets.js"
import type { DatabaseHealth } from "../health/DatabaseHealth.js"
import { CacheWarmupLive } from "../http/CacheWarmup.js"
import { CachedHttpLive, ResponseCacheLive } from "../http/HttpServer.js"
import type { QueryEngine } from "../query/QueryEngine.js"

/**
 * The service over `backend`: the response cache (listening on the change feed before the backend is built and
 * publishes on it), the backend, the HTTP app, and the cache warm-up once it listens.
 */
export const appOver = <E, R>(backend: Layer.Layer<QueryEngine | DatabaseHealth, E, R>) =>
  CacheWarmupLive.pipe(
    Layer.provideMerge(CachedHttpLive),
    Layer.provide(backend),
    Layer.provideMerge(ResponseCacheLive),
    Layer.provide(ChangeFeed.Default)
  )

/** `QUERY_BACKEND`: the two SQLite files (the default), or PostgreSQL at `DATABASE_URL`. */
export const QueryBackend = Config.literal("sqlite", "postgres")("QUERY_BACKEND").pipe(Config.withDefault("sqlite"))

const sqliteApp = appOver(SqliteBackendLive)
const postgresApp = appOver(PgBackendLive)

/** The whole service, on the backend `QUERY_BACKEND` selects. */
export const AppLive = Layer.unwrapEffect(
  Effect.map(
    QueryBackend,
    (
      backend
    ): Layer.Layer<
      Layer.Layer.Success<typeof sqliteApp>,
      Layer.Layer.Error<typeof sqliteApp> | Layer.Layer.Error<typeof postgresApp>,
      Layer.Layer.Context<typeof sqliteApp> | Layer.Layer.Context<typeof postgresApp>
    > => (backend === "postgres" ? postgresApp : sqliteApp)
  )
).pipe(Layer.provide(DbTargets.Default))
