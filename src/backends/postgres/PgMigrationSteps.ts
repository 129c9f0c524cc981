/**
 * The PostgreSQL schema as versioned steps. Each step is a list of statements run in one transaction together
 * with its row in `schema_migrations`, so a step is applied whole or not at all, and a second run finds nothing
 * to do. The cutover date is part of the schema (it decides `source`), recorded in `backend_settings`.
 */
import { DIMENSION_TABLES, FOLD_CASE_FUNCTION } from "./PgDimensions.js"
import { ITEM_STATISTICS_STATEMENTS } from "./PgItemStatistics.js"
import { ADD_YEAR_FUNCTION, CREATE_YEARS, RECORD_INDEXES, recordsTableStatements } from "./PgRecordsSchema.js"
import { PG_ROLLUPS, createRollupStatements } from "./PgRollups.js"
import { BACKFILL_STATEMENTS, GUARD_FUNCTION, TRIGGER_STATEMENTS, TRUNCATE_TRIGGER_STATEMENTS } from "./PgTriggers.js"

export interface PgMigrationStep {
  readonly version: number
  readonly name: string
  readonly description: string
  readonly statements: ReadonlyArray<string>
}

export const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version int PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`

export const pgMigrationSteps = (cutover: string): ReadonlyArray<PgMigrationStep> => [
  {
    version: 1,
    name: "records",
    description: "production_records partitioned by range of production_date (DEFAULT partition), /records indexes",
    statements: [...recordsTableStatements(cutover), ...RECORD_INDEXES]
  },
  {
    version: 2,
    name: "derived",
    description:
      "items (pg_trgm index for q), lines, day/month rollups, statement triggers with NOTIFY; a partition a year",
    // The triggers come before the backfill: creating them locks out writers until the step commits, so no
    // record lands between the backfill's read and the triggers that would have counted it.
    statements: [
      "CREATE EXTENSION IF NOT EXISTS pg_trgm",
      FOLD_CASE_FUNCTION,
      ...DIMENSION_TABLES,
      ...PG_ROLLUPS.flatMap(createRollupStatements),
      ...TRIGGER_STATEMENTS,
      ...TRUNCATE_TRIGGER_STATEMENTS,
      GUARD_FUNCTION,
      "SELECT production_records_guard('production_records_default')",
      ADD_YEAR_FUNCTION,
      CREATE_YEARS,
      ...BACKFILL_STATEMENTS,
      "ANALYZE"
    ]
  },
  {
    version: 3,
    name: "item statistics",
    description: "per partition: an item's name depends on its code (the planner's estimate for /records?q=)",
    statements: ITEM_STATISTICS_STATEMENTS
  }
]
