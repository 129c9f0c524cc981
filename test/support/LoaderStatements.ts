/**
 * What an outside loader may send, as plain SQL with its parameters: every way of writing `production_records`
 * that SQLite offers a loader, hidden deletes included (`INSERT OR REPLACE`, `REPLACE INTO`, `UPDATE OR REPLACE`).
 * A statement picks existing records itself (by position in id order, in a subquery), so it needs no knowledge of
 * the file's state: the same batches run through better-sqlite3 here and through Python's sqlite3 in a process of
 * its own (test/support/run_statements.py).
 */
import Database from "better-sqlite3"
import * as fc from "effect/FastCheck"
import { RECORD_COLUMNS } from "../../src/domain/ProductionRecord.js"
import { type RecordInput, type RecordShape, recordArbitrary } from "./fixtures.js"

export interface LoaderStatement {
  readonly sql: string
  readonly params: ReadonlyArray<string | number>
}

/** One transaction of a loader, committed or rolled back. */
export interface LoaderBatch {
  readonly statements: ReadonlyArray<LoaderStatement>
  readonly rollback: boolean
}

const DATA_COLUMNS = RECORD_COLUMNS.filter((c) => c !== "id")
const dataValues = (r: RecordInput) => DATA_COLUMNS.map((c) => r[c])
const INSERT_COLUMNS = `production_records (id, ${DATA_COLUMNS.join(", ")}) VALUES`
const PLACEHOLDERS = DATA_COLUMNS.map(() => "?").join(", ")

/** The id of the record at position `?` in id order; NULL past the last one (an insert then takes a new id). */
const PICK = "(SELECT id FROM production_records ORDER BY id LIMIT 1 OFFSET ?)"

interface Id {
  readonly sql: string
  readonly params: ReadonlyArray<number>
}

/** An id for a record: mostly an existing one (`records` is about how many the file holds), else new or none. */
const idArbitrary = (records: number): fc.Arbitrary<Id> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.nat(records).map((n) => ({ sql: PICK, params: [n] })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 * records }).map((n) => ({ sql: "?", params: [n] })) },
    { weight: 1, arbitrary: fc.constant({ sql: "NULL", params: [] }) }
  )

/** An id an update moves a record to: an existing one (fallback: any) — never NULL, which SQLite rejects. */
const targetArbitrary = (records: number): fc.Arbitrary<Id> =>
  fc
    .tuple(fc.nat(records), fc.integer({ min: 1, max: 2 * records }))
    .map(([n, fallback]) => ({ sql: `coalesce(${PICK}, ?)`, params: [n, fallback] }))

const insert = (verb: string, id: Id, r: RecordInput, tail = ""): LoaderStatement => ({
  sql: `${verb} ${INSERT_COLUMNS} (${id.sql}, ${PLACEHOLDERS})${tail}`,
  params: [...id.params, ...dataValues(r)]
})

const UPSERT_ACTIONS = [
  `DO UPDATE SET ${DATA_COLUMNS.map((c) => `${c} = excluded.${c}`).join(", ")}`,
  "DO UPDATE SET good_quantity = good_quantity + excluded.good_quantity",
  "DO UPDATE SET production_date = excluded.production_date, item_name = excluded.item_name",
  "DO NOTHING"
]

/** One column (or an item's code and name together) set to a value of the shape. */
const assignmentArbitrary = (shape: RecordShape) =>
  fc.tuple(fc.nat(4), recordArbitrary(shape)).map(([k, r]): LoaderStatement => {
    switch (k) {
      case 0:
        return { sql: "production_date = ?", params: [r.production_date] }
      case 1:
        return { sql: "item_code = ?, item_name = ?", params: [r.item_code, r.item_name] }
      case 2:
        return { sql: "line_code = ?", params: [r.line_code] }
      case 3:
        return { sql: "good_quantity = ?", params: [r.good_quantity] }
      default:
        return { sql: "defect_quantity = ?", params: [r.defect_quantity] }
    }
  })

/** A statement of a loader over a file of about `records` records of `shape`. */
export const loaderStatementArbitrary = (shape: RecordShape, records: number): fc.Arbitrary<LoaderStatement> => {
  const id = idArbitrary(records)
  const record = recordArbitrary(shape)
  const pick = fc.nat(records)
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.constantFrom("INSERT OR REPLACE INTO", "REPLACE INTO"), id, record)
        .map(([verb, i, r]) => insert(verb, i, r))
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom("INSERT INTO", "INSERT OR IGNORE INTO"), id, record)
        .map(([v, i, r]) => insert(v, i, r))
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(id, record, fc.constantFrom(...UPSERT_ACTIONS))
        .map(([i, r, action]) => insert("INSERT INTO", i, r, ` ON CONFLICT (id) ${action}`))
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom("UPDATE", "UPDATE OR REPLACE"), assignmentArbitrary(shape), pick)
        .map(([verb, set, n]) => ({
          sql: `${verb} production_records SET ${set.sql} WHERE id = ${PICK}`,
          params: [...set.params, n]
        }))
    },
    {
      // A record moved onto another's id: plain UPDATE fails, OR IGNORE skips it, OR REPLACE deletes the other.
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom("UPDATE", "UPDATE OR IGNORE", "UPDATE OR REPLACE"),
          fc.constantFrom("id", "rowid"),
          targetArbitrary(records),
          pick
        )
        .map(([verb, column, target, n]) => ({
          sql: `${verb} production_records SET ${column} = ${target.sql} WHERE id = ${PICK}`,
          params: [...target.params, n]
        }))
    },
    {
      // A run of ids shifted: each record replaces the next, which SQLite then moves again (row by row).
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(-2, -1, 1, 2), pick, fc.integer({ min: 1, max: 5 })).map(([by, n, span]) => ({
        sql: `UPDATE OR REPLACE production_records SET id = id + ? WHERE id >= ${PICK} AND id < ${PICK} + ?`,
        params: [by, n, n, span]
      }))
    },
    {
      // A day reloaded by id (as an ETL re-run would), its quantities or its date corrected.
      weight: 1,
      arbitrary: fc.tuple(fc.boolean(), record, pick).map(([moveDay, r, n]) => ({
        sql: `REPLACE INTO production_records (id, ${DATA_COLUMNS.join(", ")})
  SELECT id, ${moveDay ? "?" : "production_date"}, item_code, item_name, lot_number, line_code, good_quantity + ?, defect_quantity
  FROM production_records WHERE production_date = (SELECT production_date FROM production_records WHERE id = ${PICK})`,
        params: [...(moveDay ? [r.production_date] : []), r.good_quantity, n]
      }))
    },
    {
      weight: 2,
      arbitrary: pick.map((n) => ({ sql: `DELETE FROM production_records WHERE id = ${PICK}`, params: [n] }))
    }
  )
}

/** `INSERT OR REPLACE` / `REPLACE INTO` of one of the first `records` records (by id order) with new values. */
export const replaceExistingArbitrary = (shape: RecordShape, records: number): fc.Arbitrary<LoaderStatement> =>
  fc
    .tuple(fc.constantFrom("INSERT OR REPLACE INTO", "REPLACE INTO"), fc.nat(records - 1), recordArbitrary(shape))
    .map(([verb, n, r]) => insert(verb, { sql: PICK, params: [n] }, r))

/** Transactions of 1-6 `statement`s, one in five rolled back. */
export const loaderBatchesArbitrary = (
  statement: fc.Arbitrary<LoaderStatement>,
  count: { readonly minLength?: number; readonly maxLength?: number } = { maxLength: 8 }
): fc.Arbitrary<ReadonlyArray<LoaderBatch>> =>
  fc.array(
    fc.record({
      statements: fc.array(statement, { minLength: 1, maxLength: 6 }),
      rollback: fc.nat(4).map((n) => n === 0)
    }),
    { minLength: 1, ...count }
  )

/** What a statement answered its writer: the rows it changed and the last insert rowid, or a constraint failure. */
export type LoaderOutcome =
  { readonly changes: number; readonly lastInsertRowid: number } | { readonly constraint: string }

/**
 * Runs one statement as a loader that logs a constraint failure and goes on would: the failed statement changes
 * nothing (SQLite undoes it, its triggers' work included), the transaction stays open.
 */
export const runLoaderStatement = (db: Database.Database, s: LoaderStatement): LoaderOutcome => {
  try {
    const { changes, lastInsertRowid } = db.prepare(s.sql).run(...s.params)
    return { changes, lastInsertRowid: Number(lastInsertRowid) }
  } catch (e) {
    if (e instanceof Database.SqliteError && e.code.startsWith("SQLITE_CONSTRAINT")) return { constraint: e.code }
    throw e
  }
}

/** Runs `batches` on each of `dbs` in step (one transaction per batch), calling `each` around each statement. */
export const runLoaderBatches = (
  dbs: ReadonlyArray<Database.Database>,
  batches: ReadonlyArray<LoaderBatch>,
  each: (statement: LoaderStatement, run: () => ReadonlyArray<LoaderOutcome>) => void = (_, run) => void run()
): void => {
  for (const batch of batches) {
    for (const db of dbs) db.exec("BEGIN")
    for (const s of batch.statements) each(s, () => dbs.map((db) => runLoaderStatement(db, s)))
    for (const db of dbs) db.exec(batch.rollback ? "ROLLBACK" : "COMMIT")
  }
}
