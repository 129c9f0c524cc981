import { Effect } from "effect"
// eslint-disable-next-line no-restricted-imports -- reads the worker bundle's list of sources, never a database file
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { WorkerMode } from "./PoolConfig.js"
import { WorkerSpawnFailed } from "./WorkerErrors.js"
import type { WorkerInit } from "./WorkerProtocol.js"

/** How the pool starts a worker thread. */
export interface WorkerEntry {
  readonly mode: "bundle" | "source"
  readonly path: string
  readonly start: (init: WorkerInit) => Worker
}

const BOOT = new URL("./worker/worker-boot.mjs", import.meta.url)
const SOURCE = new URL("./worker/sqlite-worker.ts", import.meta.url)

/** The list of source files a bundle was built from, written next to it by `scripts/build-worker.ts`. */
export const sourcesManifestPath = (bundlePath: string) => `${bundlePath}.sources.json`

const PRELOAD_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"])

/** V8 heap sizes: process-wide (every worker isolate runs with them already), and a Worker refuses them. */
const V8_HEAP_FLAGS = new Set(["--max-semi-space-size", "--max-old-space-size"])

/**
 * The parent's Node flags minus a tsx preload (`node --import tsx`) and V8 heap sizes: workers inherit them, and
 * loading tsx into a worker only slows its start (the bundle is JavaScript; the source bootstrap registers tsx
 * itself).
 */
export const workerExecArgv = (argv: ReadonlyArray<string>): Array<string> => {
  const kept: Array<string> = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const eq = arg.indexOf("=")
    const flag = eq >= 0 ? arg.slice(0, eq) : arg
    if (V8_HEAP_FLAGS.has(flag)) {
      if (eq < 0) i++
      continue
    }
    if (PRELOAD_FLAGS.has(flag)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : (argv[i + 1] ?? "")
      if (/\btsx\b/.test(value)) {
        if (eq < 0) i++
        continue
      }
    }
    kept.push(arg)
  }
  return kept
}

const sourceEntry: WorkerEntry = {
  mode: "source",
  path: fileURLToPath(SOURCE),
  start: (init) =>
    new Worker(BOOT, { workerData: { entry: SOURCE.href, init }, execArgv: workerExecArgv(process.execArgv) })
}

const bundleEntry = (path: string): WorkerEntry => ({
  mode: "bundle",
  path,
  start: (init) => new Worker(path, { workerData: { init }, execArgv: workerExecArgv(process.execArgv) })
})

const mtime = (path: string) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity

/** The first source newer than the bundle (a stale bundle would run old code), if any. */
const newerSource = (bundlePath: string): string | undefined => {
  const manifest = sourcesManifestPath(bundlePath)
  if (!existsSync(manifest)) return undefined
  const built = mtime(bundlePath)
  const sources = JSON.parse(readFileSync(manifest, "utf8")) as ReadonlyArray<string>
  return sources.map((s) => resolve(dirname(bundlePath), s)).find((s) => mtime(s) > built)
}

/** Picks the worker entry for a mode: `auto` prefers a fresh bundle and falls back to the TypeScript source. */
export const resolveWorkerEntry = (
  mode: WorkerMode,
  bundlePath: string
): Effect.Effect<WorkerEntry, WorkerSpawnFailed> =>
  Effect.gen(function* () {
    if (mode === "source") return sourceEntry
    const bundle = resolve(bundlePath)
    if (mode === "bundle") {
      if (existsSync(bundle)) return bundleEntry(bundle)
      return yield* new WorkerSpawnFailed({ reason: `worker bundle ${bundle} does not exist (build it first)` })
    }
    if (!existsSync(bundle)) return sourceEntry
    const stale = yield* Effect.try(() => newerSource(bundle)).pipe(Effect.orElseSucceed(() => "(unreadable manifest)"))
    if (stale === undefined) return bundleEntry(bundle)
    yield* Effect.logWarning(`read worker bundle is older than ${stale}: starting workers from source (slow)`)
    return sourceEntry
  })
