import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { isMigrated, schemaVersion } from "../../src/backends/sqlite/migration/MigrationState.js"
import { LATEST_SCHEMA_VERSION, MIGRATION_STEPS } from "../../src/backends/sqlite/migration/MigrationSteps.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import {
  applyStepsUpTo,
  createRecordsFile,
  randomRecords,
  seededRng,
  silently,
  tempDir,
  withDb
} from "../support/fixtures.js"

const state = (file: string) => withDb(file, (db) => ({ migrated: isMigrated(db), version: schemaVersion(db) }))

describe("MigrationState", () => {
  it("the latest version is the last step's", () => {
    expect(LATEST_SCHEMA_VERSION).toBe(Math.max(...MIGRATION_STEPS.map((s) => s.version)))
  })

  it.scoped("isMigrated / schemaVersion: false / 0 before, the version reached in between, true / latest after", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir()
      const file = path.join(dir, "live.db")
      createRecordsFile(file, randomRecords(seededRng(1), 100, { from: "2026-01-01", to: "2026-01-31" }))
      expect(state(file)).toEqual({ migrated: false, version: 0 })

      applyStepsUpTo(file, 3)
      expect(state(file)).toEqual({ migrated: false, version: 3 })

      yield* silently(migrateFile({ file: "live", path: file, explicit: true }, { dryRun: false }))
      expect(state(file)).toEqual({ migrated: true, version: LATEST_SCHEMA_VERSION })
    })
  )
})
