import type Database from "better-sqlite3"
import { statSync } from "node:fs"
import type { DbTarget } from "../../../config/DbTargets.js"
import { type DbConnection, isUnreadable, type Unreadable } from "../db/DbConnection.js"
import type { DbConnections } from "../db/DbConnections.js"
import { isMigrated } from "../migration/MigrationState.js"
import type { Touched, TouchedRecord } from "../../../changes/Touched.js"

/** One file as the change detector last saw it (for `/health` and metrics). */
export interface FileWatchState {
  readonly present: boolean
  readonly readable: boolean
  /** `PRAGMA data_version` on the detector's own connection; null while unreadable. */
  readonly dataVersion: number | null
  readonly lastError: string | null
}

/** What `/health` tells of a file, read on the detector's connection (`max_date` only when it may have changed). */
export interface FileDetails {
  readonly migrated: boolean
  readonly journalMode: string | null
  readonly maxDate: string | null
}

/**
 * What one poll found: nothing, commits touching these dates (with their items and lines, when the file logs
 * them), or another file (every answer of it is stale).
 */
export type FileChange =
  | { readonly _tag: "None" }
  | { readonly _tag: "Dates"; readonly dates: ReadonlyArray<string>; readonly touched: Touched | undefined }
  | { readonly _tag: "File"; readonly reason: string }

interface ChangeRow {
  readonly production_date: string
  readonly seq: number
}

/**
 * More touched (date, item, line) keys than this in one poll (a bulk load) are not listed: every answer of their
 * dates is stale.
 */
const MAX_TOUCHED = 10_000

/** The open connection's statements; prepared again whenever the connection is (re)opened. */
interface Reader {
  readonly db: Database.Database
  changeLog: ReturnType<typeof changeLogOf>
  /** Found when the connection opened: every commit since has its items and lines logged (schema v14). */
  readonly scopeLog: ReturnType<typeof scopeLogOf>
  dataVersion: number
}

/** The file and change-log position the cached answers of this file were computed from. */
interface Seen {
  /** `dev:ino`: which file. */
  readonly identity: string
  /** `size:mtime` at the last good poll: a file back after a fault with another stamp may hold other data. */
  stamp: string
  seq: number
  /** The dimensions' versions at `seq` (`dimension_versions`), when the file has them. */
  dimensions: string | undefined
}

const NONE: FileChange = { _tag: "None" }

const hasTable = (db: Database.Database, name: string) =>
  db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined

/** The change-log reader of `db`, if the file has a change log (a migrated file). */
const changeLogOf = (db: Database.Database) =>
  !hasTable(db, "change_log")
    ? undefined
    : {
        since: db.prepare<[number], ChangeRow>("SELECT production_date, seq FROM change_log WHERE seq > ?"),
        maxSeq: db.prepare<[], number>("SELECT coalesce(max(seq), 0) FROM change_log").pluck()
      }

/** The reader of the items and lines the change log's commits touched, if the file logs them (schema v14). */
const scopeLogOf = (db: Database.Database) =>
  !hasTable(db, "change_scope") || !hasTable(db, "dimension_versions")
    ? undefined
    : {
        since: db.prepare<[number], TouchedRecord>(
          `SELECT production_date AS date, item_code, line_code FROM change_scope WHERE seq > ? LIMIT ${MAX_TOUCHED + 1}`
        ),
        dimensions: db
          .prepare<[], string>("SELECT group_concat(dimension || ':' || version, ' ') FROM dimension_versions")
          .pluck()
      }

/** Whether `db` holds a usable `production_records`; why not, in words, otherwise. */
const usable = (db: Database.Database): true | string => {
  if (db.pragma("page_count", { simple: true }) === 0) return "the file is empty"
  db.prepare("SELECT 1 FROM production_records LIMIT 0").all()
  return true
}

class Fault {
  constructor(
    readonly reason: string,
    readonly present = true
  ) {}
}

const faultOf = (u: Unreadable) => new Fault(u.reason, u.present)

/**
 * Watches one file on a connection of its own (`DbConnection`, like every connection of the service). `poll` is
 * cheap when nothing changed: a `stat` and `PRAGMA data_version`. Damage done in place (a truncation, bytes
 * written over the file) shows as another size or mtime of the main file: the file is then read on a fresh
 * connection, since the kept one trusts its page cache until a commit. Without a change log (an un-migrated file)
 * every commit is a whole-file change.
 */
export class FileWatch {
  readonly #connection: DbConnection
  #reader: Reader | undefined
  #seen: Seen | undefined
  #polled = false
  #state: FileWatchState = { present: false, readable: false, dataVersion: null, lastError: null }
  #details: { readonly key: string; readonly details: FileDetails } | undefined

  constructor(
    readonly target: DbTarget,
    readonly connections: DbConnections
  ) {
    this.#connection = connections.connect(target)
  }

  get file() {
    return this.target.file
  }

  get state(): FileWatchState {
    return this.#state
  }

  /** The change-log position the cached answers are known to be current with; null without a readable log. */
  get seq(): number | null {
    return this.#state.readable && this.#reader?.changeLog !== undefined ? (this.#seen?.seq ?? null) : null
  }

  /** `dev:ino` of the file watched, when readable. */
  get identity(): string | undefined {
    return this.#state.readable ? this.#seen?.identity : undefined
  }

  /** Looks at the file once: what changed since the last poll. A file that cannot be read changes nothing. */
  poll(): FileChange {
    try {
      return this.#step()
    } catch (error) {
      const fault = error instanceof Fault ? error : new Fault(error instanceof Error ? error.message : String(error))
      this.close()
      this.#state = { present: fault.present, readable: false, dataVersion: null, lastError: fault.reason }
      return NONE
    } finally {
      this.#polled = true
    }
  }

  /** `/health`'s view of the file, on the detector's connection; recomputed only after a change. */
  details(): FileDetails | undefined {
    const reader = this.#reader
    if (reader === undefined || !this.#state.readable) return undefined
    const key = `${this.#seen?.identity}:${this.#seen?.stamp}:${reader.dataVersion}`
    if (this.#details?.key !== key) {
      const row = reader.db.prepare("SELECT max(production_date) AS d FROM production_records").get() as {
        d: unknown
      }
      const details = {
        migrated: isMigrated(reader.db),
        journalMode: String(reader.db.pragma("journal_mode", { simple: true })),
        maxDate: typeof row.d === "string" ? row.d : null
      }
      this.#details = { key, details }
    }
    return this.#details.details
  }

  close(): void {
    this.#reader = undefined
    this.#details = undefined
    this.#connection.close()
  }

  #step(): FileChange {
    const stat = statSync(this.target.path, { throwIfNoEntry: false, bigint: true })
    if (stat === undefined) throw new Fault("the file is absent", false)
    const identity = `${stat.dev}:${stat.ino}`
    const stamp = `${stat.size}:${stat.mtimeNs}`
    const db = this.#connection.get()
    if (isUnreadable(db)) throw faultOf(db)
    const reopened = this.#reader?.db !== db
    // A connection just opened has nothing cached; a kept one is checked afresh when the main file was written.
    if (reopened || this.#seen?.stamp !== stamp) {
      const check = reopened ? usable(db) : this.connections.readFresh(this.target, usable)
      if (isUnreadable(check)) throw faultOf(check)
      if (check !== true) throw new Fault(check)
    }
    const change = reopened
      ? this.#reopen(db, this.#connection.identity ?? identity, stamp)
      : this.#changes(this.#reader!)
    this.#seen!.stamp = stamp
    this.#state = { present: true, readable: true, dataVersion: this.#reader!.dataVersion, lastError: null }
    return change
  }

  /**
   * A (re)opened file is a change unless it is the very file seen last, untouched: same inode (which a new file
   * may reuse after a delete), size, mtime and change-log position.
   */
  #reopen(db: Database.Database, identity: string, stamp: string): FileChange {
    const reader: Reader = {
      db,
      changeLog: changeLogOf(db),
      scopeLog: scopeLogOf(db),
      dataVersion: db.pragma("data_version", { simple: true }) as number
    }
    const [seq, dimensions] = db.transaction((): [number, string | undefined] => [
      reader.changeLog?.maxSeq.get() ?? 0,
      reader.scopeLog?.dimensions.get() ?? undefined
    ])()
    this.#reader = reader
    const seen = this.#seen
    this.#seen = { identity, stamp, seq, dimensions }
    if (seen === undefined) return this.#polled ? { _tag: "File", reason: "the file appeared" } : NONE
    if (seen.identity !== identity) return { _tag: "File", reason: "the file was replaced" }
    const same = seen.stamp === stamp && seen.seq === seq
    return same ? NONE : { _tag: "File", reason: "the file came back and may hold other data" }
  }

  /** The dates touched since the last poll, read from the change log when another connection committed. */
  #changes(reader: Reader): FileChange {
    const version = reader.db.pragma("data_version", { simple: true }) as number
    if (version === reader.dataVersion) return NONE
    reader.dataVersion = version
    const seen = this.#seen!
    const log = reader.changeLog
    if (log === undefined) {
      // Nothing says which dates changed. A migration may have added the log: read it from now on.
      reader.changeLog = changeLogOf(reader.db)
      seen.seq = reader.changeLog?.maxSeq.get() ?? 0
      return { _tag: "File", reason: "a commit to a file without a change log" }
    }
    // One read transaction: the dates and their scopes as of the same commit.
    const { rows, maxSeq, touched } = reader.db.transaction(() => ({
      rows: log.since.all(seen.seq),
      maxSeq: log.maxSeq.get() ?? 0,
      touched: this.#touched(reader, seen)
    }))()
    if (rows.length === 0 && maxSeq < seen.seq) {
      // The log went back: other contents were written over the file in place.
      seen.seq = maxSeq
      return { _tag: "File", reason: "the file was overwritten in place" }
    }
    for (const row of rows) seen.seq = Math.max(seen.seq, row.seq)
    return rows.length === 0 ? NONE : { _tag: "Dates", dates: rows.map((r) => r.production_date), touched }
  }

  /** The records touched after `seen.seq` and whether a dimension changed; undefined when unknown or too many. */
  #touched(reader: Reader, seen: Seen): Touched | undefined {
    const log = reader.scopeLog
    if (log === undefined) return undefined
    const records = log.since.all(seen.seq)
    const dimensions = log.dimensions.get() ?? undefined
    const changed = dimensions !== seen.dimensions
    seen.dimensions = dimensions
    return records.length > MAX_TOUCHED ? undefined : { records, dimensions: changed }
  }
}
