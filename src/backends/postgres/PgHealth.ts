import { Effect, Either, Layer } from "effect"
import { DB_FILES } from "../../domain/DbFile.js"
import { DatabaseHealth, type DbState, type HealthReport } from "../../health/DatabaseHealth.js"
import { SourceStates } from "../../metrics/SourceStates.js"
import { PgChangeFeed } from "./PgChangeFeed.js"
import { PgSourceProbe } from "./PgSourceProbe.js"
import { CHANGES_CHANNEL } from "./PgTriggers.js"

const UNREACHABLE: DbState = { present: false, migrated: false, journal_mode: null, max_date: null, data_version: null }

/**
 * `/health` on PostgreSQL. The two sources are the records on either side of the cutover: `present` once
 * `production_records` exists, `migrated` when `schema_migrations` is at this code's version, `max_date` each
 * side's latest date; `journal_mode` and `data_version` are SQLite's and null here. `unavailable` (503) when the
 * server cannot be read; `degraded` when the LISTEN connection is down (changes unseen until it is back) or the
 * schema is behind.
 */
export const PgHealthLive = Layer.effect(
  DatabaseHealth,
  Effect.gen(function* () {
    const probe = yield* PgSourceProbe
    const feed = yield* PgChangeFeed
    const report = Effect.gen(function* () {
      const [read, listen] = yield* Effect.all([Effect.either(probe.view), feed.state], { concurrency: 2 })
      const listenDown = listen.connected
        ? []
        : [`${CHANGES_CHANNEL}: LISTEN is down, reconnecting; commits are not seen until it is back`]
      if (Either.isLeft(read)) {
        return {
          status: "unavailable",
          databases: { live: UNREACHABLE, archive: UNREACHABLE },
          reasons: [`PostgreSQL: ${read.left}`, ...listenDown]
        } satisfies HealthReport
      }
      const view = read.right
      const migrated = view.version >= view.latestVersion
      const state = (file: (typeof DB_FILES)[number]): DbState => ({
        present: view.hasRecords,
        migrated,
        journal_mode: null,
        max_date: view.maxDate[file],
        data_version: null
      })
      const reasons = [
        ...(migrated ? [] : [`PostgreSQL: schema v${view.version}, this service needs v${view.latestVersion}`]),
        ...listenDown
      ]
      const databases = { live: state("live"), archive: state("archive") }
      const status = !view.hasRecords ? "unavailable" : reasons.length > 0 ? "degraded" : "ok"
      return (reasons.length === 0 ? { status, databases } : { status, databases, reasons }) satisfies HealthReport
    })
    return DatabaseHealth.of({ report })
  })
)

/**
 * Each source for `/metrics`: readable when the server answers, `behind` while LISTEN is down, the listener's
 * reconnects; no data version or change-log position (SQLite's).
 */
export const PgSourceStatesLive = Layer.effect(
  SourceStates,
  Effect.gen(function* () {
    const probe = yield* PgSourceProbe
    const feed = yield* PgChangeFeed
    return {
      files: Effect.gen(function* () {
        const [read, listen] = yield* Effect.all([Effect.either(probe.view), feed.state], { concurrency: 2 })
        const readable = Either.isRight(read) && read.right.hasRecords
        return DB_FILES.map((file) => ({
          file,
          dataVersion: null,
          readable,
          seq: null,
          auditedSeq: null,
          behind: !listen.connected,
          reconnects: listen.reconnects
        }))
      })
    }
  })
)
