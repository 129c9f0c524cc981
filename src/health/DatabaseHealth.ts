import { Context, type Effect, Schema } from "effect"

export const DbState = Schema.Struct({
  present: Schema.Boolean,
  migrated: Schema.Boolean,
  journal_mode: Schema.NullOr(Schema.String),
  max_date: Schema.NullOr(Schema.String),
  data_version: Schema.NullOr(Schema.Int)
}).annotations({ identifier: "DbState" })
export type DbState = typeof DbState.Type

export const HealthStatus = Schema.Literal("ok", "degraded", "unavailable")

export const HealthReport = Schema.Struct({
  status: HealthStatus,
  databases: Schema.Struct({ live: DbState, archive: DbState }),
  reasons: Schema.optional(
    Schema.Array(Schema.String).annotations({
      description: "When the status is not ok: why, one line a problem, each naming its file (extends the contract)"
    })
  )
}).annotations({ identifier: "HealthReport" })
export type HealthReport = typeof HealthReport.Type

/**
 * `/health`'s answer, from whichever backend serves: each source's state, `degraded` with the reasons when the
 * backend needs attention, `unavailable` when the live data cannot be read.
 */
export class DatabaseHealth extends Context.Tag("DatabaseHealth")<
  DatabaseHealth,
  { readonly report: Effect.Effect<HealthReport> }
>() {}
