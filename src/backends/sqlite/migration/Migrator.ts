import { SqlClient, type SqlError } from "@effect/sql"
import { type ConfigError, Console, Data, Effect, Layer, Schedule } from "effect"
import * as fs from "node:fs"
import type { DbTarget } from "../../../config/DbTargets.js"
import { sqliteFileLayer } from "../db/SqliteFileClient.js"
import {
  APPLIED_VERSIONS_SQL,
  HAS_MIGRATIONS_TABLE_SQL,
  MIGRATIONS_TABLE_DDL,
  TABLE_COLUMNS_SQL,
  missingColumns
} from "./MigrationState.js"
import { MIGRATION_STEPS, type MigrationStep } from "./MigrationSteps.js"
import { MONTH_PLACEHOLDER } from "./Rollups.js"

/** A file the migration will not touch, with a one-line reason naming it. */
export class MigrationRefused extends Data.TaggedError("MigrationRefused")<{ readonly message: string }> {}

export interface FileReport {
  readonly file: string
  readonly path: string
  readonly status: "absent" | "up-to-date" | "migrated" | "dry-run"
  readonly applied: ReadonlyArray<string>
  readonly integrity: string | null
}

const seconds = (startMs: number) => `${((Date.now() - startMs) / 1000).toFixed(2)}s`
const isMonth = (s: unknown): s is string => typeof s === "string" && /^\d{4}-\d{2}$/.test(s)

/** Months holding data, found by index seeks (first month, then the first date after it, and so on). */
const monthsWithData = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const months: Array<string> = []
  let next = yield* sql.unsafe<{ m: unknown }>(`SELECT substr(min(production_date), 1, 7) AS m FROM production_records`)
  while (next[0] !== undefined && next[0].m !== null) {
    const m = next[0].m
    if (!isMonth(m)) return yield* new MigrationRefused({ message: `unexpected production_date month ${String(m)}` })
    months.push(m)
    next = yield* sql.unsafe<{ m: unknown }>(
      `SELECT substr(min(production_date), 1, 7) AS m FROM production_records WHERE production_date >= ?`,
      [`${m}.`]
    )
  }
  return months
})

const forMonth = (statement: string, month: string) => statement.replaceAll(MONTH_PLACEHOLDER, `'${month}'`)

/** Runs `statements` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, never upgraded. */
const inWriteTransaction = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe("BEGIN IMMEDIATE")
    return yield* body.pipe(
      Effect.tap(() => sql.unsafe("COMMIT")),
      Effect.tapErrorCause(() => sql.unsafe("ROLLBACK").pipe(Effect.ignore))
    )
  })

const runAll = (statements: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (s) => sql.unsafe(s), { discard: true }))

const recordVersion = (step: MigrationStep) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.zipRight(
      sql.unsafe(MIGRATIONS_TABLE_DDL),
      sql.unsafe(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [
        step.version,
        step.name,
        new Date().toISOString()
      ])
    )
  )

/** The SQLite result code (e.g. `SQLITE_BUSY`) under an SqlError, or "". */
const sqliteCode = (e: SqlError.SqlError): string =>
  typeof e.cause === "object" && e.cause !== null && "code" in e.cause ? String(e.cause.code) : ""

const isBusy = (e: SqlError.SqlError) => sqliteCode(e).startsWith("SQLITE_BUSY")

/**
 * Switching to WAL needs the exclusive lock, and SQLite answers SQLITE_BUSY at once (its busy handler is not used,
 * as waiting could deadlock) while another connection is in a write transaction: retried until the writer pauses.
 */
const whileBusy = Schedule.spaced("20 millis").pipe(Schedule.upTo("30 seconds"))

const printStatements = (statements: ReadonlyArray<string>) =>
  Effect.forEach(statements, (s) => Console.log(`${s};`), { discard: true })

const applyStep = (step: MigrationStep, dryRun: boolean) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const action = step.action
    switch (action._tag) {
      case "Pragma": {
        if (dryRun) return yield* printStatements([action.statement])
        const rows = yield* sql
          .unsafe<Record<string, unknown>>(action.statement)
          .pipe(Effect.retry({ while: isBusy, schedule: whileBusy }))
        const got = String(Object.values(rows[0] ?? {})[0] ?? "").toLowerCase()
        if (got !== action.expect) {
          return yield* new MigrationRefused({
            message: `${action.statement} answered ${got}, expected ${action.expect}`
          })
        }
        return yield* inWriteTransaction(recordVersion(step))
      }
      case "Atomic": {
        if (dryRun) return yield* printStatements(action.statements)
        if (action.holdsLockLong) yield* Console.log(`    holds the write lock until it finishes`)
        return yield* inWriteTransaction(Effect.zipRight(runAll(action.statements), recordVersion(step)))
      }
      case "Chunked": {
        if (dryRun) {
          const months = yield* monthsWithData
          yield* printStatements(action.setup)
          return yield* Effect.forEach(months, (m) => printStatements(action.perMonth.map((s) => forMonth(s, m))), {
            discard: true
          })
        }
        yield* inWriteTransaction(runAll(action.setup))
        // Listed once the triggers exist: a month first written before this is listed, one written after is kept by
        // the triggers. Listed before the setup, a month first written in between would never be backfilled.
        const months = yield* monthsWithData
        yield* Effect.forEach(
          months,
          (month, i) =>
            Effect.gen(function* () {
              const start = Date.now()
              yield* inWriteTransaction(runAll(action.perMonth.map((s) => forMonth(s, month))))
              yield* Console.log(`    backfill ${month} (${i + 1}/${months.length}) ${seconds(start)}`)
            }),
          { discard: true }
        )
        return yield* inWriteTransaction(recordVersion(step))
      }
    }
  })

const refusal = (target: DbTarget, why: string) =>
  new MigrationRefused({ message: `${target.file} file ${target.path}: ${why}` })

/** Refuses a file that is not SQLite or whose `production_records` lacks a column; returns applied versions. */
const inspect = (target: DbTarget) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const refuse = (why: string) => refusal(target, why)
    const columns = yield* sql
      .unsafe<{ name: string }>(TABLE_COLUMNS_SQL)
      .pipe(Effect.mapError(() => refuse("is not a readable SQLite database")))
    if (columns.length === 0) return yield* refuse("has no production_records table")
    const missing = missingColumns(columns.map((c) => c.name))
    if (missing.length > 0) return yield* refuse(`production_records lacks column ${missing.join(", ")}`)
    const tables = yield* sql.unsafe<{ n: number }>(HAS_MIGRATIONS_TABLE_SQL)
    if ((tables[0]?.n ?? 0) === 0) return new Set<number>()
    const rows = yield* sql.unsafe<{ version: number }>(APPLIED_VERSIONS_SQL)
    return new Set(rows.map((r) => r.version))
  })

const integrityCheck = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql.unsafe<{ integrity_check: string }>("PRAGMA integrity_check"), (rows) =>
    rows.map((r) => r.integrity_check).join("; ")
  )
)

/**
 * Brings one file up to the latest schema version (or to `upTo`, as a file migrated by an earlier release would
 * be), printing progress; `dryRun` prints and changes nothing.
 */
export const migrateFile = (
  target: DbTarget,
  options: { readonly dryRun: boolean; readonly upTo?: number }
): Effect.Effect<FileReport, MigrationRefused | SqlError.SqlError | ConfigError.ConfigError> =>
  Effect.gen(function* () {
    const base = { file: target.file, path: target.path }
    if (!fs.existsSync(target.path)) {
      if (target.explicit)
        return yield* new MigrationRefused({ message: `${target.file} file ${target.path} does not exist` })
      yield* Console.log(`${target.file}: ${target.path} absent, nothing to migrate`)
      return { ...base, status: "absent", applied: [], integrity: null } satisfies FileReport
    }
    return yield* Effect.gen(function* () {
      const applied = yield* inspect(target)
      const pending = MIGRATION_STEPS.filter((s) => !applied.has(s.version) && s.version <= (options.upTo ?? Infinity))
      yield* Console.log(
        `${target.file}: ${target.path}: ${pending.length === 0 ? "up to date, nothing to do" : `${pending.length} step(s) to apply${options.dryRun ? " (dry run: printing, changing nothing)" : ""}`}`
      )
      for (const [i, step] of pending.entries()) {
        const start = Date.now()
        yield* Console.log(`  [${i + 1}/${pending.length}] v${step.version} ${step.name}: ${step.description}`)
        yield* applyStep(step, options.dryRun)
        if (!options.dryRun)
          yield* Console.log(`  [${i + 1}/${pending.length}] v${step.version} ${step.name} done in ${seconds(start)}`)
      }
      const start = Date.now()
      const integrity = yield* integrityCheck
      yield* Console.log(`${target.file}: integrity_check: ${integrity} (${seconds(start)})`)
      const status: FileReport["status"] = options.dryRun ? "dry-run" : pending.length === 0 ? "up-to-date" : "migrated"
      return { ...base, status, applied: pending.map((s) => s.name), integrity } satisfies FileReport
    }).pipe(
      Effect.provide(
        sqliteFileLayer(target.path, { readonly: options.dryRun }).pipe(
          // Opening applies the pragma set, whose first read of the file is where a file that is not SQLite fails.
          Layer.mapError((e) =>
            e._tag === "SqlError" && sqliteCode(e) === "SQLITE_NOTADB"
              ? refusal(target, "is not a readable SQLite database")
              : e
          )
        )
      )
    )
  })
