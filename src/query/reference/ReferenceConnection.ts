import Database from "better-sqlite3"
import { Effect } from "effect"
import { statSync } from "node:fs"
import { DbTargets } from "../../config/DbTargets.js"
import { applyPragmas, PragmaConfig } from "../../db/Pragmas.js"
import type { DbFile } from "../../domain/DbFile.js"
import { RECORD_COLUMNS } from "../../domain/ProductionRecord.js"
import { FOLD_CONTAINS_SQL_FUNCTION, foldedContains } from "../../domain/TextFold.js"
import { DatabaseUnavailable } from "../../pool/ReadErrors.js"
import { ARCHIVE_SCHEMA, type Branches, type Sql } from "./ReferenceSql.js"

/** The archive's state on the open connection. `absent`: no file at a path the user did not name (empty archive). */
type ArchiveState =
  | { readonly _tag: "attached"; readonly identity: string }
  | { readonly _tag: "absent" }
  | { readonly _tag: "fault"; readonly reason: string }

interface OpenConnection {
  readonly db: Database.Database
  readonly liveIdentity: string
  readonly archive: ArchiveState
  readonly statements: Map<string, Database.Statement>
}

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** A file's identity on disk; another one at the same path means the file was replaced. */
const fileIdentity = (path: string): string | undefined => {
  try {
    const stat = statSync(path)
    return `${stat.dev}:${stat.ino}`
  } catch {
    return undefined
  }
}

const foldContains = (haystack: unknown, needle: unknown): number =>
  haystack !== null && needle !== null && foldedContains(String(haystack), String(needle)) ? 1 : 0

/**
 * The reference engine's single read-only connection: the live file as `main` with the archive ATTACHed (plain
 * path: better-sqlite3 does not parse `file:` URIs; the attachment inherits the read-only flag), the configured
 * pragmas, and `foldedContains` registered for `q`. A raw better-sqlite3 connection because `SqliteClient` does
 * not expose its handle, so the fold function could not be registered on it.
 *
 * Statements run synchronously on the calling thread. The connection is reopened when either file was replaced
 * on disk, after a statement failed (so a repaired file is read again), and while the archive is faulty.
 */
export class ReferenceConnection extends Effect.Service<ReferenceConnection>()("ReferenceConnection", {
  scoped: Effect.gen(function* () {
    const targets = yield* DbTargets
    const pragmas = yield* PragmaConfig
    let current: OpenConnection | undefined

    const attachArchive = (db: Database.Database): ArchiveState => {
      const identity = fileIdentity(targets.archive.path)
      if (identity === undefined) {
        return targets.archive.explicit ? { _tag: "fault", reason: "file not found" } : { _tag: "absent" }
      }
      try {
        db.prepare(`ATTACH DATABASE ? AS ${ARCHIVE_SCHEMA}`).run(targets.archive.path)
        applyPragmas({ pragma: (source) => db.pragma(`${ARCHIVE_SCHEMA}.${source}`) }, pragmas)
        return { _tag: "attached", identity }
      } catch (cause) {
        return { _tag: "fault", reason: reasonOf(cause) }
      }
    }

    const open = (): OpenConnection => {
      const liveIdentity = fileIdentity(targets.live.path)
      if (liveIdentity === undefined) throw new DatabaseUnavailable({ file: "live", reason: "file not found" })
      let db: Database.Database | undefined
      try {
        db = new Database(targets.live.path, { readonly: true, fileMustExist: true })
        db.function(FOLD_CONTAINS_SQL_FUNCTION, { deterministic: true }, foldContains)
        // Opening reads nothing; this makes a file that is not SQLite fail here, naming the live file.
        db.prepare("SELECT count(*) FROM main.sqlite_master").get()
        applyPragmas(db, pragmas)
      } catch (cause) {
        db?.close()
        throw new DatabaseUnavailable({ file: "live", reason: reasonOf(cause) })
      }
      return { db, liveIdentity, archive: attachArchive(db), statements: new Map() }
    }

    const close = (): void => {
      current?.db.close()
      current = undefined
    }

    const isFresh = (c: OpenConnection): boolean => {
      if (fileIdentity(targets.live.path) !== c.liveIdentity) return false
      const archive = fileIdentity(targets.archive.path)
      switch (c.archive._tag) {
        case "attached":
          return archive === c.archive.identity
        case "absent":
          return archive === undefined
        case "fault":
          return false
      }
    }

    const connection = (): OpenConnection => {
      if (current !== undefined && !isFresh(current)) close()
      current ??= open()
      return current
    }

    /** Which file a failed statement tripped on: the first read branch whose table cannot be scanned. */
    const blame = (db: Database.Database, branches: Branches): DbFile => {
      const probe = (schema: string): boolean => {
        try {
          db.prepare(`SELECT ${RECORD_COLUMNS.join(", ")} FROM ${schema}.production_records LIMIT 0`).all()
          db.prepare(`SELECT count(*) FROM ${schema}.production_records`).get()
          return true
        } catch {
          return false
        }
      }
      if (branches.live && !probe("main")) return "live"
      if (branches.archive && !probe(ARCHIVE_SCHEMA)) return "archive"
      return "live"
    }

    const allSync = (needs: Branches, build: (branches: Branches) => Sql | undefined): ReadonlyArray<unknown> => {
      const c = connection()
      if (needs.archive && c.archive._tag === "fault") {
        throw new DatabaseUnavailable({ file: "archive", reason: c.archive.reason })
      }
      const branches = { live: needs.live, archive: needs.archive && c.archive._tag === "attached" }
      const sql = build(branches)
      if (sql === undefined) return []
      try {
        let statement = c.statements.get(sql.text)
        if (statement === undefined) {
          statement = c.db.prepare(sql.text)
          c.statements.set(sql.text, statement)
        }
        return statement.all(sql.params)
      } catch (cause) {
        const file = blame(c.db, branches)
        close()
        throw new DatabaseUnavailable({ file, reason: reasonOf(cause) })
      }
    }

    yield* Effect.addFinalizer(() => Effect.sync(close))

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
  })
}) {}
