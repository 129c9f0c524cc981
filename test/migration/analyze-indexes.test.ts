import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { generateDataset } from "../../src/seed/GenerateDataset.js"
import { silently, tempDir } from "../support/fixtures.js"

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const SCRIPT = fileURLToPath(new URL("../../scripts/analyze-indexes.ts", import.meta.url))

const analyze = (live: string, archive: string) =>
  spawnSync(process.execPath, ["--import", TSX, SCRIPT, "--live", live, "--archive", archive], { encoding: "utf8" })

/** A small realistic data set (the seed generator), migrated. */
const migratedFiles = (dir: string) =>
  Effect.gen(function* () {
    const live = path.join(dir, "live.db")
    const archive = path.join(dir, "archive.db")
    generateDataset({
      livePath: live,
      archivePath: archive,
      from: "2025-10-01",
      to: "2026-03-31",
      cutover: "2026-01-01",
      rowsPerDay: 40,
      seed: 7
    })
    for (const [file, p] of [
      ["live", live],
      ["archive", archive]
    ] as const) {
      yield* silently(migrateFile({ file, path: p, explicit: true }, { dryRun: false }))
    }
    return { live, archive }
  })

describe("scripts/analyze-indexes.ts", () => {
  it.scoped("plans every statement shape on a small migrated data set and finds no full scan", () =>
    Effect.gen(function* () {
      const { live, archive } = yield* migratedFiles(yield* tempDir())
      const run = analyze(live, archive)
      expect(run.stderr).toBe("")
      expect(run.status).toBe(0)
      const rows = run.stdout.split("\n").filter((l) => /^(ok|FULL SCAN)\s/.test(l))
      // Every shape of both files: /records filter combinations (first and keyset pages), items, lines, summaries.
      expect(rows.length).toBeGreaterThan(100)
      expect(rows.every((l) => l.startsWith("ok"))).toBe(true)
      expect(run.stdout).toContain("no shape scans production_records without an index")
      // By item over all lines: one run of the dense totals' key, a key seek per item at the day before.
      expect(run.stdout).toMatch(
        /^ok\s+summary_by_item\s+SEARCH a USING PRIMARY KEY \(period=\?\).*SEARCH b USING PRIMARY KEY \(period=\? AND item_code=\?\)/m
      )
    })
  )

  it.scoped("exits 1 and names the shapes when an index the plans need is missing", () =>
    Effect.gen(function* () {
      const { live, archive } = yield* migratedFiles(yield* tempDir())
      const db = new Database(live)
      db.exec("DROP INDEX idx_records_date; DROP INDEX idx_production_date_item; ANALYZE")
      db.close()
      const run = analyze(live, archive)
      expect(run.status).toBe(1)
      expect(run.stdout).toMatch(/^FULL SCAN\s+records\[none\]/m)
    })
  )
})
