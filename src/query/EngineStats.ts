import { Context, Effect } from "effect"
import type { PoolStats } from "../backends/sqlite/pool/ReadPool.js"

/** What the selected engine can tell about its execution resources (the read pool, when it has one). */
export class EngineStats extends Context.Reference<EngineStats>()("EngineStats", {
  defaultValue: () => ({ pool: Effect.succeed<PoolStats | undefined>(undefined) })
}) {}
