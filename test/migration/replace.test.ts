import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import * as fc from "effect/FastCheck"
import * as fs from "node:fs"
import * as path from "node:path"
import { isDeepStrictEqual } from "node:util"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { REPLACED_TABLE } from "../../src/backends/sqlite/migration/ReplacedRecords.js"
import {
  type LoaderBatch,
  loaderBatchesArbitrary,
  loaderStatementArbitrary,
  runLoaderBatches,
  runLoaderStatement
} from "../support/LoaderStatements.js"
import { runLoaderInPython } from "../support/Python.js"
import {
  type RecordInput,
  type RecordShape,
  type StoredRecord,
  actualDerived,
  createRecordsFile,
  expectedDerived,
  makeTempDir,
  randomRecords,
  readRecords,
  removeTempDir,
  seededRng,
  silently,
  withDb
} from "../support/fixtures.js"

const migrate = (file: string, upTo?: number) =>
  silently(
    migrateFile(
      { file: "live", path: file, explicit: true },
      upTo === undefined ? { dryRun: false } : { dryRun: false, upTo }
    )
  )

const expectExact = (db: Database.Database) => expect(actualDerived(db)).toEqual(expectedDerived(db))
const isExact = (db: Database.Database) => isDeepStrictEqual(actualDerived(db), expectedDerived(db))

const stashedRows = (db: Database.Database) =>
  (db.prepare(`SELECT count(*) AS n FROM ${REPLACED_TABLE}`).get() as { n: number }).n

/**
 * The same records in three files: not migrated (`plain`: what a statement does to the records, and answers its
 * writer, without any trigger), at v11 (before this step) and at the latest version.
 */
const sameRecords = async (dir: string, records: ReadonlyArray<RecordInput>) => {
  const files = {
    plain: path.join(dir, "plain.db"),
    v11: path.join(dir, "v11.db"),
    latest: path.join(dir, "latest.db")
  }
  for (const file of Object.values(files)) createRecordsFile(file, records)
  await Effect.runPromise(migrate(files.v11, 11))
  await Effect.runPromise(migrate(files.latest))
  return files
}

/**
 * Drops and recreates the record triggers of v4-v9, so that they fire before v12's (SQLite fires the most recently
 * created first): a later step that replaces them must not break what v12 does.
 */
const recreateRecordTriggers = (db: Database.Database) =>
  db.transaction(() => {
    const triggers = db
      .prepare(
        `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'production_records' AND name NOT LIKE '${REPLACED_TABLE}%'`
      )
      .all() as Array<{ name: string; sql: string }>
    for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`)
    for (const t of triggers) db.exec(t.sql)
  })()

// ---- the change log: every date whose records a statement changed is touched ----

const byId = (db: Database.Database) => new Map(readRecords(db).map((r) => [r.id, JSON.stringify(r)]))

/** The dates of the records that differ between two states (added, removed or changed, by id). */
const changedDates = (before: Map<number, string>, after: Map<number, string>): ReadonlyArray<string> => {
  const dates = new Set<string>()
  const dateOf = (json: string) => (JSON.parse(json) as StoredRecord).production_date
  for (const [id, rec] of before) if (after.get(id) !== rec) dates.add(dateOf(rec))
  for (const [id, rec] of after) if (before.get(id) !== rec) dates.add(dateOf(rec))
  return [...dates]
}

const maxSeq = (db: Database.Database) =>
  (db.prepare(`SELECT coalesce(max(seq), 0) AS s FROM change_log`).get() as { s: number }).s

const touchedSince = (db: Database.Database, seq: number) =>
  db.prepare(`SELECT production_date FROM change_log WHERE seq > ?`).pluck().all(seq) as Array<string>

const FILES: ReadonlyArray<{
  readonly name: string
  readonly shape: RecordShape
  readonly initial: number
  readonly reorder: boolean
}> = [
  { name: "live-like", shape: { from: "2026-01-01", to: "2026-03-31" }, initial: 300, reorder: false },
  {
    name: "archive-like",
    shape: { from: "2024-06-01", to: "2025-12-31", items: 8, lines: 5 },
    initial: 500,
    reorder: false
  },
  {
    name: "live-like, record triggers recreated after v12's",
    shape: { from: "2026-01-01", to: "2026-03-31" },
    initial: 300,
    reorder: true
  }
]

describe.each(FILES)("hidden deletes on a $name file", ({ shape, initial, reorder }) => {
  let dir = ""
  let files = { plain: "", v11: "", latest: "" }
  let run = 0

  beforeAll(async () => {
    dir = makeTempDir()
    files = await sameRecords(dir, randomRecords(seededRng(initial), initial, shape))
    if (reorder) withDb(files.latest, recreateRecordTriggers)
  })
  afterAll(() => removeTempDir(dir))

  const open = (template: string, recursive: boolean) => {
    const file = path.join(dir, `run-${run++}.db`)
    fs.copyFileSync(template, file)
    const db = new Database(file, { fileMustExist: true })
    db.pragma(`recursive_triggers = ${recursive ? "ON" : "OFF"}`)
    return db
  }

  it.prop(
    "any loader statements, recursive_triggers off or on: derived tables exact, changed dates in the change log",
    { batches: loaderBatchesArbitrary(loaderStatementArbitrary(shape, initial)), recursive: fc.boolean() },
    ({ batches, recursive }) => {
      const loader = open(files.latest, recursive)
      const plain = open(files.plain, recursive)
      try {
        runLoaderBatches([loader, plain], batches, (_, run) => {
          const before = byId(loader)
          const seq = maxSeq(loader)
          const [outcome, withoutTriggers] = run()
          // The triggers change nothing a writer sees: the same changes, rowid and constraint failures.
          expect(outcome).toEqual(withoutTriggers)
          const touched = touchedSince(loader, seq)
          expect(changedDates(before, byId(loader)).filter((d) => !touched.includes(d))).toEqual([])
        })
        expect(readRecords(loader)).toEqual(readRecords(plain))
        expectExact(loader)
        // A copy no statement replaced (OR IGNORE, an upsert's update) waits for the next insert to drop it.
        expect(stashedRows(loader)).toBeLessThanOrEqual(1)
      } finally {
        loader.close()
        plain.close()
      }
    },
    { fastCheck: { numRuns: 40 }, timeout: 180_000 }
  )
})

describe("a loader's view of v12", () => {
  let dir = ""
  let files = { plain: "", v11: "", latest: "" }

  beforeAll(async () => {
    dir = makeTempDir()
    files = await sameRecords(dir, randomRecords(seededRng(3), 300, { from: "2026-01-01", to: "2026-03-31" }))
  })
  afterAll(() => removeTempDir(dir))

  const outcomes = (file: string, statements: ReadonlyArray<string>) =>
    withDb(file, (db) => statements.map((sql) => runLoaderStatement(db, { sql, params: [] })))

  it("statements answer the writer as before; a copy no statement replaced is never applied later", () => {
    const values = `'2026-02-01', 'ITM-001', 'Widget 1', 'LOT', 'L01', 5, 1`
    const statements = [
      `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) VALUES (${values})`,
      `INSERT OR REPLACE INTO production_records VALUES (7, ${values})`,
      `REPLACE INTO production_records VALUES (8, ${values}), (9000, ${values})`,
      `INSERT INTO production_records VALUES (9, ${values})`,
      `UPDATE production_records SET id = 12 WHERE id = 13`,
      `UPDATE OR REPLACE production_records SET id = 12 WHERE id = 13`,
      // Copies left behind by an ignored insert and by an upsert; the row then moves away, and the next automatic
      // id is the one it left.
      `INSERT OR IGNORE INTO production_records VALUES (9000, ${values})`,
      `INSERT INTO production_records VALUES (9000, ${values}) ON CONFLICT (id) DO UPDATE SET good_quantity = 1`,
      `DELETE FROM production_records WHERE id = 14`,
      `UPDATE production_records SET id = 14 WHERE id = 9000`,
      `INSERT INTO production_records VALUES (8999, ${values})`,
      `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) VALUES (${values})`
    ]
    const before = outcomes(files.plain, statements)
    expect(outcomes(files.latest, statements)).toEqual(before)
    outcomes(files.v11, statements)
    expect(before[2]).toEqual({ changes: 2, lastInsertRowid: 9000 })
    expect(before[3]).toEqual({ constraint: "SQLITE_CONSTRAINT_PRIMARYKEY" })
    expect(before.at(-1)).toEqual({ changes: 1, lastInsertRowid: 9000 })
    expect(withDb(files.latest, readRecords)).toEqual(withDb(files.plain, readRecords))
    withDb(files.latest, expectExact)
    // Without v12, the replaced rows stay counted.
    expect(withDb(files.v11, isExact)).toBe(false)
  })
})

describe("an outside loader in Python (its own sqlite3 and SQLite, in its own process)", () => {
  const shape = { from: "2026-01-01", to: "2026-03-31" }
  const batches: ReadonlyArray<LoaderBatch> = fc.sample(
    loaderBatchesArbitrary(loaderStatementArbitrary(shape, 300), { maxLength: 40 }),
    {
      seed: 14,
      numRuns: 1
    }
  )[0]!
  let dir = ""
  let files = { plain: "", v11: "", latest: "" }

  beforeAll(async () => {
    dir = makeTempDir()
    files = await sameRecords(dir, randomRecords(seededRng(7), 300, shape))
  })
  afterAll(() => removeTempDir(dir))

  const copyOf = (template: string, name: string) => {
    const file = path.join(dir, name)
    fs.copyFileSync(template, file)
    return file
  }

  it.effect("recursive_triggers off (the default) or on: the derived tables stay exact; at v11 they went wrong", () =>
    Effect.gen(function* () {
      const off = copyOf(files.latest, "off.db")
      const on = copyOf(files.latest, "on.db")
      const plain = yield* runLoaderInPython(files.plain, batches)
      expect(yield* runLoaderInPython(off, batches)).toEqual(plain)
      expect(yield* runLoaderInPython(on, batches, { recursiveTriggers: true })).toEqual(plain)
      yield* runLoaderInPython(files.v11, batches)

      expect(plain.ran + plain.failed).toBe(batches.reduce((n, b) => n + b.statements.length, 0))
      // Some statements broke a constraint (a plain INSERT or UPDATE onto an existing id): undone alone.
      expect(plain.failed).toBeGreaterThan(0)
      for (const file of [off, on]) {
        expect(withDb(file, readRecords)).toEqual(withDb(files.plain, readRecords))
        withDb(file, expectExact)
      }
      expect(withDb(files.v11, isExact)).toBe(false)
    })
  )
})
