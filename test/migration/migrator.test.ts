import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { DbTarget } from "../../src/config/DbTargets.js"
import { MIGRATION_STEPS, QUERY_INDEXES, SEED_INDEXES } from "../../src/backends/sqlite/migration/MigrationSteps.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { lotProbeSql } from "../../src/backends/sqlite/engine/optimized/RecordsSql.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import {
  actualDerived,
  applyStepsUpTo,
  captureConsole,
  createRecordsFile,
  expectedDerived,
  insertRecords,
  randomRecords,
  readRecords,
  seededRng,
  sha256File,
  stepsAfter,
  tempDir,
  withDb
} from "../support/fixtures.js"

const target = (file: string, explicit = true): DbTarget => ({ file: "live", path: file, explicit })
const migrate = (file: string, explicit = true) =>
  captureConsole(migrateFile(target(file, explicit), { dryRun: false }))

const indexNames = [...SEED_INDEXES, ...QUERY_INDEXES].map((s) => /INDEX IF NOT EXISTS (\w+)/.exec(s)![1]!)
const shape = { from: "2025-11-01", to: "2026-02-28" }

/** Everything a run could change besides the records: the versions applied and every schema object. */
const schemaState = (file: string) =>
  withDb(file, (db) => ({
    migrations: db.prepare(`SELECT * FROM schema_migrations ORDER BY version`).all(),
    schema: db.prepare(`SELECT type, name, sql FROM sqlite_schema ORDER BY type, name`).all()
  }))

describe("migrateFile", () => {
  it.scoped("brings a fresh file (table, no rows) to the latest version, with every derived object", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      createRecordsFile(file, [])
      const [report, lines] = yield* migrate(file)

      expect(report).toMatchObject({ status: "migrated", integrity: "ok" })
      expect(report.applied).toEqual(MIGRATION_STEPS.map((s) => s.name))
      expect(lines).toContain(`live: ${file}: ${MIGRATION_STEPS.length} step(s) to apply`)
      withDb(file, (db) => {
        expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
        const versions = db.prepare(`SELECT version FROM schema_migrations ORDER BY version`).pluck().all()
        expect(versions).toEqual(MIGRATION_STEPS.map((s) => s.version))
        const indexes = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index'`).pluck().all()
        expect(indexes).toEqual(expect.arrayContaining(indexNames))
        expect(indexNames).toEqual(
          expect.arrayContaining(["idx_production_date_item", "idx_lot_number", "idx_agg_covering"])
        )
        const triggers = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger'`).pluck().all()
        expect(triggers).toEqual(expect.arrayContaining(["track_changes_update", "maintain_rollups_delete"]))
        const derived = actualDerived(db)
        expect(derived).toEqual(expectedDerived(db))
        expect(Object.values(derived.rollups).flat()).toEqual([])
      })
    })
  )

  it.scoped("backfills a file with data and no derived objects, leaving its records as they were", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      createRecordsFile(file, randomRecords(seededRng(1), 2_000, shape))
      const before = withDb(file, readRecords)
      const [report, lines] = yield* migrate(file)

      expect(report.status).toBe("migrated")
      expect(lines).toEqual(
        expect.arrayContaining([expect.stringMatching(/^ {4}backfill 2025-11 \(1\/4\) \d+\.\d\ds$/)])
      )
      withDb(file, (db) => {
        expect(readRecords(db)).toEqual(before)
        expect(actualDerived(db)).toEqual(expectedDerived(db))
      })
    })
  )

  it.scoped("keeps ANALYZE's row counts (sqlite_stat1), and stat4 samples of the base table's indexes only", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      createRecordsFile(file, randomRecords(seededRng(11), 2_000, shape))
      yield* captureConsole(migrateFile(target(file), { dryRun: false, upTo: 9 }))
      const tables = (db: Parameters<Parameters<typeof withDb>[1]>[0]) =>
        db.prepare(`SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%' ORDER BY name`).pluck().all()
      // This SQLite is built with STAT4 (better-sqlite3's build): ANALYZE (v7, v9) sampled the indexes.
      withDb(file, (db) => expect(tables(db)).toEqual(["sqlite_stat1", "sqlite_stat4"]))
      const [report] = yield* migrate(file)

      expect(report).toMatchObject({
        status: "migrated",
        applied: stepsAfter(9),
        integrity: "ok"
      })
      withDb(file, (db) => {
        // Samples make a statement re-prepare whenever a parameter compared with the sampled column is bound.
        const sampled = db.prepare(`SELECT DISTINCT tbl FROM sqlite_stat4`).pluck().all()
        expect(sampled).toEqual(["production_records"])
        const counted = db.prepare(`SELECT DISTINCT tbl FROM sqlite_stat1`).pluck().all()
        expect(counted).toEqual(expect.arrayContaining(["production_records", "rollup_month_item", "rollup_cum_item"]))
      })
    })
  )

  it.scoped("a second run applies nothing, says so, and leaves schema_migrations and the schema as they were", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      createRecordsFile(file, randomRecords(seededRng(2), 300, shape))
      yield* migrate(file)
      const after1 = schemaState(file)
      const [report, lines] = yield* migrate(file)

      expect(report).toMatchObject({ status: "up-to-date", applied: [], integrity: "ok" })
      expect(lines).toContain(`live: ${file}: up to date, nothing to do`)
      expect(schemaState(file)).toEqual(after1)
    })
  )

  /** An upgraded file has the schema of a file migrated from scratch, and migrating it again changes nothing. */
  const endsAsFreshAndStays = (file: string, fresh: string) =>
    Effect.gen(function* () {
      expect(schemaState(file).schema).toEqual(schemaState(fresh).schema)
      const after = schemaState(file)
      const [again] = yield* migrate(file)
      expect(again).toMatchObject({ status: "up-to-date", applied: [] })
      expect(schemaState(file)).toEqual(after)
    })

  /** A file of 1,000 records migrated up to `version`, and an empty file beside it to migrate from scratch. */
  const upgradeCase = (seed: number, version: number) =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const file = path.join(dir, "live.db")
      const fresh = path.join(dir, "fresh.db")
      createRecordsFile(file, randomRecords(seededRng(seed), 1_000, shape))
      createRecordsFile(fresh, [])
      yield* captureConsole(migrateFile(target(file), { dryRun: false, upTo: version }))
      return { file, fresh }
    })

  it.scoped("upgrades a v7 file with data: adds and backfills the running totals, ends as a fresh migration does", () =>
    Effect.gen(function* () {
      const { file, fresh } = yield* upgradeCase(5, 7)
      withDb(file, (db) => {
        const columns = db.prepare(`SELECT name FROM pragma_table_info('rollup_day_item')`).pluck().all()
        expect(columns).not.toContain("cum_good")
        // Writes through the v7 triggers, back-dated ones included.
        insertRecords(db, randomRecords(seededRng(6), 200, shape))
      })
      const [report] = yield* migrate(file)
      yield* migrate(fresh)

      expect(report).toMatchObject({
        status: "migrated",
        applied: stepsAfter(7),
        integrity: "ok"
      })
      withDb(file, (db) => {
        expect(actualDerived(db)).toEqual(expectedDerived(db))
        // The v8 triggers keep them: more writes after the upgrade, across old and new days.
        insertRecords(db, randomRecords(seededRng(7), 200, shape))
        db.prepare(`DELETE FROM production_records WHERE id % 7 = 0`).run()
        db.prepare(`UPDATE production_records SET production_date = '2025-11-03' WHERE id % 11 = 0`).run()
        expect(actualDerived(db)).toEqual(expectedDerived(db))
      })
      yield* endsAsFreshAndStays(file, fresh)
    })
  )

  it.scoped(
    "upgrades a v8 file with data: adds and backfills the dense totals by item, ends as a fresh migration does",
    () =>
      Effect.gen(function* () {
        const { file, fresh } = yield* upgradeCase(8, 8)
        withDb(file, (db) => {
          const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all()
          expect(tables).not.toContain("rollup_cum_item")
          // Writes through the v8 triggers, back-dated ones and deletes included.
          insertRecords(db, randomRecords(seededRng(9), 200, shape))
          db.prepare(`DELETE FROM production_records WHERE id % 13 = 0`).run()
        })
        const [dry] = yield* captureConsole(migrateFile(target(file), { dryRun: true }))
        expect(dry.status).toBe("dry-run")
        withDb(file, (db) => {
          const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all()
          expect(tables).not.toContain("rollup_cum_item")
        })
        const [report] = yield* migrate(file)
        yield* migrate(fresh)

        expect(report).toMatchObject({
          status: "migrated",
          applied: stepsAfter(8),
          integrity: "ok"
        })
        withDb(file, (db) => {
          expect(actualDerived(db).cumItem.length).toBeGreaterThan(0)
          expect(actualDerived(db)).toEqual(expectedDerived(db))
          // The v9 triggers keep it: new items, new and emptied days, back-dated and moved records.
          insertRecords(db, randomRecords(seededRng(10), 200, { ...shape, items: 40 }))
          db.prepare(`DELETE FROM production_records WHERE id % 7 = 0`).run()
          db.prepare(`DELETE FROM production_records WHERE production_date = '2025-12-24'`).run()
          db.prepare(`UPDATE production_records SET production_date = '2025-11-03' WHERE id % 11 = 0`).run()
          expect(actualDerived(db)).toEqual(expectedDerived(db))
        })
        yield* endsAsFreshAndStays(file, fresh)
      })
  )

  it.scoped(
    "upgrades a v11 file: a dry run prints v12 and changes nothing; after it, replaced rows leave the totals",
    () =>
      Effect.gen(function* () {
        const { file, fresh } = yield* upgradeCase(12, 11)
        const hash = sha256File(file)
        const [dry, printed] = yield* captureConsole(migrateFile(target(file), { dryRun: true }))
        expect(dry).toMatchObject({ status: "dry-run", applied: stepsAfter(11) })
        expect(printed.filter((s) => s.startsWith("CREATE TABLE IF NOT EXISTS replaced_records"))).toHaveLength(1)
        expect(sha256File(file)).toBe(hash)
        const [report] = yield* migrate(file)
        yield* migrate(fresh)

        expect(report).toMatchObject({ status: "migrated", applied: stepsAfter(11), integrity: "ok" })
        withDb(file, (db) => {
          // A reload of every fifth record, moved to another day and renamed; then runs of ids shifted onto others.
          db.prepare(
            `REPLACE INTO production_records SELECT id, '2025-11-03', item_code, item_name || ' rev', lot_number, line_code,
            good_quantity + 1, defect_quantity FROM production_records WHERE id % 5 = 0`
          ).run()
          db.prepare(`UPDATE OR REPLACE production_records SET id = id + 1 WHERE id % 7 = 0`).run()
          expect(actualDerived(db)).toEqual(expectedDerived(db))
        })
        yield* endsAsFreshAndStays(file, fresh)
      })
  )

  it.scoped("upgrades a v12 file: adds the lot+date index with its samples, which the lot probe reads alone", () =>
    Effect.gen(function* () {
      const { file, fresh } = yield* upgradeCase(13, 12)
      const probe = lotProbeSql({ from: "2025-12-01" as IsoDate, to: "2025-12-07" as IsoDate }, "LOT0", undefined)
      const plan = () =>
        withDb(file, (db) =>
          db
            .prepare(`EXPLAIN QUERY PLAN ${probe.sql}`)
            .all(...probe.params)
            .map((r) => (r as { detail: string }).detail)
            .join("\n")
        )
      expect(() => plan()).toThrow(/no such index: idx_records_lot_date/)
      const [report] = yield* migrate(file)
      yield* migrate(fresh)

      expect(report).toMatchObject({ status: "migrated", applied: stepsAfter(12), integrity: "ok" })
      expect(plan()).toContain("USING COVERING INDEX idx_records_lot_date")
      withDb(file, (db) => {
        const samples = db.prepare(`SELECT count(*) FROM sqlite_stat1 WHERE idx = 'idx_records_lot_date'`).pluck()
        expect(samples.get()).toBe(1)
        const [entries, inWindow] = db
          .prepare(probe.sql)
          .raw()
          .get(...probe.params) as [number, number]
        const expected = db
          .prepare(
            `SELECT count(*), coalesce(sum(production_date BETWEEN '2025-12-01' AND '2025-12-07'), 0)
            FROM production_records WHERE lot_number LIKE 'LOT0%'`
          )
          .raw()
          .get() as [number, number]
        expect([entries, inWindow]).toEqual(expected)
      })
      yield* endsAsFreshAndStays(file, fresh)
    })
  )

  it.scoped(
    "upgrades a v13 file: its loaders' commits log their items and lines from then on, totals still exact",
    () =>
      Effect.gen(function* () {
        const { file, fresh } = yield* upgradeCase(14, 13)
        const [report] = yield* migrate(file)
        yield* migrate(fresh)

        expect(report).toMatchObject({ status: "migrated", applied: stepsAfter(13), integrity: "ok" })
        withDb(file, (db) => {
          expect(db.prepare(`SELECT count(*) FROM change_scope`).pluck().get()).toBe(0)
          const seq = db.prepare(`SELECT coalesce(max(seq), 0) FROM change_log`).pluck().get() as number
          db.prepare(`UPDATE production_records SET line_code = 'L-MOVED' WHERE id = 7`).run()
          db.prepare(
            `REPLACE INTO production_records SELECT 8, production_date, 'ITM-NEW', item_name, lot_number,
          line_code, good_quantity, defect_quantity FROM production_records WHERE id = 8`
          ).run()
          const scopes = db
            .prepare(`SELECT item_code, line_code FROM change_scope WHERE seq > ? ORDER BY 1, 2`)
            .raw()
            .all(seq) as Array<[string, string]>
          const [r7, r8] = [7, 8].map(
            (id) => db.prepare(`SELECT item_code FROM production_records WHERE id = ?`).pluck().get(id) as string
          )
          expect(scopes.filter(([, line]) => line === "L-MOVED").map(([item]) => item)).toEqual([r7])
          expect(scopes.some(([item]) => item === r8)).toBe(true)
          expect(actualDerived(db)).toEqual(expectedDerived(db))
        })
        yield* endsAsFreshAndStays(file, fresh)
      })
  )

  it.scoped("completes a migration interrupted in the middle of the rollups backfill", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      createRecordsFile(file, randomRecords(seededRng(3), 1_000, shape))
      applyStepsUpTo(file, 5, { startNext: true })
      // The triggers of the unfinished step are live meanwhile: a loader writes through them.
      withDb(file, (db) => insertRecords(db, randomRecords(seededRng(4), 50, shape)))
      const [report] = yield* migrate(file)

      expect(report.applied).toEqual(stepsAfter(5))
      withDb(file, (db) => expect(actualDerived(db)).toEqual(expectedDerived(db)))
    })
  )

  it.scoped("refuses a file whose table lacks a column, naming the column, and leaves it unchanged", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      withDb(
        file,
        (db) =>
          db.exec(
            `CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT, item_name TEXT, lot_number TEXT, line_code TEXT, good_quantity INTEGER)`
          ),
        { create: true }
      )
      const hash = sha256File(file)
      const error = yield* Effect.flip(migrate(file))

      expect(error._tag).toBe("MigrationRefused")
      expect(error.message).toContain("defect_quantity")
      expect(sha256File(file)).toBe(hash)
    })
  )

  it.scoped("refuses a file that is not SQLite with a one-line message", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "live.db")
      fs.writeFileSync(file, "id,production_date\n1,2026-01-02\n".repeat(100))
      const hash = sha256File(file)
      const error = yield* Effect.flip(migrate(file))

      expect(error._tag).toBe("MigrationRefused")
      expect(error.message).toMatch(/^live file .*live\.db: is not a readable SQLite database$/)
      expect(sha256File(file)).toBe(hash)
    })
  )

  it.scoped("refuses a named path that does not exist, and does not create it", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "missing.db")
      const error = yield* Effect.flip(migrate(file))

      expect(error._tag).toBe("MigrationRefused")
      expect(error.message).toBe(`live file ${file} does not exist`)
      expect(fs.existsSync(file)).toBe(false)
    })
  )

  it.scoped("skips a default path that is absent, without creating it", () =>
    Effect.gen(function* () {
      const file = path.join(yield* tempDir(), "data", "production_analysis.db")
      const [report, lines] = yield* migrate(file, false)

      expect(report).toMatchObject({ status: "absent", applied: [] })
      expect(lines).toContain(`live: ${file} absent, nothing to migrate`)
      expect(fs.existsSync(path.dirname(file))).toBe(false)
    })
  )
})
