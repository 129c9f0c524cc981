import type Database from "better-sqlite3"
import { DbConnection, errorCode, isUnreadable } from "../db/DbConnection.js"
import type { Pragma } from "../db/Pragmas.js"
import type { Reconnects } from "../db/Reconnects.js"
import type { DbFile } from "../../../domain/DbFile.js"
import type { SqlValue } from "./ReadPool.js"
import type { FileUnavailable, QueryFailure, QueryOutput, StatementFailed } from "./WorkerProtocol.js"

export interface FileConnectionOptions {
  readonly pragmas: ReadonlyArray<Pragma>
  /** How long a connection is trusted before `stat` checks that the path still names the same file. */
  readonly checkMs: number
  /** Whether `mmap_size` from the pragma set is honoured (see `ConnectionOptions.allowMmap`). */
  readonly allowMmap: boolean
  readonly reconnects: Reconnects
  /** See `ConnectionOptions.staleIndexWaitMs`. */
  readonly staleIndexWaitMs?: number
}

const STATEMENT_CACHE_LIMIT = 500

const now = () => performance.timeOrigin + performance.now()

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One file's connection inside a worker (a `DbConnection`: reopened on a new inode, after a fault or a reconnect)
 * with its prepared statements; while the file is unreadable every request answers `FileUnavailable`.
 */
export class FileConnection {
  readonly #db: DbConnection
  /** The connection the statements below were prepared on. */
  #preparedOn: Database.Database | undefined
  readonly #statements = new Map<string, Database.Statement>()
  readonly #jsonWrappers = new Map<string, { readonly sql: string; readonly columns: ReadonlyArray<string> }>()

  constructor(
    readonly file: DbFile,
    readonly path: string,
    options: FileConnectionOptions
  ) {
    this.#db = new DbConnection(file, path, options)
  }

  /** Runs one statement synchronously: its rows, or why it could not run. */
  run(sql: string, params: ReadonlyArray<SqlValue>): QueryOutput | QueryFailure {
    const db = this.#database()
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
    const db = this.#database()
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
    this.#db.close()
  }

  /** The open connection (statements prepared on an earlier one dropped), or why there is none. */
  #database(): Database.Database | string {
    const db = this.#db.get()
    if (isUnreadable(db)) return db.reason
    if (db !== this.#preparedOn) {
      this.#statements.clear()
      this.#jsonWrappers.clear()
      this.#preparedOn = db
    }
    return db
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
    const fault = this.#db.fault(error)
    if (fault !== undefined) return this.#unavailable(fault.reason)
    const failed: StatementFailed = { _tag: "StatementFailed", code: errorCode(error), message: messageOf(error) }
    return failed
  }

  #unavailable(reason: string): FileUnavailable {
    return { _tag: "FileUnavailable", file: this.file, reason }
  }
}

export const isQueryFailure = (result: QueryOutput | QueryFailure): result is QueryFailure => "_tag" in result
