import { Layer } from "effect"
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

/** The whole service, on the SQLite backend. */
export const AppLive = appOver(SqliteBackendLive).pipe(Layer.provide(DbTargets.Default))
