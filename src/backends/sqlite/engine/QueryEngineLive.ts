import { Config, Effect, Layer } from "effect"
import { PoolConfig } from "../pool/PoolConfig.js"
import { ReadPool } from "../pool/ReadPool.js"
import { ReadPoolLive } from "../pool/ReadPoolLive.js"
import { EngineStats } from "../../../query/EngineStats.js"
import { OptimizedEngineLive } from "./optimized/OptimizedEngine.js"
import { ReferenceEngineLive } from "./reference/ReferenceEngine.js"

/** `optimized` (the service as shipped) or `reference` (the pre-optimization baseline, for measurement). */
export const QueryEngineName = Config.literal(
  "optimized",
  "reference"
)("QUERY_ENGINE").pipe(Config.withDefault("optimized"))

const poolStats = Layer.effect(
  EngineStats,
  Effect.map(ReadPool, (pool) => ({ pool: Effect.map(pool.stats, (s) => s as typeof s | undefined) }))
)

/** The engine `QUERY_ENGINE` selects; the optimized one with its read pool of worker threads. */
export const QueryEngineLive = Layer.unwrapEffect(
  Effect.map(QueryEngineName, (name) =>
    name === "reference"
      ? Layer.merge(ReferenceEngineLive, Layer.succeed(EngineStats, EngineStats.defaultValue()))
      : Layer.merge(OptimizedEngineLive, poolStats).pipe(Layer.provide(ReadPoolLive), Layer.provide(PoolConfig.Default))
  )
)
