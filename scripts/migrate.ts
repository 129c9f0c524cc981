import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { parseArgs } from "node:util"
import { DbTargets } from "../src/config/DbTargets.js"
import { migrateFile } from "../src/backends/sqlite/migration/Migrator.js"
import { MIGRATION_STEPS } from "../src/backends/sqlite/migration/MigrationSteps.js"
import { PgClient } from "@effect/sql-pg"
import { Redacted } from "effect"
import { migratePostgres } from "../src/backends/postgres/PgMigrator.js"
import { pgMigrationSteps } from "../src/backends/postgres/PgMigrationSteps.js"

const HELP = `Usage: npm run migrate -- [--live PATH] [--archive PATH] [--dry-run]
       npm run migrate -- --postgres URL [--dry-run]
       node --import tsx scripts/migrate.ts [options]

Brings each present SQLite file (live, then archive) up to the current schema version:
${MIGRATION_STEPS.map((s) => `  v${s.version} ${s.name.padEnd(14)} ${s.description}`).join("\n")}

Options:
  --live PATH      the live file (default: LIVE_DB_PATH or ./data/production_analysis.db)
  --archive PATH   the archive file (default: ARCHIVE_DB_PATH or ./data/archive_2025.db)
  --dry-run        print every statement it would run; the files stay byte-for-byte unchanged
  --help           this text

Versioned: applied steps are recorded in each file (table schema_migrations); a second run changes nothing and
says so. Each step is atomic. Backfills run month by month, each month in its own short write transaction, so
a loader writing meanwhile waits briefly (busy_timeout) and loses nothing; steps that hold the write lock for
their whole duration (index builds, the dimensions backfill) say so and report how long they took. Triggers keep
every derived table exact after the migration, whoever writes and however (INSERT OR REPLACE included). A path
you name must exist (it is never created); a default path that is absent is skipped. A file that is not SQLite,
or whose production_records table lacks a column, is refused with a message naming it. Ends with PRAGMA
integrity_check per file.

With --postgres URL (postgres://user@host:port/db), brings that PostgreSQL database up to the current schema
instead (the SQLite files are left alone):
${pgMigrationSteps("CUTOVER_DATE")
  .map((s) => `  v${s.version} ${s.name.padEnd(14)} ${s.description}`)
  .join("\n")}
Each step runs in one transaction with its row in schema_migrations (a second run changes nothing); --dry-run
prints the pending steps' SQL as a script and changes nothing. The cutover date (CUTOVER_DATE, default
2026-01-01) decides each record's source and is recorded in the database; a database migrated with another one
is refused. More year partitions: SELECT production_records_add_year(2031). See docs/postgres.md.`

const { values } = parseArgs({
  options: {
    live: { type: "string" },
    postgres: { type: "string" },
    archive: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})

if (values.help) {
  console.log(HELP)
  process.exit(0)
}

if (values.live !== undefined) process.env.LIVE_DB_PATH = values.live
if (values.archive !== undefined) process.env.ARCHIVE_DB_PATH = values.archive

const postgresProgram = (url: string) =>
  Effect.gen(function* () {
    const { cutover } = yield* DbTargets
    const started = Date.now()
    const report = yield* migratePostgres({ cutover, dryRun: values["dry-run"] })
    if (report.status === "dry run") return
    yield* Console.log(
      `postgres: ${report.status}${report.applied.length > 0 ? ` (${report.applied.join(", ")})` : ""}`
    )
    yield* Console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`)
  }).pipe(
    Effect.provide(
      Layer.mergeAll(Layer.fresh(DbTargets.Default), PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
    ),
    Effect.catchTag("PgMigrationRefused", (e) =>
      Console.error(`migrate: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(1))))
    ),
    Effect.catchTag("SqlError", (e) =>
      Console.error(`migrate: ${e.message}: ${String(e.cause)}`).pipe(
        Effect.zipRight(Effect.sync(() => process.exit(1)))
      )
    )
  )

const sqliteProgram = Effect.gen(function* () {
  const targets = yield* DbTargets
  const started = Date.now()
  for (const target of [targets.live, targets.archive]) {
    const report = yield* migrateFile(target, { dryRun: values["dry-run"] })
    yield* Console.log(
      `${report.file}: ${report.status}${report.applied.length > 0 ? ` (${report.applied.join(", ")})` : ""}`
    )
  }
  yield* Console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`)
}).pipe(
  Effect.catchTag("MigrationRefused", (e) =>
    Console.error(`migrate: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(1))))
  ),
  Effect.provide(Layer.fresh(DbTargets.Default))
)

NodeRuntime.runMain(values.postgres !== undefined ? postgresProgram(values.postgres) : sqliteProgram)
