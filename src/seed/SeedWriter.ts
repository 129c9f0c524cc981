import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { PRODUCTION_RECORDS_DDL } from "../backends/sqlite/db/BaseSchema.js"

/**
 * Bulk-loads one SQLite file fast: multi-row prepared inserts in large transactions with the journal and syncs
 * off, into a temporary file that replaces the target only when complete (`install`). The finished file is a plain,
 * un-migrated file in the default rollback-journal mode holding only `production_records` (no index, no
 * trigger, no statistics), as a plant's files are before migration. Ids ascend in insertion order.
 */
export interface SeedFileWriter {
  readonly path: string
  /** Rows added so far. */
  readonly rows: () => number
  readonly add: (
    date: string,
    itemCode: string,
    itemName: string,
    lotNumber: string,
    lineCode: string,
    goodQuantity: number,
    defectQuantity: number
  ) => void
  /** Commits, switches to journal_mode=DELETE and closes the temporary file; returns its size in bytes. */
  readonly finish: () => number
  /** Moves the finished file into place, replacing the target and removing the target's stale companions. */
  readonly install: () => void
  /** Closes and deletes the temporary file (the target is left as it was). */
  readonly abort: () => void
}

/** Rows per INSERT statement (7 parameters each) and per transaction. */
const ROWS_PER_STATEMENT = 100
const ROWS_PER_TRANSACTION = 50_000
const COLUMNS = 7

const insertSql = (rows: number): string =>
  "INSERT INTO production_records " +
  "(production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) VALUES " +
  Array.from({ length: rows }, () => "(?,?,?,?,?,?,?)").join(",")

/** SQLite's companion files of a database: a stale one next to a new file could be replayed into it. */
const companions = (file: string): ReadonlyArray<string> => [`${file}-journal`, `${file}-wal`, `${file}-shm`]

const removeIfPresent = (file: string): void => fs.rmSync(file, { force: true })

export const openSeedFile = (target: string): SeedFileWriter => {
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true })
  const temp = `${target}.seeding-${process.pid}`
  for (const f of [temp, ...companions(temp)]) removeIfPresent(f)

  const db = new Database(temp)
  db.pragma("journal_mode = OFF")
  db.pragma("synchronous = OFF")
  db.pragma("locking_mode = EXCLUSIVE")
  db.pragma("cache_size = -65536")
  db.exec(PRODUCTION_RECORDS_DDL)
  const many = db.prepare(insertSql(ROWS_PER_STATEMENT))
  const one = db.prepare(insertSql(1))
  const buffer: Array<string | number> = new Array(ROWS_PER_STATEMENT * COLUMNS)
  let pos = 0
  let rows = 0
  let sinceCommit = 0
  db.exec("BEGIN")

  const add: SeedFileWriter["add"] = (date, itemCode, itemName, lotNumber, lineCode, good, defect) => {
    buffer[pos] = date
    buffer[pos + 1] = itemCode
    buffer[pos + 2] = itemName
    buffer[pos + 3] = lotNumber
    buffer[pos + 4] = lineCode
    buffer[pos + 5] = good
    buffer[pos + 6] = defect
    pos += COLUMNS
    rows++
    if (pos === buffer.length) {
      many.run(buffer)
      pos = 0
      sinceCommit += ROWS_PER_STATEMENT
      if (sinceCommit >= ROWS_PER_TRANSACTION) {
        db.exec("COMMIT")
        db.exec("BEGIN")
        sinceCommit = 0
      }
    }
  }

  const finish = (): number => {
    for (let p = 0; p < pos; p += COLUMNS) one.run(buffer.slice(p, p + COLUMNS))
    pos = 0
    db.exec("COMMIT")
    db.pragma("locking_mode = NORMAL")
    db.pragma("journal_mode = DELETE")
    db.close()
    for (const f of companions(temp)) removeIfPresent(f)
    return fs.statSync(temp).size
  }

  const install = (): void => {
    for (const f of companions(target)) removeIfPresent(f)
    fs.renameSync(temp, target)
  }

  const abort = (): void => {
    if (db.open) db.close()
    for (const f of [temp, ...companions(temp)]) removeIfPresent(f)
  }

  return { path: target, rows: () => rows, add, finish, install, abort }
}
