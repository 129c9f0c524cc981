import { Layer } from "effect"
import { DbTargets } from "../config/DbTargets.js"
import { CacheWarmupLive } from "../http/CacheWarmup.js"
import { CachedHttpLive } from "../http/HttpServer.js"
import { QueryEngineLive } from "../backends/sqlite/engine/QueryEngineLive.js"
import { DataPreparationLive } from "../backends/sqlite/DataPreparation.js"

/**
 * The whole service: the files made ready (demo data, migration), the selected engine, the HTTP app, and the
 * cache warm-up once it listens.
 */
export const AppLive = CacheWarmupLive.pipe(
  Layer.provideMerge(CachedHttpLive),
  Layer.provide(QueryEngineLive),
  Layer.provide(DataPreparationLive),
  Layer.provide(DbTargets.Default)
)
