/**
 * Test fixtures: un-migrated SQLite files (the plant's `production_records` table only) in temp dirs, filled with
 * given or random records, and a plain reference aggregation of the base table to check derived tables against.
 */
import Database from "better-sqlite3"
import { Effect } from "effect"
import * as fc from "effect/FastCheck"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PRODUCTION_RECORDS_DDL } from "../../src/backends/sqlite/db/BaseSchema.js"
import { MIGRATIONS_TABLE_DDL } from "../../src/backends/sqlite/migration/MigrationState.js"
import { MIGRATION_STEPS } from "../../src/backends/sqlite/migration/MigrationSteps.js"
import { ROLLUPS, type Rollup } from "../../src/backends/sqlite/migration/Rollups.js"

// ---- temp dirs and files ----

export const makeTempDir = (prefix = "pa-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

export const removeTempDir = (dir: string): void => fs.rmSync(dir, { recursive: true, force: true })

/** A temp dir that is removed when the scope closes (for `it.scoped`). */
export const tempDir = (prefix?: string) =>
  Effect.acquireRelease(
    Effect.sync(() => makeTempDir(prefix)),
    (dir) => Effect.sync(() => removeTempDir(dir))
  )

export const sha256File = (file: string): string =>
  crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")

/** Opens `file` with better-sqlite3 (never creating it unless `create`), runs `f`, closes. */
export const withDb = <A>(
  file: string,
  f: (db: Database.Database) => A,
  options: { readonly create?: boolean } = {}
): A => {
  const db = new Database(file, { fileMustExist: options.create !== true })
  try {
    return f(db)
  } finally {
    db.close()
  }
}

// ---- records ----

export interface RecordInput {
  /** Omitted: SQLite assigns the next rowid. */
  readonly id?: number
  readonly production_date: string
  readonly item_code: string
  readonly item_name: string
  readonly lot_number: string
  readonly line_code: string
  readonly good_quantity: number
  readonly defect_quantity: number
}

export interface StoredRecord extends RecordInput {
  readonly id: number
}

const INSERT_SQL = `INSERT INTO production_records
  (id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
  VALUES (@id, @production_date, @item_code, @item_name, @lot_number, @line_code, @good_quantity, @defect_quantity)`

/** Inserts `records` in one transaction. */
export const insertRecords = (db: Database.Database, records: ReadonlyArray<RecordInput>): void => {
  const insert = db.prepare(INSERT_SQL)
  db.transaction(() => {
    for (const r of records) insert.run({ ...r, id: r.id ?? null })
  })()
}

/** Creates an un-migrated file (rollback journal, base table only) holding `records`. */
export const createRecordsFile = (file: string, records: ReadonlyArray<RecordInput> = []): void =>
  withDb(
    file,
    (db) => {
      db.exec(PRODUCTION_RECORDS_DDL)
      insertRecords(db, records)
    },
    { create: true }
  )

export const readRecords = (db: Database.Database): ReadonlyArray<StoredRecord> =>
  db.prepare(`SELECT * FROM production_records ORDER BY id`).all() as ReadonlyArray<StoredRecord>

// ---- random records ----

/** Uniform floats in [0, 1). */
export type Rng = () => number

/** A small seeded PRNG (mulberry32). */
export const seededRng = (seed: number): Rng => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Where random records fall. Small catalogues make groups collide, which is what derived tables must handle. */
export interface RecordShape {
  /** First and last production date, inclusive ('YYYY-MM-DD'). */
  readonly from: string
  readonly to: string
  readonly items?: number
  readonly namesPerItem?: number
  readonly lines?: number
}

const DAY_MS = 86_400_000

/** Every date from `from` to `to` inclusive. */
export const datesBetween = (from: string, to: string): ReadonlyArray<string> => {
  const dates: Array<string> = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    dates.push(new Date(t).toISOString().slice(0, 10))
  }
  return dates
}

export const itemCode = (i: number): string => `ITM-${String(i).padStart(3, "0")}`
export const itemName = (i: number, revision: number): string =>
  revision === 0 ? `Widget ${i}` : `Widget ${i} rev ${revision}`
export const lineCode = (i: number): string => `L${String(i).padStart(2, "0")}`

export interface Catalogue {
  readonly dates: ReadonlyArray<string>
  readonly items: number
  readonly namesPerItem: number
  readonly lines: number
}

/** The shape with its defaults filled in and its dates listed. */
export const catalogueOf = (shape: RecordShape): Catalogue => ({
  dates: datesBetween(shape.from, shape.to),
  items: shape.items ?? 6,
  namesPerItem: shape.namesPerItem ?? 3,
  lines: shape.lines ?? 4
})

/** One record from indexes (each taken modulo its catalogue), so that both PRNGs and fast-check can drive it. */
const recordFrom = (
  s: Catalogue,
  n: { date: number; item: number; name: number; line: number; lot: number; good: number; defect: number }
): RecordInput => {
  const item = n.item % s.items
  return {
    production_date: s.dates[n.date % s.dates.length]!,
    item_code: itemCode(item),
    item_name: itemName(item, n.name % s.namesPerItem),
    lot_number: `LOT${String(n.lot).padStart(5, "0")}`,
    line_code: lineCode(n.line % s.lines),
    good_quantity: n.good,
    defect_quantity: n.defect
  }
}

/** `n` random records (no ids: SQLite assigns them). */
export const randomRecords = (rng: Rng, n: number, shape: RecordShape): ReadonlyArray<RecordInput> => {
  const s = catalogueOf(shape)
  const int = (max: number) => Math.floor(rng() * max)
  return Array.from({ length: n }, () =>
    recordFrom(s, {
      date: int(s.dates.length),
      item: int(s.items),
      name: int(s.namesPerItem),
      line: int(s.lines),
      lot: int(100_000),
      good: int(500),
      defect: int(20)
    })
  )
}

/** A fast-check arbitrary of one record of `shape` (no id). */
export const recordArbitrary = (shape: RecordShape): fc.Arbitrary<RecordInput> => {
  const s = catalogueOf(shape)
  return fc
    .record({
      date: fc.nat(s.dates.length - 1),
      item: fc.nat(s.items - 1),
      name: fc.nat(s.namesPerItem - 1),
      line: fc.nat(s.lines - 1),
      lot: fc.nat(99_999),
      good: fc.nat(500),
      defect: fc.nat(20)
    })
    .map((n) => recordFrom(s, n))
}

// ---- reference aggregation: what every derived table must hold, computed plainly from the base table ----

type Row = Record<string, string | number>

const sortedByKey = (rows: ReadonlyArray<Row>, key: (row: Row) => ReadonlyArray<unknown>): Array<Row> =>
  rows
    .map((row) => [JSON.stringify(key(row)), row] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row)

const rollupKey = (r: Rollup) => (row: Row) => [row.period, ...r.dims.map((d) => row[d])]

/** Groups `records` by the rollup's period and dimensions: sums, count, and the latest record by (date, id). */
export const expectedRollup = (records: ReadonlyArray<StoredRecord>, r: Rollup): Array<Row> => {
  const groups = new Map<string, Row>()
  for (const rec of records) {
    const period = r.grain === "day" ? rec.production_date : rec.production_date.slice(0, 7)
    const key = JSON.stringify([period, ...r.dims.map((d) => rec[d])])
    const group = groups.get(key) ?? {
      period,
      ...Object.fromEntries(r.dims.map((d) => [d, rec[d]])),
      good: 0,
      defect: 0,
      cnt: 0
    }
    groups.set(key, group)
    group.good = (group.good as number) + rec.good_quantity
    group.defect = (group.defect as number) + rec.defect_quantity
    group.cnt = (group.cnt as number) + 1
    if (!r.tracksLatest) continue
    const newer =
      group.last_date === undefined ||
      rec.production_date > group.last_date ||
      (rec.production_date === group.last_date && rec.id > (group.last_id as number))
    if (newer) Object.assign(group, { last_date: rec.production_date, last_id: rec.id, last_name: rec.item_name })
  }
  if (r.cumulative) {
    // Running totals: each group's sums through its row's day, accumulated in period order.
    const running = new Map<string, { good: number; defect: number; cnt: number }>()
    for (const row of sortedByKey([...groups.values()], (row) => [...r.dims.map((d) => row[d]), row.period])) {
      const id = JSON.stringify(r.dims.map((d) => row[d]))
      const sum = running.get(id) ?? { good: 0, defect: 0, cnt: 0 }
      sum.good += row.good as number
      sum.defect += row.defect as number
      sum.cnt += row.cnt as number
      running.set(id, sum)
      Object.assign(row, { cum_good: sum.good, cum_defect: sum.defect, cum_cnt: sum.cnt })
    }
  }
  return sortedByKey([...groups.values()], rollupKey(r))
}

export const expectedItems = (records: ReadonlyArray<StoredRecord>): Array<Row> => {
  const counts = new Map<string, number>()
  for (const rec of records) {
    const key = JSON.stringify([rec.item_code, rec.item_name])
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return sortedByKey(
    [...counts].map(([key, cnt]) => {
      const [item_code, item_name] = JSON.parse(key) as [string, string]
      return { item_code, item_name, cnt }
    }),
    (row) => [row.item_code, row.item_name]
  )
}

export const expectedLines = (records: ReadonlyArray<StoredRecord>): Array<Row> => {
  const counts = new Map<string, number>()
  for (const rec of records) counts.set(rec.line_code, (counts.get(rec.line_code) ?? 0) + 1)
  return sortedByKey(
    [...counts].map(([line_code, cnt]) => ({ line_code, cnt })),
    (row) => [row.line_code]
  )
}

/** A record's `last_key` as SQLite stores it: day number (julianday - 2415020, truncated) * 1e10 + id. */
const latestKey = (date: string, id: number): number => (Date.parse(date) / 86_400_000 + 25_567) * 1e10 + id

/**
 * The dense totals by item (`rollup_cum_item`): for every day with records, one row per item with records on or
 * before it, holding the item's totals through that day and its latest record up to it.
 */
export const expectedCumItem = (records: ReadonlyArray<StoredRecord>): Array<Row> => {
  const days = [...new Set(records.map((r) => r.production_date))].sort()
  const byDate = [...records].sort((a, b) =>
    a.production_date < b.production_date ? -1 : a.production_date > b.production_date ? 1 : a.id - b.id
  )
  const running = new Map<string, Row>()
  const rows: Array<Row> = []
  let next = 0
  for (const day of days) {
    for (; next < byDate.length && byDate[next]!.production_date <= day; next++) {
      const rec = byDate[next]!
      const row = running.get(rec.item_code) ?? { cum_good: 0, cum_defect: 0, cum_cnt: 0 }
      running.set(rec.item_code, {
        cum_good: (row.cum_good as number) + rec.good_quantity,
        cum_defect: (row.cum_defect as number) + rec.defect_quantity,
        cum_cnt: (row.cum_cnt as number) + 1,
        // Records come in (date, id) order: each is its item's latest so far.
        last_key: latestKey(rec.production_date, rec.id),
        last_name: rec.item_name
      })
    }
    for (const [item_code, row] of running) rows.push({ period: day, item_code, ...row })
  }
  return sortedByKey(rows, (row) => [row.period, row.item_code])
}

export interface DerivedTables {
  readonly rollups: Record<string, Array<Row>>
  readonly cumItem: Array<Row>
  readonly items: Array<Row>
  /** `items_fts` (rowid, item_name), which must mirror `items` (id, item_name). */
  readonly itemsFts: Array<Row>
  readonly lines: Array<Row>
}

/** The derived tables of a migrated file, as they are. */
export const actualDerived = (db: Database.Database): DerivedTables => {
  const all = (sql: string) => db.prepare(sql).all() as Array<Row>
  return {
    rollups: Object.fromEntries(
      // last_key is a generated column (SQLite derives it from last_date and last_id): compared through those.
      ROLLUPS.map((r) => [
        r.table,
        sortedByKey(
          all(`SELECT * FROM ${r.table}`).map(({ last_key: _, ...row }) => row),
          rollupKey(r)
        )
      ])
    ),
    cumItem: sortedByKey(
      all(`SELECT period, item_code, cum_good, cum_defect, cum_cnt, last_key, last_name FROM rollup_cum_item`),
      (row) => [row.period, row.item_code]
    ),
    items: sortedByKey(all(`SELECT item_code, item_name, cnt FROM items`), (row) => [row.item_code, row.item_name]),
    itemsFts: all(`SELECT rowid AS id, item_name FROM items_fts ORDER BY rowid`),
    lines: sortedByKey(all(`SELECT line_code, cnt FROM lines`), (row) => [row.line_code])
  }
}

/** The derived tables as a fresh aggregation of `SELECT * FROM production_records` says they must be. */
export const expectedDerived = (db: Database.Database): DerivedTables => {
  const records = readRecords(db)
  return {
    rollups: Object.fromEntries(ROLLUPS.map((r) => [r.table, expectedRollup(records, r)])),
    cumItem: expectedCumItem(records),
    items: expectedItems(records),
    itemsFts: db.prepare(`SELECT id, item_name FROM items ORDER BY id`).all() as Array<Row>,
    lines: expectedLines(records)
  }
}

// ---- half-migrated files ----

/**
 * Leaves `file` as an interrupted migration would: the steps up to `version` applied and recorded; with
 * `startNext`, the next step's setup (for the chunked rollups step: tables and triggers, no backfill) done but
 * not recorded, as after a crash in the middle of its backfill.
 */
/** The names of the migration steps after `version`, in order: what migrating a file at `version` applies. */
export const stepsAfter = (version: number): ReadonlyArray<string> =>
  MIGRATION_STEPS.filter((s) => s.version > version).map((s) => s.name)

export const applyStepsUpTo = (file: string, version: number, options: { readonly startNext?: boolean } = {}): void =>
  withDb(file, (db) => {
    for (const step of MIGRATION_STEPS) {
      const a = step.action
      if (step.version > version) {
        if (options.startNext !== true) return
        if (a._tag !== "Chunked") throw new Error(`applyStepsUpTo: v${step.version} is atomic, it is never half done`)
        return db.transaction(() => a.setup.forEach((s) => db.exec(s)))()
      }
      if (a._tag === "Chunked")
        throw new Error(`applyStepsUpTo: v${step.version} is chunked; finish it with migrateFile`)
      if (a._tag === "Pragma") db.exec(a.statement)
      db.transaction(() => {
        if (a._tag === "Atomic") a.statements.forEach((s) => db.exec(s))
        db.exec(MIGRATIONS_TABLE_DDL)
        db.prepare(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`).run(
          step.version,
          step.name,
          "2000-01-01T00:00:00.000Z"
        )
      })()
    }
  })

// ---- console ----

/** Runs `self` with `Console.log`/`Console.error` captured instead of printed; returns its result and the lines. */
export const captureConsole = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const base = yield* Effect.console
    const push = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
    const result = yield* Effect.withConsole(self, { ...base, log: push, error: push })
    return [result, lines] as const
  })

export const silently = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.map(captureConsole(self), ([a]) => a)
