import type BetterSqlite3 from "better-sqlite3"
import { RECORD_COLUMNS } from "../../../domain/ProductionRecord.js"
import { LATEST_SCHEMA_VERSION } from "./MigrationSteps.js"

export const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`

export const APPLIED_VERSIONS_SQL = `SELECT version FROM schema_migrations ORDER BY version`
export const HAS_MIGRATIONS_TABLE_SQL = `SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`
export const TABLE_COLUMNS_SQL = `SELECT name FROM pragma_table_info('production_records')`

/** The columns of `production_records` that the file lacks (all of them when the table is absent). */
export const missingColumns = (present: ReadonlyArray<string>): ReadonlyArray<string> =>
  RECORD_COLUMNS.filter((c) => !present.includes(c))

/** The highest applied schema version of an open connection (0 when never migrated). */
export const schemaVersion = (db: BetterSqlite3.Database): number => {
  const { n } = db.prepare(HAS_MIGRATIONS_TABLE_SQL).get() as { n: number }
  if (n === 0) return 0
  const row = db.prepare(`SELECT max(version) AS v FROM schema_migrations`).get() as { v: number | null }
  return row.v ?? 0
}

export const isMigrated = (db: BetterSqlite3.Database): boolean => schemaVersion(db) >= LATEST_SCHEMA_VERSION
