import { Effect, Layer } from "effect"
import { DbTargets } from "../../../config/DbTargets.js"
import { DB_FILES, type DbFile } from "../../../domain/DbFile.js"
import { DatabaseHealth, type DbState, type HealthReport } from "../../../health/DatabaseHealth.js"
import { ChangeDetector, type DetectorFileState } from "../changes/ChangeDetector.js"
import { fileIdentity } from "../db/DbConnection.js"

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
 * `/health` on SQLite: both files as the change detector sees them (it polls them first, so the answer is
 * current), with `degraded` and a reason when the detector has fallen behind what an outside process reads.
 */
export const SqliteHealthLive = Layer.effect(
  DatabaseHealth,
  Effect.gen(function* () {
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
    return DatabaseHealth.of({ report })
  })
)
