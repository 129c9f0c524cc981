import Database from "better-sqlite3"
import { Data, Effect } from "effect"
import * as fs from "node:fs"
import type { DbFile } from "../domain/DbFile.js"

/** One file as the change detector last saw it (for `/health` and metrics). */
export interface FileWatchState {
  readonly present: boolean
  readonly readable: boolean
  /** `PRAGMA data_version` on the detector's own connection; null while unreadable. */
  readonly dataVersion: number | null
  readonly lastError: string | null
}

/** What one poll found: nothing, commits touching these dates, or another file (every answer of it is stale). */
export type FileChange =
  | { readonly _tag: "None" }
  | { readonly _tag: "Dates"; readonly dates: ReadonlyArray<string> }
  | { readonly _tag: "File"; readonly reason: string }

/** The file cannot be read right now: a fault, not a change. */
class FileFault extends Data.TaggedError("FileFault")<{ readonly present: boolean; readonly reason: string }> {}

interface ChangeRow {
  readonly production_date: string
  readonly seq: number
}

interface Connection {
  readonly db: Database.Database
  readonly identity: string
  changeLog: ReturnType<typeof changeLogOf>
  dataVersion: number
}

/** The file and change-log position the cached answers of this file were computed from. */
interface Seen {
  /** `dev:ino`: which file. */
  readonly identity: string
  /** `size:mtime` at the last good poll: a file back after a fault with another stamp may hold other data. */
  stamp: string
  seq: number
}

const NONE: FileChange = { _tag: "None" }
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1")

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

const fault = (reason: string, present = true) => new FileFault({ present, reason })

/** Reads the header: a truncated or overwritten file is caught here, before SQLite caches or maps anything. */
const checkHeader = (path: string): void => {
  const header = Buffer.alloc(SQLITE_MAGIC.length)
  const fd = fs.openSync(path, "r")
  try {
    const n = fs.readSync(fd, header, 0, header.length, 0)
    if (n < header.length || !header.equals(SQLITE_MAGIC)) throw fault("not an SQLite database")
  } finally {
    fs.closeSync(fd)
  }
}

const CHANGE_LOG_SQL = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'change_log'"

/** The change-log reader of `db`, if the file has a change log (a migrated file). */
const changeLogOf = (db: Database.Database) =>
  db.prepare(CHANGE_LOG_SQL).get() === undefined
    ? undefined
    : {
        since: db.prepare<[number], ChangeRow>("SELECT production_date, seq FROM change_log WHERE seq > ?"),
        maxSeq: db.prepare<[], number>("SELECT coalesce(max(seq), 0) FROM change_log").pluck()
      }

const openConnection = (path: string, identity: string): Connection => {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    // A file truncated in place while memory-mapped would kill the process (SIGBUS) on the next read.
    db.pragma("mmap_size = 0")
    db.prepare("SELECT 1 FROM production_records LIMIT 0").all()
    const dataVersion = db.pragma("data_version", { simple: true }) as number
    return { db, identity, changeLog: changeLogOf(db), dataVersion }
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Watches one file on a read-only connection of its own. `poll` is cheap when nothing changed: a `stat`, a 16-byte
 * header read and `PRAGMA data_version`. Without a change log (an un-migrated file) every commit is a whole-file
 * change.
 */
export class FileWatch {
  #conn: Connection | undefined
  #seen: Seen | undefined
  #polled = false
  #state: FileWatchState = { present: false, readable: false, dataVersion: null, lastError: null }

  constructor(
    readonly file: DbFile,
    readonly path: string
  ) {}

  get state(): FileWatchState {
    return this.#state
  }

  readonly poll: Effect.Effect<FileChange> = Effect.suspend(() =>
    Effect.try({ try: () => this.#step(), catch: (e) => (e instanceof FileFault ? e : fault(messageOf(e))) })
  ).pipe(
    Effect.catchTag("FileFault", (e) =>
      Effect.sync(() => {
        this.close()
        this.#state = { present: e.present, readable: false, dataVersion: null, lastError: e.reason }
        return NONE
      })
    ),
    Effect.ensuring(Effect.sync(() => (this.#polled = true)))
  )

  close(): void {
    const conn = this.#conn
    this.#conn = undefined
    try {
      conn?.db.close()
    } catch {
      // a connection to a broken file is dropped all the same
    }
  }

  #step(): FileChange {
    const stat = fs.statSync(this.path, { throwIfNoEntry: false, bigint: true })
    if (stat === undefined) throw fault("the file is absent", false)
    const identity = `${stat.dev}:${stat.ino}`
    const stamp = `${stat.size}:${stat.mtimeNs}`
    if (this.#conn !== undefined && this.#conn.identity !== identity) this.close()
    checkHeader(this.path)
    const conn = this.#conn
    const change = conn === undefined ? this.#reopen(identity, stamp) : this.#changes(conn)
    this.#seen!.stamp = stamp
    this.#state = { present: true, readable: true, dataVersion: this.#conn?.dataVersion ?? null, lastError: null }
    return change
  }

  /**
   * A (re)opened file is a change unless it is the very file seen last, untouched: same inode (which a new file
   * may reuse after a delete), size, mtime and change-log position.
   */
  #reopen(identity: string, stamp: string): FileChange {
    const conn = openConnection(this.path, identity)
    const seq = conn.changeLog?.maxSeq.get() ?? 0
    this.#conn = conn
    const seen = this.#seen
    this.#seen = { identity, stamp, seq }
    if (seen === undefined) return this.#polled ? { _tag: "File", reason: "the file appeared" } : NONE
    if (seen.identity !== identity) return { _tag: "File", reason: "the file was replaced" }
    const same = seen.stamp === stamp && seen.seq === seq
    return same ? NONE : { _tag: "File", reason: "the file came back and may hold other data" }
  }

  /** The dates touched since the last poll, read from the change log when another connection committed. */
  #changes(conn: Connection): FileChange {
    const version = conn.db.pragma("data_version", { simple: true }) as number
    if (version === conn.dataVersion) return NONE
    conn.dataVersion = version
    const seen = this.#seen!
    const log = conn.changeLog
    if (log === undefined) {
      // Nothing says which dates changed. A migration may have added the log: read it from now on.
      conn.changeLog = changeLogOf(conn.db)
      seen.seq = conn.changeLog?.maxSeq.get() ?? 0
      return { _tag: "File", reason: "a commit to a file without a change log" }
    }
    const rows = log.since.all(seen.seq)
    const maxSeq = log.maxSeq.get() ?? 0
    if (rows.length === 0 && maxSeq < seen.seq) {
      // The log went back: other contents were written over the file in place.
      seen.seq = maxSeq
      return { _tag: "File", reason: "the file was overwritten in place" }
    }
    for (const row of rows) seen.seq = Math.max(seen.seq, row.seq)
    return rows.length === 0 ? NONE : { _tag: "Dates", dates: rows.map((r) => r.production_date) }
  }
}
