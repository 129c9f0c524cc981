import { Config, Effect, Layer } from "effect"
import { PoolConfig } from "../pool/PoolConfig.js"
import { ReadPoolLive } from "../pool/ReadPoolLive.js"
import { OptimizedEngineLive } from "./optimized/OptimizedEngine.js"
import { ReferenceEngineLive } from "./reference/ReferenceEngine.js"

/** `optimized` (the service as shipped) or `reference` (the pre-optimization baseline, for measurement). */
export const QueryEngineName = Config.literal(
  "optimized",
  "reference"
)("QUERY_ENGINE").pipe(Config.withDefault("optimized"))

/** The engine `QUERY_ENGINE` selects; the optimized one with its read pool of worker threads. */
export const QueryEngineLive = Layer.unwrapEffect(
  Effect.map(QueryEngineName, (name) =>
    name === "reference"
      ? ReferenceEngineLive
      : OptimizedEngineLive.pipe(Layer.provide(ReadPoolLive), Layer.provide(PoolConfig.Default))
  )
)
