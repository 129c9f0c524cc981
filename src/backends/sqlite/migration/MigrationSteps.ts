import {
  CHANGE_LOG_DDL,
  CHANGE_SCOPE_DDL,
  ITEMS_DDL,
  LINES_DDL,
  addToDimensions,
  dimensionBackfill,
  removeFromDimensions,
  touchDate,
  touchScope
} from "./Dimensions.js"
import { addToCumItem, backfillCumItemStatements, createCumItemStatements, removeFromCumItem } from "./DenseTotals.js"
import { REPLACED_TABLE, removeReplacedTrigger, replacedRecordsStatements } from "./ReplacedRecords.js"
import {
  ROLLUPS,
  addRecordStatements,
  addRunningTotalsStatements,
  backfillStatements,
  createRollupStatements,
  removeRecordStatements
} from "./Rollups.js"

/**
 * What one versioned step does. `Pragma`: a statement that cannot run in a transaction. `Atomic`: statements in
 * one write transaction (with the version record). `Chunked`: a setup transaction, then the same statements once
 * per month of data (`{month}` replaced by that month's literal), each month its own short write transaction.
 */
export type StepAction =
  | { readonly _tag: "Pragma"; readonly statement: string; readonly expect: string }
  | { readonly _tag: "Atomic"; readonly statements: ReadonlyArray<string>; readonly holdsLockLong: boolean }
  | { readonly _tag: "Chunked"; readonly setup: ReadonlyArray<string>; readonly perMonth: ReadonlyArray<string> }

export interface MigrationStep {
  readonly version: number
  readonly name: string
  readonly description: string
  readonly action: StepAction
}

const trigger = (name: string, event: "INSERT" | "DELETE" | "UPDATE", body: ReadonlyArray<string>): string =>
  `CREATE TRIGGER IF NOT EXISTS ${name} AFTER ${event} ON production_records BEGIN
${body.map((s) => `  ${s};`).join("\n")}
END`

const TRIGGER_EVENTS = ["insert", "delete", "update"] as const

/** Insert, delete and update triggers from the statements that add a NEW record and remove an OLD one. */
const maintainedBy = (prefix: string, add: ReadonlyArray<string>, remove: ReadonlyArray<string>) => [
  trigger(`${prefix}_insert`, "INSERT", add),
  trigger(`${prefix}_delete`, "DELETE", remove),
  trigger(`${prefix}_update`, "UPDATE", [...remove, ...add])
]

export const SEED_INDEXES: ReadonlyArray<string> = [
  `CREATE INDEX IF NOT EXISTS idx_production_date_item ON production_records (production_date, item_code)`,
  `CREATE INDEX IF NOT EXISTS idx_lot_number ON production_records (lot_number)`,
  `CREATE INDEX IF NOT EXISTS idx_agg_covering ON production_records (item_code, production_date, good_quantity)`
]

/**
 * Indexes that measured `/records` plans need (scripts/analyze-indexes.ts shows them): each ends in the rowid
 * (= id), so a filter plus a date range yields rows already in the contract's (date desc, id desc) order, and a
 * keyset position seeks instead of sorting.
 */
export const QUERY_INDEXES: ReadonlyArray<string> = [
  `CREATE INDEX IF NOT EXISTS idx_records_date ON production_records (production_date)`,
  `CREATE INDEX IF NOT EXISTS idx_records_item_date ON production_records (item_code, production_date)`,
  `CREATE INDEX IF NOT EXISTS idx_records_line_date ON production_records (line_code, production_date)`
]

const rollupMonthStatements = ROLLUPS.flatMap((r) => backfillStatements(r))

/**
 * The rollup triggers' statements from v9 on: the dense table's join the rollups' bodies (after them), rather than
 * triggers of their own, so they read rollup_day and rollup_day_item already updated for the record whatever order
 * SQLite fires triggers in.
 */
const addToRollups = [...ROLLUPS.flatMap((r) => addRecordStatements(r, true)), ...addToCumItem]
const removeFromRollups = [...ROLLUPS.flatMap((r) => removeRecordStatements(r, true)), ...removeFromCumItem]

/** What every delete trigger of the latest schema runs for OLD: change log, dimensions, rollups. */
const removeRecord = [touchDate("OLD"), ...removeFromDimensions, ...removeFromRollups]
/** From v14 on, the change log records each touched record's item and line too. */
const touchRecord = (ref: "OLD" | "NEW") => [touchDate(ref), touchScope(ref)]

export const MIGRATION_STEPS: ReadonlyArray<MigrationStep> = [
  {
    version: 1,
    name: "wal",
    description: "journal mode WAL (persistent): readers never block the loaders' writes",
    action: { _tag: "Pragma", statement: "PRAGMA journal_mode = WAL", expect: "wal" }
  },
  {
    version: 2,
    name: "seed_indexes",
    description: "the seed design's indexes: date+item, lot number, item aggregation",
    action: { _tag: "Atomic", statements: SEED_INDEXES, holdsLockLong: true }
  },
  {
    version: 3,
    name: "query_indexes",
    description: "indexes the /records plans need: date, item+date, line+date (each in id order)",
    action: { _tag: "Atomic", statements: QUERY_INDEXES, holdsLockLong: true }
  },
  {
    version: 4,
    name: "change_log",
    description: "change tracking: which production dates each commit touched",
    action: {
      _tag: "Atomic",
      statements: [...CHANGE_LOG_DDL, ...maintainedBy("track_changes", [touchDate("NEW")], [touchDate("OLD")])],
      holdsLockLong: false
    }
  },
  {
    version: 5,
    name: "dimensions",
    description: "items dimension (code/name pairs, trigram index for q) and lines list, kept by triggers",
    action: {
      _tag: "Atomic",
      statements: [
        ...ITEMS_DDL,
        ...LINES_DDL,
        ...maintainedBy("maintain_dimensions", addToDimensions, removeFromDimensions),
        ...dimensionBackfill
      ],
      holdsLockLong: true
    }
  },
  {
    version: 6,
    name: "rollups",
    description: "daily and monthly rollups by none/item/line/item+line, kept exact by triggers; backfilled by month",
    action: {
      _tag: "Chunked",
      setup: [
        ...ROLLUPS.flatMap(createRollupStatements),
        ...maintainedBy(
          "maintain_rollups",
          ROLLUPS.flatMap((r) => addRecordStatements(r, false)),
          ROLLUPS.flatMap((r) => removeRecordStatements(r, false))
        )
      ],
      perMonth: rollupMonthStatements
    }
  },
  {
    version: 7,
    name: "statistics",
    description: "ANALYZE, so the planner picks the indexes above",
    action: { _tag: "Atomic", statements: ["ANALYZE"], holdsLockLong: true }
  },
  {
    version: 8,
    name: "running_totals",
    description: "running totals (cum_good, cum_defect, cum_cnt) on the daily rollups by item/line/item+line",
    action: {
      _tag: "Atomic",
      // One transaction: the columns, their backfill and the triggers that keep them change together, so no write
      // lands between a backfill and the triggers that would have counted it. No index changes: the summaries seek
      // the rollups' primary keys, whose statistics v7 already gathered.
      statements: [
        ...TRIGGER_EVENTS.map((e) => `DROP TRIGGER IF EXISTS maintain_rollups_${e}`),
        ...ROLLUPS.flatMap(addRunningTotalsStatements),
        ...maintainedBy(
          "maintain_rollups",
          ROLLUPS.flatMap((r) => addRecordStatements(r, true)),
          ROLLUPS.flatMap((r) => removeRecordStatements(r, true))
        )
      ],
      holdsLockLong: true
    }
  },
  {
    version: 9,
    name: "dense_item_totals",
    description: "rollup_cum_item: every item's running totals on every day with records (by-item in two range scans)",
    action: {
      _tag: "Atomic",
      // One transaction, as v8: table, backfill and triggers change together.
      statements: [
        ...TRIGGER_EVENTS.map((e) => `DROP TRIGGER IF EXISTS maintain_rollups_${e}`),
        ...createCumItemStatements,
        ...backfillCumItemStatements,
        ...maintainedBy("maintain_rollups", addToRollups, removeFromRollups)
      ],
      holdsLockLong: true
    }
  },
  {
    version: 10,
    name: "no_stat4_samples",
    description:
      "drops ANALYZE's sqlite_stat4 samples (sqlite_stat1 stays): with them, every run re-prepares a statement",
    action: {
      _tag: "Atomic",
      // better-sqlite3's SQLite is built with STAT4: where a statement compares a bound parameter with an indexed
      // column that has stat4 samples, binding it marks the statement expired and its next step re-prepares it.
      // Every run of the engine's statements binds: the big summary statements re-planned on each request (0.3-0.5
      // ms of a 2 ms statement; most small summaries 2-3x their time). Their plans are fixed by their form and
      // sqlite_stat1's row counts, checked by the plan tests. The drop is a schema change: open connections reload.
      statements: ["DROP TABLE IF EXISTS sqlite_stat4"],
      holdsLockLong: false
    }
  },
  {
    version: 11,
    name: "base_table_samples",
    description:
      "stat4 samples again for production_records' indexes (the rollups keep none): /records plans need them",
    action: {
      _tag: "Atomic",
      // A `/records` filter can be read through more than one index, and which is cheaper depends on the values:
      // a lot prefix over a date range is the lot index's range then a sort, or the date index in page order
      // testing each row's lot; only samples tell how many rows each range holds. Without them SQLite took the
      // date index for a prefix matching no lot and read the whole window (235 ms for a first page, against 0.12).
      // Statements on production_records re-prepare on each run again, as before v10 (0-0.1 ms for most of
      // them); the summaries, on the rollups, do not. ANALYZE of one table rewrites only that table's rows.
      statements: ["ANALYZE production_records"],
      holdsLockLong: true
    }
  },
  {
    version: 12,
    name: "replaced_records",
    description:
      "INSERT OR REPLACE / REPLACE INTO / UPDATE OR REPLACE: the row they replace leaves the derived tables too",
    action: {
      _tag: "Atomic",
      // Without it, the row such a statement deletes stays in every derived table (SQLite fires no delete trigger
      // for it unless the writer's connection sets recursive_triggers): silently wrong totals. ReplacedRecords.ts.
      // A plain insert pays 2-3 % more CPU, a replace what a delete and an insert cost (scripts/loader-cost.ts).
      statements: replacedRecordsStatements(removeRecord),
      holdsLockLong: false
    }
  },
  {
    version: 13,
    name: "lot_date_index",
    description: "an index of lot number and date: a lot prefix over a date range tests each date in the index",
    action: {
      _tag: "Atomic",
      // Through idx_lot_number, every record of the prefix was read from the table to test its date: at 31 M rows
      // a 4-character prefix held 101,305 records, and a 7-day first page took 330 ms warm, 4.9 s cold. With the
      // date in the index, 5 ms (docs/benchmark-notes.md). ANALYZE gives the new index its samples.
      statements: [
        "CREATE INDEX IF NOT EXISTS idx_records_lot_date ON production_records (lot_number, production_date)",
        "ANALYZE production_records"
      ],
      holdsLockLong: true
    }
  },
  {
    version: 14,
    name: "change_scope",
    description: "change tracking by item and line too: a commit leaves answers filtered to other items and lines",
    action: {
      _tag: "Atomic",
      // The scope is written by the very triggers that stamp its date, right after them, so that it always carries
      // the seq its date got whatever order SQLite fires triggers in. Both tables start empty: a reader takes
      // scopes only from commits after it found them (FileWatch).
      statements: [
        ...CHANGE_SCOPE_DDL,
        ...TRIGGER_EVENTS.map((e) => `DROP TRIGGER IF EXISTS track_changes_${e}`),
        ...maintainedBy("track_changes", touchRecord("NEW"), touchRecord("OLD")),
        `DROP TRIGGER IF EXISTS ${REPLACED_TABLE}_remove`,
        removeReplacedTrigger([...touchRecord("OLD"), ...removeFromDimensions, ...removeFromRollups])
      ],
      holdsLockLong: false
    }
  }
]

export const LATEST_SCHEMA_VERSION = MIGRATION_STEPS[MIGRATION_STEPS.length - 1]!.version
