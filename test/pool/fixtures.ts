import Database from "better-sqlite3"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { buildWorker } from "../../scripts/build-worker.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { DbConnections } from "../../src/backends/sqlite/db/DbConnections.js"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { ReadPoolLive } from "../../src/backends/sqlite/pool/ReadPoolLive.js"

// One bundle per test process, under the repo so that the bundle resolves better-sqlite3 from node_modules.
const cacheDir = fileURLToPath(new URL("../../node_modules/.cache/read-pool-test/", import.meta.url))
let bundle: Promise<string> | undefined

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Builds the worker bundle from the current sources (once per process), removing those of ended processes. */
export const testBundle = Effect.promise(() => {
  mkdirSync(cacheDir, { recursive: true })
  for (const pid of readdirSync(cacheDir)) {
    if (!isRunning(Number(pid))) rmSync(join(cacheDir, pid), { recursive: true, force: true })
  }
  mkdirSync(join(cacheDir, String(process.pid)), { recursive: true })
  return (bundle ??= buildWorker(join(cacheDir, String(process.pid), "sqlite-worker.mjs")))
})

/** A statement that keeps a worker busy for a while (~0.2 s per million on this machine's class). */
export const heavy = (n: number) =>
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT count(*) AS n FROM c`

/** A temp directory removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "read-pool-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Writes a production_records file with `rows` rows whose item names carry `label` (atomically, by rename). */
export const writeDb = (path: string, rows: number, label: string, options: { wal?: boolean } = {}) => {
  const tmp = `${path}.tmp-${process.pid}`
  rmSync(tmp, { force: true })
  const db = new Database(tmp)
  if (options.wal === true) db.pragma("journal_mode = WAL")
  db.exec(`CREATE TABLE production_records (
    id INTEGER PRIMARY KEY, production_date TEXT NOT NULL, item_code TEXT NOT NULL, item_name TEXT NOT NULL,
    lot_number TEXT NOT NULL, line_code TEXT NOT NULL, good_quantity INTEGER NOT NULL,
    defect_quantity INTEGER NOT NULL DEFAULT 0)`)
  const insert = db.prepare("INSERT INTO production_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
  db.transaction(() => {
    for (let i = 1; i <= rows; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0")
      insert.run(i, `2025-03-${day}`, `IT${i % 50}`, `${label} ${i % 50}`, `AB${i}`, `L${i % 12}`, i % 100, i % 7)
    }
  })()
  db.close()
  renameSync(tmp, path)
}

export interface PoolFiles {
  readonly live: string
  readonly archive: string
}

/** Two files in a temp dir: live (3,000 rows, "live") and archive (2,000 rows, "archive"). */
export const poolFiles = Effect.map(tempDir, (dir): PoolFiles => {
  const files = { live: join(dir, "live.db"), archive: join(dir, "archive.db") }
  writeDb(files.live, 3000, "live", { wal: true })
  writeDb(files.archive, 2000, "archive")
  return files
})

/** The pool Layer as the app builds it, configured through a ConfigProvider (the bundled worker by default). */
export const poolLayer = (files: PoolFiles, settings: Record<string, string | number> = {}) =>
  Layer.unwrapEffect(
    Effect.map(testBundle, (bundlePath) => {
      const values: Record<string, string | number> = {
        LIVE_DB_PATH: files.live,
        ARCHIVE_DB_PATH: files.archive,
        POOL_SIZE: 2,
        POOL_WORKER_MODE: "bundle",
        POOL_WORKER_BUNDLE: bundlePath,
        POOL_FILE_CHECK_MS: 50,
        ...settings
      }
      const provider = ConfigProvider.fromMap(new Map(Object.entries(values).map(([k, v]) => [k, String(v)])))
      return ReadPoolLive.pipe(
        Layer.provide(Layer.mergeAll(PoolConfig.Default, DbTargets.Default)),
        Layer.provide(Layer.setConfigProvider(provider))
      )
    })
  )

/** Polls `check` every 50 ms until it holds (or fails the test after `timeoutMs`). Needs the live clock. */
export const eventually = <E, R>(check: Effect.Effect<boolean, E, R>, timeoutMs = 20_000) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("50 millis")
  }).pipe(
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`condition not met in ${timeoutMs} ms`) })
  )

/** Builds a pool that lives as long as the current scope. */
export const buildPool = (files: PoolFiles, settings: Record<string, string | number> = {}) =>
  Effect.map(Layer.build(poolLayer(files, settings)), Context.get(ReadPool))

/** `buildPool`, with the connections service the pool's workers share (layers are shared within one build). */
export const buildPoolWithConnections = (files: PoolFiles, settings: Record<string, string | number> = {}) =>
  Effect.map(Layer.build(Layer.merge(poolLayer(files, settings), DbConnections.Default)), (context) => ({
    pool: Context.get(context, ReadPool),
    connections: Context.get(context, DbConnections)
  }))
