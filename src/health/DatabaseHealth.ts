import { Effect, Schema } from "effect"
import { ChangeDetector, type DetectorFileState } from "../backends/sqlite/changes/ChangeDetector.js"
import { DbTargets } from "../config/DbTargets.js"
import { fileIdentity } from "../backends/sqlite/db/DbConnection.js"
import { DB_FILES, type DbFile } from "../domain/DbFile.js"

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

const ABSENT: DbState = { present: false, migrated: false, journal_mode: null, max_date: null, data_version: null }

/** Why `file` needs attention, if it does. */
const problemsOf = (file: DbFile, state: DetectorFileState, expected: boolean): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (!state.readable && (expected || state.present)) problems.push(`${file}: ${state.lastError ?? "unreadable"}`)
  if (state.audit?.behind === true) {
    problems.push(
      `${file}: the service has seen its change log up to ${state.seq ?? "nothing"}, an outside process read ${state.audit.seq}; ` +
        `reconnecting (${state.reconnects} reconnects so far)`
    )
  }
  return problems
}

/**
 * `/health`: both files as the change detector sees them (it polls them first, so the answer is current), with
 * `degraded` and a reason when the detector has fallen behind what an outside process reads.
 */
export class DatabaseHealth extends Effect.Service<DatabaseHealth>()("DatabaseHealth", {
  effect: Effect.gen(function* () {
    const targets = yield* DbTargets
    const detector = yield* ChangeDetector
    // A default archive path that was absent at start means "live serves alone", which is not a fault.
    const archiveExpected = targets.archive.explicit || fileIdentity(targets.archive.path) !== undefined

    const dbState = (file: DbFile, state: DetectorFileState) =>
      Effect.map(detector.details(file), (details): DbState =>
        details === undefined
          ? { ...ABSENT, present: state.present }
          : {
              present: true,
              migrated: details.migrated,
              journal_mode: details.journalMode,
              max_date: details.maxDate,
              data_version: state.dataVersion
            }
      )

    const report = Effect.gen(function* () {
      yield* detector.pollNow
      const states = yield* detector.states
      const [live, archive] = yield* Effect.all(DB_FILES.map((file) => dbState(file, states[file])))
      const archiveConfigured = archiveExpected || states.archive.present
      const reasons = [
        ...problemsOf("live", states.live, true),
        ...problemsOf("archive", states.archive, archiveConfigured)
      ]
      const status = !states.live.readable ? "unavailable" : reasons.length > 0 ? "degraded" : "ok"
      const databases = { live: live!, archive: archive! }
      return (reasons.length === 0 ? { status, databases } : { status, databases, reasons }) satisfies HealthReport
    })
    return { report } as const
  })
}) {}
