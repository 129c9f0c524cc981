import * as fs from "node:fs"
import Database from "better-sqlite3"
import { Effect, Schema } from "effect"
import { type DbTarget, DbTargets } from "../config/DbTargets.js"
import { isMigrated } from "../migration/MigrationState.js"

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
  databases: Schema.Struct({ live: DbState, archive: DbState })
}).annotations({ identifier: "HealthReport" })
export type HealthReport = typeof HealthReport.Type

const ABSENT: DbState = { present: false, migrated: false, journal_mode: null, max_date: null, data_version: null }

/** What one inspection found; `readable: false` for an absent file too. */
interface Inspection {
  readonly state: DbState
  readonly readable: boolean
}

/**
 * One file's inspector on a kept read-only connection of its own (never a pool worker, so it answers while
 * heavy queries run). The connection is reopened when the file is replaced (new inode) or after an error, and
 * `max_date` is recomputed only when `data_version` says another connection committed or the main file was
 * written (then on a fresh connection, so that damage done in place is seen).
 */
const makeInspector = (target: DbTarget) => {
  let db: Database.Database | undefined
  let identity = ""
  /** Size and mtime of the main file when `cached` was read. */
  let stamp = ""
  let cached: { version: number; maxDate: string | null; migrated: boolean } | undefined

  const read = (conn: Database.Database) => {
    const row = conn.prepare("SELECT max(production_date) AS d FROM production_records").get() as { d: unknown }
    return { maxDate: typeof row.d === "string" ? row.d : null, migrated: isMigrated(conn) }
  }

  /**
   * Reads the state on a connection of its own, which takes every page (the schema's too) from the disk. The kept
   * connection's page cache is trusted by SQLite until a commit, so it would not see a file damaged in place.
   */
  const readAfresh = () => {
    const fresh = new Database(target.path, { readonly: true, fileMustExist: true })
    try {
      return read(fresh)
    } finally {
      fresh.close()
    }
  }

  const close = () => {
    try {
      db?.close()
    } catch {
      // already unusable: nothing to release
    }
    db = undefined
    cached = undefined
  }

  const inspect = (): Inspection => {
    let stat: fs.Stats
    try {
      stat = fs.statSync(target.path)
    } catch {
      close()
      return { state: ABSENT, readable: false }
    }
    try {
      const current = `${stat.dev}:${stat.ino}`
      if (db === undefined || current !== identity) {
        close()
        db = new Database(target.path, { readonly: true, fileMustExist: true })
        identity = current
      }
      const version = db.pragma("data_version", { simple: true }) as number
      const journal = db.pragma("journal_mode", { simple: true }) as string
      // The main file written since (a checkpoint, a commit without WAL, or a write behind SQLite's back).
      const written = `${stat.size}:${stat.mtimeMs}`
      if (cached === undefined || written !== stamp) {
        cached = { version, ...readAfresh() }
        stamp = written
      } else if (cached.version !== version) {
        cached = { version, ...read(db) }
      }
      return {
        state: {
          present: true,
          migrated: cached.migrated,
          journal_mode: journal,
          max_date: cached.maxDate,
          data_version: version
        },
        readable: true
      }
    } catch {
      close()
      return { state: { ...ABSENT, present: true }, readable: false }
    }
  }
  return { inspect, close }
}

/** `/health`: the state of both files, inspected directly (milliseconds: a few pragmas and an indexed max). */
export class DatabaseHealth extends Effect.Service<DatabaseHealth>()("DatabaseHealth", {
  scoped: Effect.gen(function* () {
    const targets = yield* DbTargets
    const live = makeInspector(targets.live)
    const archive = makeInspector(targets.archive)
    yield* Effect.addFinalizer(() => Effect.sync(() => (live.close(), archive.close())))
    // A default archive path that was absent at start means "live serves alone", which is not a fault.
    const archiveExpected = targets.archive.explicit || fs.existsSync(targets.archive.path)

    const report = Effect.sync((): HealthReport => {
      const l = live.inspect()
      const a = archive.inspect()
      const archiveConfigured = archiveExpected || a.state.present
      const status = !l.readable ? "unavailable" : archiveConfigured && !a.readable ? "degraded" : "ok"
      return { status, databases: { live: l.state, archive: a.state } }
    })
    return { report } as const
  })
}) {}
