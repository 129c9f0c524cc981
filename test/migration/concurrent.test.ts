import { describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as path from "node:path"
import { Effect, Fiber } from "effect"
import { MIGRATION_STEPS } from "../../src/backends/sqlite/migration/MigrationSteps.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import {
  actualDerived,
  applyStepsUpTo,
  createRecordsFile,
  datesBetween,
  expectedDerived,
  randomRecords,
  seededRng,
  silently,
  stepsAfter,
  tempDir,
  withDb
} from "../support/fixtures.js"

const SQLITE_MODULE = createRequire(import.meta.url).resolve("better-sqlite3")

/**
 * An outside loader in its own process: inserts one record per `BEGIN IMMEDIATE` transaction in a loop, retrying
 * on SQLITE_BUSY, and counts only what `COMMIT` confirmed. Says "started" after 50 commits; on "stop" it reports
 * `{ committed, busy }`. Dates cycle through `DATES`, which may include months the file had no data for.
 */
const LOADER = `
const Database = require(process.env.SQLITE_MODULE)
const db = new Database(process.env.DB_FILE, { fileMustExist: true })
db.pragma("busy_timeout = 2000")
const dates = JSON.parse(process.env.DATES)
const insert = db.prepare("INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) VALUES (?, ?, ?, ?, ?, ?, ?)")
const isBusy = (e) => typeof e.code === "string" && (e.code.startsWith("SQLITE_BUSY") || e.code.startsWith("SQLITE_LOCKED"))
let committed = 0, busy = 0, stopping = false
process.on("message", (m) => { if (m === "stop") stopping = true })
const commitOne = () => {
  for (;;) {
    try {
      db.exec("BEGIN IMMEDIATE")
      const n = committed
      insert.run(dates[(n * 7919) % dates.length], "ITM-00" + (n % 9), "Loader " + (n % 9), "W" + n, "L0" + (n % 5), n % 100, n % 3)
      db.exec("COMMIT")
      committed++
      return
    } catch (e) {
      if (!isBusy(e)) throw e
      busy++
      if (db.inTransaction) db.exec("ROLLBACK")
    }
  }
}
// One commit per timer tick: a loader that pauses between commits, as real ones do (a loop with no pause at all
// starves every other writer's busy handler, in or out of a migration).
const tick = () => {
  commitOne()
  if (committed === 50) process.send("started")
  if (!stopping) return setTimeout(tick, 0)
  db.close()
  process.send({ committed, busy }, () => process.disconnect())
}
tick()
`

/** Holds the write lock with one uncommitted insert (dated `DATE`) for `HOLD_MS`, then commits. */
const LOCK_HOLDER = `
const Database = require(process.env.SQLITE_MODULE)
const db = new Database(process.env.DB_FILE, { fileMustExist: true })
db.exec("BEGIN IMMEDIATE")
db.prepare("INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) VALUES (?, 'ITM-900', 'Late item', 'LATE1', 'L99', 7, 1)").run(process.env.DATE)
process.send("holding")
setTimeout(() => {
  db.exec("COMMIT")
  db.close()
  process.send("committed", () => process.disconnect())
}, Number(process.env.HOLD_MS))
`

/** A Node child running `code`, killed when the scope closes if still running. */
const child = (code: string, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["-e", code], {
        env: { ...process.env, SQLITE_MODULE, ...env },
        stdio: ["ignore", "inherit", "inherit", "ipc"]
      })
    ),
    (c) => Effect.sync(() => c.exitCode === null && c.kill())
  )

const nextMessage = <A>(c: ChildProcess, accept: (m: unknown) => m is A) =>
  Effect.async<A, Error>((resume) => {
    const onMessage = (m: unknown) => {
      if (!accept(m)) return
      cleanup()
      resume(Effect.succeed(m))
    }
    const onExit = (code: number | null) => {
      cleanup()
      resume(Effect.fail(new Error(`child exited with ${code} before the expected message`)))
    }
    const cleanup = () => {
      c.off("message", onMessage)
      c.off("exit", onExit)
    }
    c.on("message", onMessage)
    c.on("exit", onExit)
  })

const is =
  <S extends string>(s: S) =>
  (m: unknown): m is S =>
    m === s
const isReport = (m: unknown): m is { committed: number; busy: number } =>
  typeof m === "object" && m !== null && "committed" in m

const count = (file: string, where = "1") =>
  withDb(
    file,
    (db) => (db.prepare(`SELECT count(*) AS n FROM production_records WHERE ${where}`).get() as { n: number }).n
  )

const migrate = (file: string) => silently(migrateFile({ file: "live", path: file, explicit: true }, { dryRun: false }))

describe("migration while another process writes", () => {
  it.scopedLive(
    "loses no row, leaves the rollups exact and the file intact",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir()
        const file = path.join(dir, "live.db")
        const initial = randomRecords(seededRng(7), 30_000, { from: "2025-01-01", to: "2026-03-31", items: 40 })
        createRecordsFile(file, initial)
        // The loader also writes months the file has no data for yet.
        const dates = JSON.stringify(datesBetween("2025-01-01", "2026-09-30"))
        const loader = yield* child(LOADER, { DB_FILE: file, DATES: dates })
        yield* nextMessage(loader, is("started"))

        const beforeMigration = count(file, "lot_number LIKE 'W%'")
        const report = yield* migrate(file)
        const afterMigration = count(file, "lot_number LIKE 'W%'")
        loader.send("stop")
        const { committed } = yield* nextMessage(loader, isReport)

        expect(report.status).toBe("migrated")
        expect(report.integrity).toBe("ok")
        expect(afterMigration).toBeGreaterThan(beforeMigration)
        expect(count(file)).toBe(initial.length + committed)
        expect(count(file, "lot_number LIKE 'W%'")).toBe(committed)
        withDb(file, (db) => {
          expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
          expect(actualDerived(db)).toEqual(expectedDerived(db))
        })
      }),
    30_000
  )

  // A writer holding the lock while a step begins: the WAL switch must wait for it (SQLite does not), and a month it
  // writes first while the rollups step starts must still be backfilled.
  it.scopedLive.each([
    { step: "the WAL switch", upTo: 0, date: "2026-02-10", applied: MIGRATION_STEPS.map((s) => s.name) },
    {
      step: "the rollups step",
      upTo: 5,
      date: "2026-06-15",
      applied: stepsAfter(5)
    }
  ])("a write transaction open as $step begins is waited for, and its record counted", ({ upTo, date, applied }) =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const file = path.join(dir, "live.db")
      createRecordsFile(file, randomRecords(seededRng(8), 500, { from: "2026-01-01", to: "2026-02-28" }))
      if (upTo > 0) applyStepsUpTo(file, upTo)
      const holder = yield* child(LOCK_HOLDER, { DB_FILE: file, DATE: date, HOLD_MS: "500" })
      yield* nextMessage(holder, is("holding"))
      const committed = yield* Effect.fork(nextMessage(holder, is("committed")))

      const report = yield* migrate(file)
      yield* Fiber.join(committed)

      expect(report.applied).toEqual(applied)
      expect(count(file)).toBe(501)
      withDb(file, (db) => {
        const late = db.prepare(`SELECT period, cnt FROM rollup_month_item WHERE item_code = 'ITM-900'`).all()
        expect(late).toEqual([{ period: date.slice(0, 7), cnt: 1 }])
        expect(actualDerived(db)).toEqual(expectedDerived(db))
      })
    })
  )
})
