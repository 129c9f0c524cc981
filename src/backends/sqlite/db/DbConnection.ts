import Database from "better-sqlite3"
import { statSync } from "node:fs"
import type { DbFile } from "../../../domain/DbFile.js"
import { FOLD_CONTAINS_SQL_FUNCTION, foldedContains } from "../../../domain/TextFold.js"
import { mapsStaleWalIndex } from "./MappedWalIndex.js"
import { applyPragmas, type Pragma } from "./Pragmas.js"
import type { ReconnectListener, Reconnects } from "./Reconnects.js"

/** Why a file cannot be read now: a fault of the file, not of a statement. */
export interface Unreadable {
  readonly _tag: "Unreadable"
  readonly present: boolean
  readonly reason: string
}

/** Another file read on the same connection (`ATTACH`), under `schema`. */
export interface Attachment {
  readonly file: DbFile
  readonly path: string
  readonly schema: string
}

export interface ConnectionOptions {
  readonly pragmas: ReadonlyArray<Pragma>
  /** The process's reconnect counters; left out only for a connection that lives within one synchronous call. */
  readonly reconnects?: Reconnects
  /** How long an open connection is trusted before `stat` checks that its path still names the same file. */
  readonly checkMs?: number
  /**
   * Honour `mmap_size` from the pragmas. Off by default: a file truncated in place (`cp` over it, `truncate`) while
   * mapped makes the next read fault with SIGBUS, which kills the whole process.
   */
  readonly allowMmap?: boolean
  /** Attached when present; absent, the connection serves without it (its state says so). */
  readonly attach?: Attachment
  /**
   * How long an open may block its thread waiting for the process's other connections to a stale WAL index to
   * close (0 on the main thread, whose event loop they may need; a worker thread blocks in a statement anyway).
   */
  readonly staleIndexWaitMs?: number
}

/** What became of the attachment at the last open. */
export type AttachmentState =
  { readonly _tag: "Attached" } | { readonly _tag: "Absent" } | { readonly _tag: "Faulty"; readonly reason: string }

// Codes that blame the file (or a writer holding it), not the statement. "no such table" too: a file truncated to
// nothing opens as an empty database.
const FILE_FAULT_CODE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|PROTOCOL|READONLY_|BUSY|NOLFS|PERM|AUTH)/
const FILE_FAULT_MESSAGE = /no such table/

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** `dev:ino` of the file at `path` (a `stat`, never an open), undefined when there is none. */
export const fileIdentity = (path: string): string | undefined => {
  const stat = statSync(path, { throwIfNoEntry: false })
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`
}

const unreadable = (reason: string, present = true): Unreadable => ({ _tag: "Unreadable", present, reason })

const ABSENT = unreadable("the file is absent", false)

/** A cell nothing notifies: `Atomics.wait` on it is a plain sleep of the calling thread. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4))

const foldContains = (haystack: unknown, needle: unknown): number =>
  haystack !== null && needle !== null && foldedContains(String(haystack), String(needle)) ? 1 : 0

/** Whether `error`, thrown by a statement, says the file cannot be read (rather than the statement being wrong). */
export const blamesFile = (error: unknown): boolean =>
  FILE_FAULT_CODE.test(error instanceof Database.SqliteError ? error.code : "") ||
  FILE_FAULT_MESSAGE.test(messageOf(error))

export const errorCode = (error: unknown): string => (error instanceof Database.SqliteError ? error.code : "UNKNOWN")

/**
 * Every SQLite connection the service opens is one of these: read-only, on an existing file, with the service's
 * pragmas, `mmap_size = 0` and the `fold_contains` function. It is reopened when the path names another file (a new
 * inode), after a fault, and when the service reconnects the file (`Reconnects`).
 *
 * The rule it keeps: nothing but SQLite opens a database file, its `-wal` or its `-shm` in this process. POSIX
 * locks belong to the process, and closing any descriptor of a file drops all of them, SQLite's included; an outside
 * connection that closes then believes it is the last, deletes the `-wal` and `-shm`, and this process keeps
 * reading a WAL index no writer updates. So a file is checked only with `stat` and through SQLite itself, and no
 * connection is opened while the process still maps such a stale index (every connection must close first).
 */
export class DbConnection implements ReconnectListener {
  #db: Database.Database | undefined
  #identity: string | undefined
  #attached: AttachmentState = { _tag: "Absent" }
  #attachedIdentity: string | undefined
  #counts = { main: -1, attached: -1 }
  #checkedAt = -Infinity
  /** Closes this holder's connection when the attached file is reconnected (listeners are per file). */
  readonly #attachmentListener: ReconnectListener

  constructor(
    readonly file: DbFile,
    readonly path: string,
    readonly options: ConnectionOptions
  ) {
    this.#attachmentListener = {
      file: options.attach?.file ?? file,
      closeIfReconnected: () => this.closeIfReconnected()
    }
  }

  /** `dev:ino` of the file the open connection reads; undefined while closed. */
  get identity(): string | undefined {
    return this.#db === undefined ? undefined : this.#identity
  }

  get attachment(): AttachmentState {
    return this.#attached
  }

  /**
   * The open connection, (re)opened when needed: when the path names another file than the one open (checked with
   * `stat` at most every `checkMs`), after `close`, or once the file was reconnected. Or why the file cannot be read.
   */
  get(): Database.Database | Unreadable {
    if (this.#db !== undefined && this.#reconnected()) this.close()
    const now = performance.now()
    if (this.#db !== undefined && now - this.#checkedAt < (this.options.checkMs ?? 0)) return this.#db
    this.#checkedAt = now
    let identity: string | undefined
    try {
      identity = fileIdentity(this.path)
    } catch (error) {
      this.close()
      return unreadable(`cannot stat the file: ${messageOf(error)}`)
    }
    if (identity === undefined) {
      this.close()
      return ABSENT
    }
    if (this.#db !== undefined && identity === this.#identity && this.#attachmentUnchanged()) return this.#db
    this.close()
    return this.#open(identity)
  }

  /** The fault `error` (thrown by a statement on this connection) shows, closing the connection; else undefined. */
  fault(error: unknown): Unreadable | undefined {
    if (!blamesFile(error)) return undefined
    this.close()
    return unreadable(`${errorCode(error)}: ${messageOf(error)}`)
  }

  close(): void {
    const db = this.#db
    this.#db = undefined
    this.options.reconnects?.unlisten(this)
    this.options.reconnects?.unlisten(this.#attachmentListener)
    try {
      db?.close()
    } catch {
      // a connection to a broken file is dropped all the same
    }
  }

  closeIfReconnected(): void {
    if (this.#db !== undefined && this.#reconnected()) this.close()
  }

  #reconnected(): boolean {
    const { reconnects, attach } = this.options
    if (reconnects === undefined) return false
    if (reconnects.count(this.file) !== this.#counts.main) return true
    return attach !== undefined && reconnects.count(attach.file) !== this.#counts.attached
  }

  #attachmentUnchanged(): boolean {
    const attach = this.options.attach
    if (attach === undefined) return true
    if (this.#attached._tag === "Faulty") return false
    return fileIdentity(attach.path) === this.#attachedIdentity
  }

  #open(identity: string): Database.Database | Unreadable {
    const { reconnects, attach } = this.options
    const stale =
      this.#staleIndexAfterReconnect(this.file, this.path) ?? this.#staleIndexAfterReconnect(attach?.file, attach?.path)
    if (stale !== undefined) return stale
    const counts = {
      main: reconnects?.count(this.file) ?? -1,
      attached: attach === undefined ? -1 : (reconnects?.count(attach.file) ?? -1)
    }
    let db: Database.Database | undefined
    try {
      db = new Database(this.path, { readonly: true, fileMustExist: true })
      this.#setUp(db, "main")
      // Opening reads nothing: this makes a file that is not SQLite fail here rather than inside a request.
      db.prepare("SELECT count(*) FROM main.sqlite_schema").pluck().get()
    } catch (error) {
      db?.close()
      return unreadable(`cannot open the file: ${messageOf(error)}`)
    }
    this.#db = db
    this.#identity = identity
    this.#counts = counts
    this.#attached = attach === undefined ? { _tag: "Absent" } : this.#attach(db, attach)
    reconnects?.listen(this)
    if (attach !== undefined) reconnects?.listen(this.#attachmentListener)
    return db
  }

  /**
   * A file whose WAL index this process holds although the file no longer has it (its `-shm` deleted or replaced
   * under the process) is read blind: every connection of the process to it is closed (`Reconnects`), and none
   * opens until they all have, or the open would join the same stale index. Undefined when the file can be opened.
   */
  #staleIndexAfterReconnect(file: DbFile | undefined, path: string | undefined): Unreadable | undefined {
    if (file === undefined || path === undefined || !mapsStaleWalIndex(path)) return undefined
    this.options.reconnects?.reconnect(file)
    const deadline = performance.now() + (this.options.staleIndexWaitMs ?? 0)
    while (performance.now() < deadline) {
      Atomics.wait(PAUSE, 0, 0, 5)
      if (!mapsStaleWalIndex(path)) return undefined
    }
    return unreadable(`reconnecting: connections of the service to an old WAL index of the ${file} file are closing`)
  }

  #attach(db: Database.Database, attach: Attachment): AttachmentState {
    this.#attachedIdentity = fileIdentity(attach.path)
    if (this.#attachedIdentity === undefined) return { _tag: "Absent" }
    try {
      // A plain path: better-sqlite3 does not parse `file:` URIs; the attachment inherits the read-only flag.
      db.prepare("ATTACH DATABASE ? AS " + attach.schema).run(attach.path)
      this.#setUp(db, attach.schema)
      db.prepare(`SELECT count(*) FROM ${attach.schema}.sqlite_schema`).pluck().get()
      return { _tag: "Attached" }
    } catch (error) {
      return { _tag: "Faulty", reason: messageOf(error) }
    }
  }

  #setUp(db: Database.Database, schema: string): void {
    const { pragmas, allowMmap } = this.options
    const prefix = schema === "main" ? "" : `${schema}.`
    applyPragmas({ pragma: (source) => db.pragma(prefix + source) }, pragmas)
    if (allowMmap !== true) db.pragma(`${prefix}mmap_size = 0`)
    if (schema === "main") db.function(FOLD_CONTAINS_SQL_FUNCTION, { deterministic: true }, foldContains)
  }
}

/** Runs `read` on a connection of its own to `path`, closed after: every page is read from the file, none cached. */
export const readFresh = <A>(
  file: DbFile,
  path: string,
  options: ConnectionOptions,
  read: (db: Database.Database) => A
): A | Unreadable => {
  const connection = new DbConnection(file, path, options)
  try {
    const db = connection.get()
    if (isUnreadable(db)) return db
    try {
      return read(db)
    } catch (error) {
      return connection.fault(error) ?? unreadable(`${errorCode(error)}: ${messageOf(error)}`)
    }
  } finally {
    connection.close()
  }
}

export const isUnreadable = (value: unknown): value is Unreadable =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "Unreadable"
