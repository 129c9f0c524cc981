import Database from "better-sqlite3"
import { type Console, Effect } from "effect"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { inspectFile } from "../../src/backends/sqlite/db/FileInspection.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { generateDatasetEffect } from "../../src/seed/GenerateDataset.js"
import type { Scale } from "./Options.js"
import { progress } from "./Progress.js"
import { atExit } from "./ServerProcess.js"

export const CUTOVER = "2026-01-01"
const SEED = 42

export type DataFiles = Readonly<Record<DbFile, string>>

export interface BenchData {
  readonly dir: string
  /** Un-migrated files (the baseline's). */
  readonly raw: DataFiles
  /** Migrated copies (the service's). */
  readonly migrated: DataFiles
  /** Created for this run only (removed at its end). */
  readonly temporary: boolean
}

const FILES: ReadonlyArray<DbFile> = ["live", "archive"]

const filesIn = (dir: string): DataFiles => ({ live: join(dir, "live.db"), archive: join(dir, "archive.db") })

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`

const seed = (files: DataFiles, scale: Scale) =>
  Effect.runPromise(
    generateDatasetEffect({
      livePath: files.live,
      archivePath: files.archive,
      from: scale.from,
      to: scale.to,
      cutover: CUTOVER,
      rowsPerDay: scale.rowsPerDay,
      seed: SEED,
      force: true
    })
  )

// The migration narrates every step on the Console: silenced where it only builds a reference file.
const quiet: Console.Console = new Proxy({} as Console.Console, {
  get: (_, key) => (key === "unsafe" ? new Proxy({}, { get: () => () => undefined }) : () => Effect.void)
})

const migrate = (file: DbFile, path: string, silent = false) => {
  const run = migrateFile({ file, path, explicit: true }, { dryRun: false })
  return Effect.runPromise(silent ? Effect.withConsole(run, quiet) : run)
}

/** A file's schema (tables, indexes, triggers, views) as comparable text. */
const schemaOf = (path: string): string => {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    const rows = db
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
      .all() as Array<{ type: string; name: string; sql: string | null }>
    return rows.map((r) => `${r.type} ${r.name} ${(r.sql ?? "").replace(/\s+/g, " ")}`).join("\n")
  } finally {
    db.close()
  }
}

/**
 * The schema the current migration gives, from a tiny file seeded and migrated in a temp dir. Migration steps
 * are sometimes changed in place (same version number), so a cached migrated file is compared with this.
 */
const currentSchema = async (): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), "pa-bench-schema-"))
  try {
    const files = filesIn(dir)
    await seed(files, { rowsPerDay: 5, from: "2025-12-30", to: "2026-01-02" })
    await migrate("live", files.live, true)
    return schemaOf(files.live)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Replaces `path` by a fresh copy of `source`: unlinked first, so a hard-linked original is never written. */
const freshCopy = (source: string, path: string) => {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true })
  copyFileSync(source, path)
}

/**
 * The data cache: `raw/{live,archive}.db` (as the seed writes them) and `migrated/{live,archive}.db`. Whatever is
 * absent is built (seed, copy, migrate); a migrated file behind the latest version is migrated forward; one whose
 * schema is still not the current migration's (a step changed in place) is rebuilt from its raw copy; what is
 * current is used as it is.
 */
export const prepareData = async (dataDir: string | undefined, scale: Scale): Promise<BenchData> => {
  const temporary = dataDir === undefined
  const dir = resolve(dataDir ?? mkdtempSync(join(tmpdir(), "pa-bench-data-")))
  if (temporary) atExit(() => rmSync(dir, { recursive: true, force: true }))
  const raw = filesIn(join(dir, "raw"))
  const migrated = filesIn(join(dir, "migrated"))
  mkdirSync(join(dir, "raw"), { recursive: true })
  mkdirSync(join(dir, "migrated"), { recursive: true })
  if (FILES.some((f) => !existsSync(raw[f]))) {
    const started = performance.now()
    progress(`seeding ${scale.rowsPerDay} rows/day ${scale.from}..${scale.to} into ${join(dir, "raw")}`)
    await seed(raw, scale)
    progress(`seeded in ${seconds(started)}`)
  }
  const expected = await currentSchema()
  for (const file of FILES) {
    const state = inspectFile(raw[file])
    if (state._tag !== "Usable") throw new Error(`${raw[file]} is not usable data`)
    if (state.migrated) throw new Error(`${raw[file]} is migrated: the baseline needs an un-migrated copy`)
    const copy = inspectFile(migrated[file])
    if (copy._tag === "Usable" && copy.migrated && schemaOf(migrated[file]) === expected) continue
    const started = performance.now()
    // Steps added since the copy was built apply forward (minutes at 30 M rows, against the whole migration's 20).
    if (copy._tag === "Usable" && copy.schemaVersion > 0 && !copy.migrated) {
      progress(`migrating ${migrated[file]} forward from v${copy.schemaVersion}`)
      await migrate(file, migrated[file])
      if (schemaOf(migrated[file]) === expected) {
        progress(`migrated ${file} forward in ${seconds(started)}`)
        continue
      }
    }
    if (copy._tag !== "Absent") progress(`${migrated[file]} is not at the current schema: rebuilding it from raw`)
    freshCopy(raw[file], migrated[file])
    progress(`migrating ${migrated[file]}`)
    await migrate(file, migrated[file])
    progress(`migrated ${file} in ${seconds(started)}`)
  }
  return { dir, raw, migrated, temporary }
}

/**
 * A copy of the migrated live file (`<data dir>/under-writes/live.db`, with the -wal a crashed run may have left)
 * for a comparison whose loader writes to it, so that the files the other comparisons read stay as they were;
 * the archive is the migrated one (the service only reads it). Removed by `remove`, or when the bench exits.
 */
export const writableLiveCopy = (data: BenchData): { readonly files: DataFiles; readonly remove: () => void } => {
  const dir = join(data.dir, "under-writes")
  mkdirSync(dir, { recursive: true })
  const live = join(dir, "live.db")
  freshCopy(data.migrated.live, live)
  if (existsSync(`${data.migrated.live}-wal`)) copyFileSync(`${data.migrated.live}-wal`, `${live}-wal`)
  const remove = () => rmSync(dir, { recursive: true, force: true })
  const cancel = atExit(remove)
  return {
    files: { live, archive: data.migrated.archive },
    remove: () => {
      cancel()
      remove()
    }
  }
}
