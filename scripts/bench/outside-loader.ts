/**
 * The outside loader of the benchmark's reads-under-writes comparison, in a process of its own (POSIX locks are
 * per process: only a separate process writes as the plant's loaders do). Every `interval ms` it opens a
 * connection to `file`, inserts one record of the seven data columns dated `date` (lot `<prefix><n>`; its item and
 * line the next of `targets`, in turn), which commits, and closes the connection: the way most scripts and ETL
 * tools write. Nothing but better-sqlite3's
 * defaults (5 s busy timeout, the file's own journal mode). A slot missed while a commit took longer is skipped.
 *
 * Prints `commit <lot> <epoch ms>` after each commit, the time taken when the INSERT returned, as
 * `performance.timeOrigin + performance.now()` (comparable with the same clock in another process of this
 * machine); `failed <message>` for a commit that failed; on SIGTERM, between commits, `done <commits> <failures>`,
 * and exits 0.
 *
 *   node --import tsx scripts/bench/outside-loader.ts <file> <date> <lot prefix> <interval ms> <targets>
 * <targets>: JSON, a list of {"item_code", "item_name", "line_code"}.
 */
import Database from "better-sqlite3"

interface Target {
  readonly item_code: string
  readonly item_name: string
  readonly line_code: string
}

const args = process.argv.slice(2)
if (args.length !== 5 || !(Number(args[3]) > 0)) {
  console.error("usage: outside-loader.ts <file> <date> <lot prefix> <interval ms> <targets JSON>")
  process.exit(2)
}
const [file, date, prefix, interval, targetsJson] = args as [string, string, string, string, string]
const intervalMs = Number(interval)
const targets = JSON.parse(targetsJson) as ReadonlyArray<Target>
if (targets.length === 0) {
  console.error("outside-loader.ts: no targets")
  process.exit(2)
}

const INSERT = `INSERT INTO production_records
  (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
  VALUES (?, ?, ?, ?, ?, ?, ?)`

const started = performance.now()
let commits = 0
let failures = 0
let timer: NodeJS.Timeout | undefined

const commitOne = () => {
  const lot = `${prefix}${String(commits).padStart(6, "0")}`
  let db: Database.Database | undefined
  try {
    db = new Database(file, { fileMustExist: true })
    const target = targets[commits % targets.length]!
    db.prepare(INSERT).run(
      date,
      target.item_code,
      target.item_name,
      lot,
      target.line_code,
      50 + (commits % 50),
      commits % 3
    )
    const at = performance.timeOrigin + performance.now()
    db.close()
    commits++
    process.stdout.write(`commit ${lot} ${at.toFixed(3)}\n`)
  } catch (error) {
    if (db?.open === true) db.close()
    failures++
    process.stdout.write(`failed ${(error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ")}\n`)
  }
}

const tick = () => {
  commitOne()
  const slot = Math.ceil((performance.now() - started) / intervalMs)
  timer = setTimeout(tick, Math.max(0, started + slot * intervalMs - performance.now()))
}

process.once("SIGTERM", () => {
  clearTimeout(timer)
  process.stdout.write(`done ${commits} ${failures}\n`)
  process.exit(0)
})

tick()
