/**
 * Applies the PostgreSQL schema's pending steps (PgMigrationSteps.ts) through the SqlClient: each in its own
 * transaction with its version row, under an advisory lock so that two migrations at once apply each step once.
 * `dryRun` prints the pending steps' SQL and changes nothing. A database migrated with another cutover date is
 * refused: `source` would disagree with the service's.
 */
import { SqlClient } from "@effect/sql"
import { Console, Data, Effect } from "effect"
import { MIGRATIONS_TABLE_DDL, type PgMigrationStep, pgMigrationSteps } from "./PgMigrationSteps.js"

export class PgMigrationRefused extends Data.TaggedError("PgMigrationRefused")<{ readonly message: string }> {}

export interface PgMigrationReport {
  readonly status: "up to date" | "migrated" | "dry run"
  readonly applied: ReadonlyArray<string>
}

/** Any number: the key of the advisory lock every migration of this schema takes. */
const MIGRATION_LOCK = 170_017

const appliedVersions = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [table] = yield* sql<{ exists: boolean }>`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`
  if (!table!.exists) return new Set<number>()
  const rows = yield* sql<{ version: number }>`SELECT version FROM schema_migrations`
  return new Set(rows.map((r) => r.version))
})

const checkCutover = (cutover: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ value: string }>`SELECT value FROM backend_settings WHERE name = 'cutover_date'`
    const stored = rows[0]?.value
    if (stored !== undefined && stored !== cutover) {
      return yield* new PgMigrationRefused({
        message: `the database was migrated with cutover ${stored}, not ${cutover} (CUTOVER_DATE): source would disagree`
      })
    }
  })

const label = (step: PgMigrationStep) => `v${step.version} ${step.name}`

const applyStep = (step: PgMigrationStep) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
        yield* sql.unsafe(MIGRATIONS_TABLE_DDL)
        const done = yield* sql<{
          n: number
        }>`SELECT count(*)::int AS n FROM schema_migrations WHERE version = ${step.version}`
        if (done[0]!.n > 0) return false
        for (const statement of step.statements) yield* sql.unsafe(statement)
        yield* sql`INSERT INTO schema_migrations (version, name) VALUES (${step.version}, ${step.name})`
        return true
      })
    )
  })

/** The SQL a run would execute, as a script: each pending step in a transaction with its version row. */
export const dryRunScript = (pending: ReadonlyArray<PgMigrationStep>): string =>
  pending
    .map(
      (step) => `-- ${label(step)}: ${step.description}
BEGIN;
SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
${[MIGRATIONS_TABLE_DDL, ...step.statements].map((s) => `${s};`).join("\n")}
INSERT INTO schema_migrations (version, name) VALUES (${step.version}, '${step.name}');
COMMIT;
`
    )
    .join("\n")

/** `upTo`: the last version to apply (all by default; tests stop at an earlier one to migrate from it). */
export const migratePostgres = (options: {
  readonly cutover: string
  readonly dryRun: boolean
  readonly upTo?: number
}) =>
  Effect.gen(function* () {
    const steps = pgMigrationSteps(options.cutover).filter((s) => s.version <= (options.upTo ?? Infinity))
    const applied = yield* appliedVersions
    if (applied.has(1)) yield* checkCutover(options.cutover)
    const pending = steps.filter((s) => !applied.has(s.version))
    if (options.dryRun) {
      yield* Console.log(pending.length === 0 ? "-- up to date: nothing to run" : dryRunScript(pending))
      return { status: "dry run", applied: [] } satisfies PgMigrationReport
    }
    const done: Array<string> = []
    for (const step of pending) {
      const started = Date.now()
      if (yield* applyStep(step)) {
        done.push(label(step))
        yield* Console.log(`${label(step)}: applied in ${((Date.now() - started) / 1000).toFixed(1)}s`)
      }
    }
    return { status: done.length === 0 ? "up to date" : "migrated", applied: done } satisfies PgMigrationReport
  })
