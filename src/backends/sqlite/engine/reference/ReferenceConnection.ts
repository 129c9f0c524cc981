import type Database from "better-sqlite3"
import { Effect } from "effect"
import { DbTargets } from "../../../../config/DbTargets.js"
import { isUnreadable } from "../../db/DbConnection.js"
import { DbConnections } from "../../db/DbConnections.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import { RECORD_COLUMNS } from "../../../../domain/ProductionRecord.js"
import { DatabaseUnavailable } from "../../../../query/ReadErrors.js"
import { ARCHIVE_SCHEMA, type Branches, type Sql } from "./ReferenceSql.js"

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * The reference engine's single read-only connection: the live file as `main` with the archive ATTACHed (a
 * `DbConnection` with an attachment: the service's pragmas on both, `fold_contains` for `q`, reopened when either
 * file is replaced on disk, after a statement failed (so a repaired file is read again), while the archive is
 * faulty, and when the service reconnects either file).
 *
 * Statements run synchronously on the calling thread.
 */
export class ReferenceConnection extends Effect.Service<ReferenceConnection>()("ReferenceConnection", {
  scoped: Effect.gen(function* () {
    const targets = yield* DbTargets
    const connections = yield* DbConnections
    const connection = connections.connect(targets.live, {
      attach: { file: "archive", path: targets.archive.path, schema: ARCHIVE_SCHEMA }
    })
    const statements = new Map<string, Database.Statement>()
    let preparedOn: Database.Database | undefined

    const open = (): Database.Database => {
      const db = connection.get()
      if (isUnreadable(db)) throw new DatabaseUnavailable({ file: "live", reason: db.reason })
      if (db !== preparedOn) {
        statements.clear()
        preparedOn = db
      }
      return db
    }

    /** The archive as the open connection has it: readable, absent where the user did not name it, or a fault. */
    const archiveFault = (): string | undefined => {
      const state = connection.attachment
      if (state._tag === "Faulty") return state.reason
      return state._tag === "Absent" && targets.archive.explicit ? "file not found" : undefined
    }

    /** Which file a failed statement tripped on: the first read branch whose table cannot be scanned. */
    const blame = (db: Database.Database, branches: Branches): DbFile => {
      const scannable = (schema: string): boolean => {
        try {
          db.prepare(`SELECT ${RECORD_COLUMNS.join(", ")} FROM ${schema}.production_records LIMIT 0`).all()
          db.prepare(`SELECT count(*) FROM ${schema}.production_records`).get()
          return true
        } catch {
          return false
        }
      }
      if (branches.live && !scannable("main")) return "live"
      if (branches.archive && !scannable(ARCHIVE_SCHEMA)) return "archive"
      return "live"
    }

    const allSync = (needs: Branches, build: (branches: Branches) => Sql | undefined): ReadonlyArray<unknown> => {
      const db = open()
      const fault = archiveFault()
      if (needs.archive && fault !== undefined) throw new DatabaseUnavailable({ file: "archive", reason: fault })
      const branches = { live: needs.live, archive: needs.archive && connection.attachment._tag === "Attached" }
      const sql = build(branches)
      if (sql === undefined) return []
      try {
        let statement = statements.get(sql.text)
        if (statement === undefined) {
          statement = db.prepare(sql.text)
          statements.set(sql.text, statement)
        }
        return statement.all(sql.params)
      } catch (cause) {
        const file = blame(db, branches)
        connection.close()
        throw new DatabaseUnavailable({ file, reason: reasonOf(cause) })
      }
    }

    yield* Effect.addFinalizer(() => Effect.sync(() => connection.close()))

    return {
      /**
       * Runs one statement in one implicit read transaction. `needs` says which files the query reads; `build`
       * gets the branches that may actually be read (the archive only when attached) and may return undefined
       * when none can hold a row.
       */
      all: <Row>(
        needs: Branches,
        build: (branches: Branches) => Sql | undefined
      ): Effect.Effect<ReadonlyArray<Row>, DatabaseUnavailable> =>
        Effect.try({
          try: () => allSync(needs, build) as ReadonlyArray<Row>,
          catch: (cause) =>
            cause instanceof DatabaseUnavailable
              ? cause
              : new DatabaseUnavailable({ file: "live", reason: reasonOf(cause) })
        })
    }
  }),
  dependencies: [DbConnections.Default]
}) {}
