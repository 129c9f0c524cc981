/**
 * The SQLite side of the import: one file's `production_records`, read-only through the service's own connection
 * module, in keyset batches by `id` (the rowid: every file, migrated or not, seeks a batch without a sort), each
 * row sorted into copied or skipped as the SQLite service would serve it: the archive answers before the cutover,
 * the live file on or after it; a row on the wrong side, or whose date PostgreSQL cannot hold, is skipped.
 */
import type Database from "better-sqlite3"
import { Data, Effect } from "effect"
import type { DbFile } from "../../domain/DbFile.js"
import { DbConnection, isUnreadable } from "../sqlite/db/DbConnection.js"
import { DEFAULT_PRAGMAS } from "../sqlite/db/Pragmas.js"

export class PgImportFailed extends Data.TaggedError("PgImportFailed")<{ readonly message: string }> {}

/** id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity */
export type SourceRow = readonly [bigint, string, string, string, string, string, bigint, bigint]

export type SkipReason = "misfiled" | "invalid date"

export interface SkippedRow {
  readonly id: bigint
  readonly production_date: string
  readonly reason: SkipReason
}

export interface Batch {
  readonly rows: ReadonlyArray<SourceRow>
  readonly skipped: ReadonlyArray<SkippedRow>
  /** The last id read (copied or skipped): where the next batch starts. */
  readonly lastId: bigint
  /** Rows read (copied and skipped): 0 once the file is read. */
  readonly read: number
}

/** The position before every id: a rowid may be negative. */
export const BEFORE_FIRST_ID = -(2n ** 63n)

const COLUMNS = "id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity"

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A real calendar date in 'YYYY-MM-DD' (what a PostgreSQL `date` accepts and prints back the same). */
export const isIsoDate = (value: string): boolean => {
  const m = ISO_DATE.exec(value)
  if (m === null) return false
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCDate() === Number(m[3]) && Number(m[1]) > 0
}

/** Whether `file` serves a record dated `date`: the same string comparison the SQLite service routes by. */
export const servedBy = (file: DbFile, date: string, cutover: string): boolean =>
  file === "live" ? date >= cutover : date < cutover

export const classify = (file: DbFile, cutover: string, rows: ReadonlyArray<SourceRow>): Batch => {
  const kept: Array<SourceRow> = []
  const skipped: Array<SkippedRow> = []
  for (const row of rows) {
    const date = row[1]
    if (!isIsoDate(date)) skipped.push({ id: row[0], production_date: date, reason: "invalid date" })
    else if (!servedBy(file, date, cutover)) skipped.push({ id: row[0], production_date: date, reason: "misfiled" })
    else kept.push(row)
  }
  return { rows: kept, skipped, lastId: rows.at(-1)?.[0] ?? BEFORE_FIRST_ID, read: rows.length }
}

export interface ImportSource {
  readonly file: DbFile
  readonly path: string
  /** Rows with an id above `afterId` (for the progress bar's total). */
  readonly countAfter: (afterId: bigint) => Effect.Effect<number, PgImportFailed>
  /** The years of the rows this file serves, for the partitions to create first. */
  readonly years: Effect.Effect<ReadonlyArray<number>, PgImportFailed>
  /** Up to `size` rows after `afterId`, classified; an empty batch once the file is read. */
  readonly batchAfter: (afterId: bigint, size: number) => Effect.Effect<Batch, PgImportFailed>
}

/** `file` at `path`, read-only, closed with the scope. A path that is not a readable SQLite file fails here. */
export const openImportSource = (file: DbFile, path: string, cutover: string) =>
  Effect.gen(function* () {
    const connection = yield* Effect.acquireRelease(
      Effect.sync(() => new DbConnection(file, path, { pragmas: DEFAULT_PRAGMAS })),
      (c) => Effect.sync(() => c.close())
    )
    const read = <A>(what: string, f: (db: Database.Database) => A) =>
      Effect.try({
        try: () => {
          const db = connection.get()
          if (isUnreadable(db)) throw new Error(db.reason)
          return f(db)
        },
        catch: (error) =>
          new PgImportFailed({
            message: `${file} file ${path}: ${what}: ${error instanceof Error ? error.message : String(error)}`
          })
      })
    yield* read("reading production_records", (db) => db.prepare(`SELECT ${COLUMNS} FROM production_records LIMIT 0`))
    const source: ImportSource = {
      file,
      path,
      countAfter: (afterId) =>
        read("counting", (db) =>
          Number(db.prepare("SELECT count(*) FROM production_records WHERE id > ?").pluck().get(afterId))
        ),
      years: read("listing years", (db) =>
        (
          db
            .prepare(
              `SELECT DISTINCT substr(production_date, 1, 4) FROM production_records
               WHERE production_date ${file === "live" ? ">=" : "<"} ?`
            )
            .pluck()
            .all(cutover) as Array<string>
        )
          .filter((y) => /^\d{4}$/.test(y))
          .map(Number)
      ),
      batchAfter: (afterId, size) =>
        read("reading a batch", (db) =>
          db
            .prepare(`SELECT ${COLUMNS} FROM production_records WHERE id > ? ORDER BY id LIMIT ?`)
            .raw(true)
            .safeIntegers(true)
            .all(afterId, size)
            .map((r) => normalized(r as Array<unknown>))
        ).pipe(Effect.map((rows) => classify(file, cutover, rows)))
    }
    return source
  })

/** SQLite's dynamic types as the import copies them: integers exact (bigint), text as text. */
const normalized = (r: ReadonlyArray<unknown>): SourceRow => [
  BigInt(r[0] as bigint),
  String(r[1]),
  String(r[2]),
  String(r[3]),
  String(r[4]),
  String(r[5]),
  BigInt(r[6] as bigint),
  BigInt(r[7] as bigint)
]
