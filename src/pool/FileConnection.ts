import Database from "better-sqlite3"
import { statSync } from "node:fs"
import { applyPragmas, type Pragma } from "../db/Pragmas.js"
import type { DbFile } from "../domain/DbFile.js"
import { FOLD_CONTAINS_SQL_FUNCTION, foldedContains } from "../domain/TextFold.js"
import type { SqlValue } from "./ReadPool.js"
import type { FileUnavailable, QueryFailure, QueryOutput, StatementFailed } from "./WorkerProtocol.js"

export interface FileConnectionOptions {
  readonly pragmas: ReadonlyArray<Pragma>
  /** How long a connection is trusted before `stat` checks that the path still names the same file. */
  readonly checkMs: number
  /**
   * Whether `mmap_size` from the pragma set is honoured. Off by default: a file truncated in place (`cp` over it,
   * `truncate`) while mapped makes the next read fault with SIGBUS, which kills the whole process.
   */
  readonly allowMmap: boolean
}

const STATEMENT_CACHE_LIMIT = 500

// Codes that blame the file (or a writer holding it), not the statement. "no such table" too: a file truncated
// to nothing opens as an empty database.
const FILE_FAULT_CODE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|PROTOCOL|READONLY_|BUSY|NOLFS|PERM|AUTH)/
const FILE_FAULT_MESSAGE = /no such table/

const now = () => performance.timeOrigin + performance.now()

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

const foldContains = (haystack: unknown, needle: unknown) =>
  typeof haystack === "string" && typeof needle === "string" && foldedContains(haystack, needle) ? 1 : 0

/**
 * One read-only connection to one file, inside a worker, with its prepared statements. Reopens when the path names
 * a new file (new inode) or after a fault; while the file is unreadable every request answers `FileUnavailable`.
 */
export class FileConnection {
  #db: Database.Database | undefined
  #ino = -1
  #dev = -1
  #checkedAt = 0
  readonly #statements = new Map<string, Database.Statement>()
  readonly #jsonWrappers = new Map<string, { readonly sql: string; readonly columns: ReadonlyArray<string> }>()

  constructor(
    readonly file: DbFile,
    readonly path: string,
    readonly options: FileConnectionOptions
  ) {}

  /** Runs one statement synchronously: its rows, or why it could not run. */
  run(sql: string, params: ReadonlyArray<SqlValue>): QueryOutput | QueryFailure {
    const db = this.#connection()
    if (typeof db === "string") return this.#unavailable(db)
    const startedAt = now()
    try {
      const stmt = this.#prepare(db, sql)
      if (!stmt.reader) {
        stmt.run(...params)
        return { columns: [], rows: [], startedAt, endedAt: now() }
      }
      const rows = stmt.all(...params) as Array<Array<SqlValue>>
      const endedAt = now()
      return { columns: stmt.columns().map((c) => c.name), rows, startedAt, endedAt }
    } catch (error) {
      return this.#failure(error)
    }
  }

  /**
   * Runs one read statement with its rows written by SQLite as one JSON array of arrays (`[[...], ...]`), the
   * output's single row, and the statement's own column names: the rows never become JavaScript values here.
   */
  runAsJson(sql: string, params: ReadonlyArray<SqlValue>): QueryOutput | QueryFailure {
    const db = this.#connection()
    if (typeof db === "string") return this.#unavailable(db)
    let wrapped
    try {
      wrapped = this.#jsonWrapper(db, sql)
    } catch (error) {
      return this.#failure(error)
    }
    const result = this.run(wrapped.sql, params)
    return isQueryFailure(result) ? result : { ...result, columns: wrapped.columns }
  }

  close(): void {
    this.#statements.clear()
    this.#jsonWrappers.clear()
    const db = this.#db
    this.#db = undefined
    try {
      db?.close()
    } catch {
      // a connection that cannot even close is dropped all the same
    }
  }

  /** The open connection, or why there is none. */
  #connection(): Database.Database | string {
    const t = performance.now()
    if (this.#db !== undefined && t - this.#checkedAt < this.options.checkMs) return this.#db
    this.#checkedAt = t
    let stat
    try {
      stat = statSync(this.path, { throwIfNoEntry: false })
    } catch (error) {
      this.close()
      return `cannot stat the file: ${messageOf(error)}`
    }
    if (stat === undefined) {
      this.close()
      return "the file is absent"
    }
    if (this.#db !== undefined && stat.ino === this.#ino && stat.dev === this.#dev) return this.#db
    this.close()
    try {
      this.#db = this.#open()
      this.#ino = stat.ino
      this.#dev = stat.dev
      return this.#db
    } catch (error) {
      return `cannot open the file: ${messageOf(error)}`
    }
  }

  #open(): Database.Database {
    const db = new Database(this.path, { readonly: true, fileMustExist: true })
    try {
      applyPragmas(db, this.options.pragmas)
      if (!this.options.allowMmap) db.pragma("mmap_size = 0")
      db.function(FOLD_CONTAINS_SQL_FUNCTION, { deterministic: true }, foldContains)
      // Reads the header and the schema, so "not a database" surfaces here rather than inside a request.
      db.prepare("SELECT count(*) FROM sqlite_master").pluck().get()
      return db
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** `sql` inside a statement that aggregates its rows to JSON (cached with the statements). */
  #jsonWrapper(db: Database.Database, sql: string): { readonly sql: string; readonly columns: ReadonlyArray<string> } {
    const known = this.#jsonWrappers.get(sql)
    if (known !== undefined) return known
    const inner = this.#prepare(db, sql)
    const columns = inner.reader ? inner.columns().map((c) => c.name) : []
    const names = columns.map((_, i) => `c${i}`).join(", ")
    const wrapped = {
      sql: inner.reader ? `WITH r(${names}) AS (${sql}) SELECT json_group_array(json_array(${names})) FROM r` : sql,
      columns
    }
    if (this.#jsonWrappers.size >= STATEMENT_CACHE_LIMIT) this.#jsonWrappers.clear()
    this.#jsonWrappers.set(sql, wrapped)
    return wrapped
  }

  #prepare(db: Database.Database, sql: string): Database.Statement {
    let stmt = this.#statements.get(sql)
    if (stmt === undefined) {
      stmt = db.prepare(sql)
      if (stmt.reader) stmt.raw(true)
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear()
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  #failure(error: unknown): FileUnavailable | StatementFailed {
    const code = error instanceof Database.SqliteError ? error.code : "UNKNOWN"
    const message = messageOf(error)
    if (FILE_FAULT_CODE.test(code) || FILE_FAULT_MESSAGE.test(message)) {
      this.close()
      return this.#unavailable(`${code}: ${message}`)
    }
    const failed: StatementFailed = { _tag: "StatementFailed", code, message }
    return failed
  }

  #unavailable(reason: string): FileUnavailable {
    return { _tag: "FileUnavailable", file: this.file, reason }
  }
}

export const isQueryFailure = (result: QueryOutput | QueryFailure): result is QueryFailure => "_tag" in result
