/**
 * What the migration's triggers cost a loader: plain INSERTs (and INSERT OR REPLACE of existing ids) on two
 * migrated copies of the same un-migrated file, one at an earlier schema version and one at the latest, rounds
 * alternating between them. Inserted records are dated the file's last day, with the items and lines of that day,
 * as a plant's loader writes "today". For before/after checks of a migration step, e.g. v11 → v12:
 *   npm run seed -- --out /tmp/seed && node --import tsx scripts/loader-cost.ts /tmp/seed/production_analysis.db
 */
import Database from "better-sqlite3"
import { type Console, Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { LATEST_SCHEMA_VERSION } from "../src/backends/sqlite/migration/MigrationSteps.js"
import { migrateFile } from "../src/backends/sqlite/migration/Migrator.js"

const HELP = `Usage: node --import tsx scripts/loader-cost.ts RAW_FILE [--from-version N] [--rows N] [--rounds N]

RAW_FILE: an un-migrated file (as npm run seed writes it); it is copied, never changed.
  --from-version N   the earlier schema version [${LATEST_SCHEMA_VERSION - 1}]; the other copy is at v${LATEST_SCHEMA_VERSION}
  --rows N           records per measurement [2000]
  --rounds N         rounds, each measuring both copies in turn (order swapped every round) [5]

Each round, per copy: N INSERTs in one transaction (rolled back); N INSERTs each its own transaction
(synchronous=NORMAL, as a WAL loader; deleted afterwards, untimed); N INSERT OR REPLACE of existing ids of the
last day in one transaction (rolled back). Prints records per second per mode and version, median and range of
the rounds, of wall-clock time and of this process's CPU time (user + system: on a shared machine, what the
statements cost rather than what the other processes left of the cores).`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "from-version": { type: "string", default: String(LATEST_SCHEMA_VERSION - 1) },
    rows: { type: "string", default: "2000" },
    rounds: { type: "string", default: "5" },
    help: { type: "boolean", default: false }
  }
})
const raw = positionals[0]
if (values.help || raw === undefined) {
  console.log(HELP)
  process.exit(values.help ? 0 : 2)
}
const rows = Number(values.rows)
const rounds = Number(values.rounds)
const versions = [Number(values["from-version"]), LATEST_SCHEMA_VERSION] as const

const silent: Console.Console = new Proxy({} as Console.Console, {
  get: (_, key) => (key === "unsafe" ? new Proxy({}, { get: () => () => undefined }) : () => Effect.void)
})

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-loader-cost-"))
try {
  const files = versions.map((v) => path.join(dir, `v${v}.db`))
  for (const [i, file] of files.entries()) {
    fs.copyFileSync(raw, file)
    const run = migrateFile({ file: "live", path: file, explicit: true }, { dryRun: false, upTo: versions[i]! })
    await Effect.runPromise(Effect.withConsole(run, silent))
  }

  type Mode = "insert, one transaction" | "insert, a transaction each" | "insert or replace, one transaction"
  interface Took {
    readonly wall: number
    readonly cpu: number
  }
  const results = new Map<string, Array<Took>>()
  const record = (mode: Mode, version: number, took: Took) => {
    const key = `${mode}|${version}`
    results.set(key, [...(results.get(key) ?? []), took])
  }

  const measure = (file: string, version: number) => {
    const db = new Database(file, { fileMustExist: true })
    try {
      db.pragma("synchronous = NORMAL")
      const day = db.prepare(`SELECT max(production_date) FROM production_records`).pluck().get() as string
      const sample = db
        .prepare(`SELECT * FROM production_records WHERE production_date = ? ORDER BY id`)
        .all(day) as Array<Record<string, string | number>>
      const insert = db.prepare(
        `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
         VALUES (@production_date, @item_code, @item_name, @lot_number, @line_code, @good_quantity, @defect_quantity)`
      )
      const replace = db.prepare(
        `INSERT OR REPLACE INTO production_records (id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
         VALUES (@id, @production_date, @item_code, @item_name, @lot_number, @line_code, @good_quantity + 1, @defect_quantity)`
      )
      const nth = (k: number) => sample[k % sample.length]!
      const timed = (f: () => void): Took => {
        const start = performance.now()
        const cpu = process.cpuUsage()
        f()
        const used = process.cpuUsage(cpu)
        return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 }
      }
      const rolledBack = (f: () => void) =>
        timed(() => {
          db.exec("BEGIN")
          try {
            f()
          } finally {
            db.exec("ROLLBACK")
          }
        })
      record(
        "insert, one transaction",
        version,
        rolledBack(() => {
          for (let k = 0; k < rows; k++) insert.run(nth(k))
        })
      )
      const first = (db.prepare(`SELECT max(id) FROM production_records`).pluck().get() as number) + 1
      record(
        "insert, a transaction each",
        version,
        timed(() => {
          for (let k = 0; k < rows; k++) insert.run(nth(k))
        })
      )
      db.prepare(`DELETE FROM production_records WHERE id >= ?`).run(first)
      record(
        "insert or replace, one transaction",
        version,
        rolledBack(() => {
          for (let k = 0; k < rows; k++) replace.run(nth(k))
        })
      )
    } finally {
      db.close()
    }
  }

  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0]
    for (const i of order) measure(files[i]!, versions[i]!)
  }

  const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const fmt = (x: number) => Math.round(x).toLocaleString("en-US")
  const rates = (xs: ReadonlyArray<number>) => {
    const perSecond = xs.map((seconds) => rows / seconds)
    return `${fmt(median(perSecond))} (${fmt(Math.min(...perSecond))}-${fmt(Math.max(...perSecond))})`
  }
  console.log(`${raw}: ${rows} records per measurement, ${rounds} rounds; records/s, median (range)`)
  for (const mode of ["insert, one transaction", "insert, a transaction each", "insert or replace, one transaction"]) {
    for (const v of versions) {
      const took = results.get(`${mode}|${v}`)!
      const wall = rates(took.map((t) => t.wall))
      const cpu = rates(took.map((t) => t.cpu))
      console.log(`  ${mode.padEnd(36)} v${String(v).padEnd(3)} wall ${wall.padEnd(24)} per CPU second ${cpu}`)
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
