import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { MIGRATION_STEPS } from "../../src/backends/sqlite/migration/MigrationSteps.js"
import {
  applyStepsUpTo,
  createRecordsFile,
  randomRecords,
  seededRng,
  sha256File,
  stepsAfter,
  tempDir,
  withDb
} from "../support/fixtures.js"

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const SCRIPT = fileURLToPath(new URL("../../scripts/migrate.ts", import.meta.url))

/**
 * `node --import tsx scripts/migrate.ts ARGS` in `cwd` (a temp dir, so that the default paths ./data/... are
 * absent there), without the environment's file paths or pragma set.
 */
const runCli = (args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const env = { ...process.env }
    for (const name of ["LIVE_DB_PATH", "ARCHIVE_DB_PATH", "SQLITE_PRAGMAS"]) delete env[name]
    const child = spawn(process.execPath, ["--import", TSX, SCRIPT, ...args], { cwd, env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

const records = (seed: number) => randomRecords(seededRng(seed), 400, { from: "2025-12-01", to: "2026-02-28" })

/** A file with records and no derived objects; `upTo` applies the steps up to that version first. */
const recordsFile = (dir: string, name: string, upTo = 0) => {
  const file = path.join(dir, name)
  createRecordsFile(file, records(upTo + 1))
  if (upTo > 0) applyStepsUpTo(file, upTo)
  return file
}

const fileWithoutDefects = (dir: string) => {
  const file = path.join(dir, "old.db")
  withDb(
    file,
    (db) =>
      db.exec(`CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT,
        item_name TEXT, lot_number TEXT, line_code TEXT, good_quantity INTEGER)`),
    { create: true }
  )
  return file
}

describe.concurrent("scripts/migrate.ts", () => {
  it.scoped(
    "--dry-run prints every statement and leaves an un-migrated and a half-migrated file byte-for-byte unchanged",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir()
        const live = recordsFile(dir, "live.db")
        const archive = recordsFile(dir, "archive.db", 3)
        const hashes = [sha256File(live), sha256File(archive)]
        const { code, stdout, stderr } = yield* runCli(["--live", live, "--archive", archive, "--dry-run"], dir)

        expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
        expect([sha256File(live), sha256File(archive)]).toEqual(hashes)
        const [liveOut = "", archiveOut = ""] = stdout.split(/^archive: /m)
        expect(liveOut).toContain(`${MIGRATION_STEPS.length} step(s) to apply (dry run: printing, changing nothing)`)
        expect(liveOut).toContain("PRAGMA journal_mode = WAL;")
        expect(liveOut).toContain("CREATE INDEX IF NOT EXISTS idx_lot_number ON production_records (lot_number);")
        expect(liveOut).toContain(
          "CREATE TRIGGER IF NOT EXISTS track_changes_insert AFTER INSERT ON production_records"
        )
        expect(archiveOut).toContain(`${stepsAfter(3).length} step(s) to apply (dry run: printing, changing nothing)`)
        expect(archiveOut).not.toContain("CREATE INDEX IF NOT EXISTS idx_lot_number")
        expect(archiveOut).toContain("CREATE TABLE IF NOT EXISTS rollup_month_item_line")
        // The rollup backfill, month by month, with the month filled in.
        for (const month of ["2025-12", "2026-01", "2026-02"]) {
          expect(archiveOut).toContain(`DELETE FROM rollup_month_item WHERE period = '${month}';`)
        }
        // The dense totals by item (v9): printed, not created.
        expect(archiveOut).toContain("CREATE TABLE IF NOT EXISTS rollup_cum_item")
        // The replaced rows' table and triggers (v12): printed, not created.
        expect(archiveOut).toContain("CREATE TRIGGER IF NOT EXISTS replaced_records_stash_insert BEFORE INSERT")
        expect(stdout.split("\n")).toContain(`live: dry-run (${stepsAfter(0).join(", ")})`)
        expect(stdout.split("\n")).toContain(`archive: dry-run (${stepsAfter(3).join(", ")})`)
        withDb(archive, (db) =>
          expect(db.prepare(`SELECT version FROM schema_migrations`).pluck().all()).toEqual([1, 2, 3])
        )
      })
  )

  it.scoped("refuses a file whose table lacks a column: non-zero exit, the column named", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const live = fileWithoutDefects(dir)
      const hash = sha256File(live)
      const { code, stderr } = yield* runCli(["--live", live, "--archive", recordsFile(dir, "archive.db")], dir)

      expect(code).not.toBe(0)
      expect(stderr).toContain(`migrate: live file ${live}: production_records lacks column defect_quantity`)
      expect(sha256File(live)).toBe(hash)
    })
  )

  it.scoped("refuses a file that is not SQLite with a one-line message", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const live = path.join(dir, "live.db")
      fs.writeFileSync(live, "this is a CSV export, not a database\n".repeat(200))
      const { code, stderr } = yield* runCli(["--live", live, "--archive", recordsFile(dir, "archive.db")], dir)

      expect(code).not.toBe(0)
      expect(stderr).toBe(`migrate: live file ${live}: is not a readable SQLite database\n`)
    })
  )

  it.scoped("refuses a named path that does not exist and does not create it", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const live = path.join(dir, "nowhere", "live.db")
      const { code, stderr } = yield* runCli(["--live", live, "--archive", recordsFile(dir, "archive.db")], dir)

      expect(code).not.toBe(0)
      expect(stderr).toBe(`migrate: live file ${live} does not exist\n`)
      expect(fs.existsSync(path.dirname(live))).toBe(false)
    })
  )

  it.scoped("skips a default path that is absent, migrates the named one, and reports both", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const live = recordsFile(dir, "live.db")
      const { code, stdout, stderr } = yield* runCli(["--live", live], dir)

      expect({ code, stderr }).toEqual({ code: 0, stderr: "" })
      expect(stdout).toContain("archive: ./data/archive_2025.db absent, nothing to migrate")
      expect(stdout).toMatch(/^live: integrity_check: ok/m)
      expect(stdout.split("\n")).toContain(`live: migrated (${stepsAfter(0).join(", ")})`)
      expect(stdout).toMatch(/^archive: absent$/m)
      expect(fs.existsSync(path.join(dir, "data"))).toBe(false)
    })
  )
})
