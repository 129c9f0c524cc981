/**
 * A plant loader in a process of its own: inserts one record into the live file every `intervalMs`, dated `date`,
 * with lot numbers `<prefix><n>`, on its own better-sqlite3 connection (WAL, busy_timeout, automatic checkpoints
 * as SQLite does them). Prints each committed id on a line of its own once its transaction has committed, and on
 * SIGTERM stops, prints `done <committed> <busy retries>` and exits 0.
 *
 *   node --import tsx test/reliability/loader.ts <file> <date> <lot prefix> <interval ms>
 */
import Database from "better-sqlite3"

const [file, date, prefix, interval] = process.argv.slice(2)
if (file === undefined || date === undefined || prefix === undefined || interval === undefined) {
  console.error("usage: loader.ts <file> <date> <lot prefix> <interval ms>")
  process.exit(2)
}

const db = new Database(file, { fileMustExist: true })
db.pragma("busy_timeout = 5000")
db.pragma("synchronous = NORMAL")
const insert = db.prepare(
  `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
   VALUES (?, ?, ?, ?, ?, ?, ?)`
)

let n = 0
let busy = 0
let stopping = false

const tick = () => {
  if (stopping) return
  const k = n
  try {
    const { lastInsertRowid } = insert.run(
      date,
      `ITM-00${k % 5}`,
      `Widget ${k % 5}`,
      `${prefix}${k}`,
      `L0${k % 3}`,
      k % 97,
      k % 5
    )
    n++
    process.stdout.write(`${lastInsertRowid}\n`)
  } catch (error) {
    // Busy past the timeout: the same record is tried again on the next tick.
    if (error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY")) busy++
    else throw error
  }
  setTimeout(tick, Number(interval))
}

process.on("SIGTERM", () => {
  stopping = true
  db.close()
  process.stdout.write(`done ${n} ${busy}\n`)
  process.exit(0)
})

tick()
