import Database from "better-sqlite3"
import { parseArgs } from "node:util"
import { DEFAULT_ARCHIVE_DB_PATH, DEFAULT_LIVE_DB_PATH } from "../src/config/DbTargets.js"
import { FOLD_CONTAINS_SQL_FUNCTION, foldedContains } from "../src/domain/TextFold.js"
import { queryShapes } from "../src/backends/sqlite/engine/optimized/QueryShapes.js"
import { Effect } from "effect"
import { analyzePostgres } from "./pg/AnalyzePg.js"

const HELP = `Usage: npm run analyze-indexes -- [--live PATH] [--archive PATH]
       npm run analyze-indexes -- --postgres URL

Runs EXPLAIN QUERY PLAN for every statement shape the optimized query engine issues (src/backends/sqlite/engine/optimized/
QueryShapes.ts) against each given migrated file, prints one table per file (shape, plan), and exits 1 if
any shape scans production_records without an index ("SCAN production_records" with no index), else 0.

With --postgres: EXPLAIN (FORMAT JSON) of every statement shape of the PostgreSQL engine
(src/backends/postgres/engine/PgRecordShapes.ts, PgSummaryShapes.ts) with sample values from the database's own
data (its latest date, a record of that day, a word of its item's name); one line a shape (the tables and indexes
it reads); exits 1 if any plan reads production_records or one of its partitions by a sequential scan (every
partition has indexes), else 0. Plans on a small database may rightly prefer a scan: analyze a database of
realistic size.

Options:
  --postgres URL   a migrated PostgreSQL database (postgres://user@host:port/db) instead of the SQLite files
  --live PATH      the live file (default: LIVE_DB_PATH or ${DEFAULT_LIVE_DB_PATH})
  --archive PATH   the archive file (default: ARCHIVE_DB_PATH or ${DEFAULT_ARCHIVE_DB_PATH}); skipped when absent
  --help           this text`

const { values } = parseArgs({
  options: {
    live: { type: "string" },
    archive: { type: "string" },
    postgres: { type: "string" },
    help: { type: "boolean", default: false }
  }
})
if (values.help) {
  console.log(HELP)
  process.exit(0)
}
if (values.postgres !== undefined) {
  const seqScans = await Effect.runPromise(analyzePostgres(values.postgres))
  process.exit(seqScans === 0 ? 0 : 1)
}

/** A plan line that reads the base table row by row from start to end. */
const isFullScan = (detail: string) => /^SCAN production_records\b(?!.*USING (COVERING )?INDEX)/.test(detail)

const files = [
  { file: "live", path: values.live ?? process.env.LIVE_DB_PATH ?? DEFAULT_LIVE_DB_PATH },
  { file: "archive", path: values.archive ?? process.env.ARCHIVE_DB_PATH ?? DEFAULT_ARCHIVE_DB_PATH }
]

let fullScans = 0
for (const { file, path } of files) {
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch {
    console.log(`${file}: ${path} absent, skipped`)
    continue
  }
  db.function(FOLD_CONTAINS_SQL_FUNCTION, { deterministic: true }, (h, n) =>
    foldedContains(String(h), String(n)) ? 1 : 0
  )
  console.log(`\n${file}: ${path}`)
  const shapes = queryShapes()
  const width = Math.max(...shapes.map((s) => s.name.length))
  for (const shape of shapes) {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${shape.statement.sql}`).all(...shape.statement.params) as Array<{
      detail: string
    }>
    const scans = plan.filter((p) => isFullScan(p.detail))
    fullScans += scans.length
    const details = plan.map((p) => p.detail).join(" | ")
    console.log(`${scans.length > 0 ? "FULL SCAN " : "ok        "}${shape.name.padEnd(width)}  ${details}`)
  }
  db.close()
}
console.log(fullScans === 0 ? "\nno shape scans production_records without an index" : `\n${fullScans} full scan(s)`)
process.exit(fullScans === 0 ? 0 : 1)
