import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { PgClient } from "@effect/sql-pg"
import { Console, Effect, Layer, Redacted } from "effect"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { DbTargets } from "../src/config/DbTargets.js"
import { formatSummary, importIntoPostgres } from "../src/backends/postgres/PgImport.js"

const DEFAULT_BATCH = 50_000
const DEFAULT_PROGRESS_EVERY = 10

const HELP = `Usage: npm run import -- --postgres URL --live PATH --archive PATH [--batch-size N] [--progress-every N]
       node --import tsx scripts/import.ts [options]

Copies what the SQLite service serves into the PostgreSQL database at URL: the archive file's records dated
before the cutover (CUTOVER_DATE, default 2026-01-01) and the live file's dated on or after it.

Options:
  --postgres URL        the target database (postgres://user@host:port/db); migrated first if it is not
                        (as npm run migrate -- --postgres URL would; one migrated with another cutover is refused)
  --live PATH           the live SQLite file (default: LIVE_DB_PATH or ./data/production_analysis.db)
  --archive PATH        the archive SQLite file (default: ARCHIVE_DB_PATH or ./data/archive_2025.db)
  --batch-size N        records read and committed at a time (default ${DEFAULT_BATCH})
  --progress-every N    without a terminal on stderr, a progress line every N batches (default ${DEFAULT_PROGRESS_EVERY})
  --help                this text

How: each file is opened read-only and read in batches in id order. Each batch is written with
COPY ... FROM STDIN in one transaction together with the file's position in table import_state, so an import
interrupted at any moment (Ctrl-C, kill, a lost connection) resumes where the last committed batch ended when run
again with the same files: no record twice, none missed. A run after a finished import does nothing. A year
partition is added (production_records_add_year) for every year a file holds before its records are copied.

Ids are kept as in the files; they collide across the two files but never within a date, which with the date
keys a record. source is live on or after the cutover, archive before, as the SQLite service answers. A record
filed in the wrong file (an archive record dated on or after the cutover, a live one before it), which the SQLite
service never returns, is skipped, counted and listed in table import_skipped; so is one whose production_date
is not a real YYYY-MM-DD date (PostgreSQL cannot hold it).

At the end the identity of production_records.id moves above every imported id (a loader's INSERT without an id
gets a new one), ANALYZE runs (unless every file was already imported), and a summary is printed: records copied and skipped per file with a few
examples, the time and the database size. Progress (rows/s, ETA) goes to stderr: a bar on a terminal, else a
line every --progress-every batches.

Refused: a database whose production_records already holds records no import copied; a resumed import naming
another file path than the one it started from; two imports into one database at once. Stop the loaders (or
point them at PostgreSQL) first: a record a loader changes in a file after the import has read it is not seen.
See docs/postgres.md.`

const { values } = parseArgs({
  options: {
    postgres: { type: "string" },
    live: { type: "string" },
    archive: { type: "string" },
    "batch-size": { type: "string" },
    "progress-every": { type: "string" },
    help: { type: "boolean", default: false }
  }
})

if (values.help) {
  console.log(HELP)
  process.exit(0)
}

const positive = (name: string, value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value)
  if (!Number.isInteger(n) || n < 1) {
    console.error(`import: --${name} must be a positive integer, not ${value}`)
    process.exit(2)
  }
  return n
}

if (values.postgres === undefined) {
  console.error("import: --postgres URL is required (see --help)")
  process.exit(2)
}
const url = values.postgres
const batchSize = positive("batch-size", values["batch-size"], DEFAULT_BATCH)
const everyBatches = positive("progress-every", values["progress-every"], DEFAULT_PROGRESS_EVERY)
if (values.live !== undefined) process.env.LIVE_DB_PATH = values.live
if (values.archive !== undefined) process.env.ARCHIVE_DB_PATH = values.archive

const program = Effect.gen(function* () {
  const { live, archive, cutover } = yield* DbTargets
  const summary = yield* importIntoPostgres({
    url,
    files: [archive, live].map((t) => ({ file: t.file, path: path.resolve(t.path) })),
    cutover,
    batchSize,
    progress: { tty: process.stderr.isTTY === true, everyBatches, write: (text) => process.stderr.write(text) }
  })
  yield* Console.log(formatSummary(summary))
}).pipe(
  Effect.provide(
    Layer.mergeAll(Layer.fresh(DbTargets.Default), PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))
  ),
  Effect.catchTags({
    PgImportFailed: (e) =>
      Console.error(`import: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(1)))),
    PgMigrationRefused: (e) =>
      Console.error(`import: ${e.message}`).pipe(Effect.zipRight(Effect.sync(() => process.exit(1)))),
    SqlError: (e) =>
      Console.error(`import: ${e.message}: ${String(e.cause)}`).pipe(
        Effect.zipRight(Effect.sync(() => process.exit(1)))
      )
  })
)

NodeRuntime.runMain(program)
