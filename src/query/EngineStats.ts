import { Context, Effect } from "effect"

/** The figures of an engine's pool of readers, as `/metrics` exports them. */
export interface PoolStats {
  readonly size: number
  readonly idle: number
  readonly waiting: number
  readonly inFlight: number
  readonly retired: number
  readonly timeouts: number
  readonly rejections: number
}

/** What the selected engine can tell about its execution resources (the read pool, when it has one). */
export class EngineStats extends Context.Reference<EngineStats>()("EngineStats", {
  defaultValue: () => ({ pool: Effect.succeed<PoolStats | undefined>(undefined) })
}) {}
