/**
 * Two revisions of the optimized engine and its read pool in one process, on small data: what a change to the
 * engine or the pool costs per request, without HTTP or the cache. Each revision builds its own worker bundle,
 * pool (POOL_SIZE=2) and engine from its own sources; every shape is asked of both in turn, the order swapped
 * each time. Per shape: each revision's median and the median of the paired differences (after - before), ms.
 *
 *   node --import tsx scripts/engine-ab.ts --before REV [--after REV] [--rounds N] [--pairs N]
 *
 * `--after` defaults to the working tree. Data: seeded at 40 rows a day, 2025-09-01..2026-04-30, cut over on
 * 2026-01-01, so that most shapes read both files.
 */
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { pathToFileURL } from "node:url"
import type { IsoDate } from "../src/domain/IsoDate.js"
import { migrateFile } from "../src/backends/sqlite/migration/Migrator.js"
import type { Query } from "../src/query/Query.js"
import { generateDataset } from "../src/seed/GenerateDataset.js"
import { queryOf } from "./bench/InProcessEngine.js"
import { REPO } from "./bench/ServerProcess.js"
import { median } from "./bench/Stats.js"

const CUTOVER = "2026-01-01"
const TODAY = "2026-04-30" as IsoDate
const SHAPES = [
  "/lines",
  "/items?q=bracket",
  "/records?from=2025-12-28&to=2026-01-03&limit=50",
  "/records?from=2026-03-01&to=2026-03-31&limit=50",
  "/summary/daily?from=2025-12-15&to=2026-01-15",
  "/summary/monthly?from=2025-10-01&to=2026-03-31",
  "/summary/monthly?from=2026-02-01&to=2026-04-30",
  "/summary/by-item?from=2025-12-01&to=2026-02-28",
  "/summary/by-line?from=2025-12-01&to=2026-02-28",
  "/summary/monthly-by-item?from=2025-11-01&to=2026-02-28",
  "/summary/monthly-by-item?from=2025-11-01&to=2026-02-28&line_code=L03"
]

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

interface Engine {
  readonly run: (query: Query) => Promise<unknown>
  readonly dispose: () => Promise<void>
}

/** The engine of the sources under `root`, over `files`, with its own pool and worker bundle. */
const engineOf = async (root: string, files: { live: string; archive: string }, bundles: string): Promise<Engine> => {
  // A revision from before the SQLite backend moved under src/backends/sqlite/ has its modules at their old places.
  const load = (path: string) => {
    const moved = path.replace("src/backends/sqlite/engine/", "src/query/").replace("src/backends/sqlite/", "src/")
    const at = existsSync(join(root, path)) ? path : moved
    return import(pathToFileURL(join(root, at)).href)
  }
  const { buildWorker } = await load("scripts/build-worker.ts")
  const bundle: string = await buildWorker(join(bundles, basename(root), "sqlite-worker.mjs"))
  const [{ ReadPoolLive }, { PoolConfig }, { DbTargets }, { OptimizedEngineLive }, { QueryEngine }] = await Promise.all(
    [
      "src/backends/sqlite/pool/ReadPoolLive.ts",
      "src/backends/sqlite/pool/PoolConfig.ts",
      "src/config/DbTargets.ts",
      "src/backends/sqlite/engine/optimized/OptimizedEngine.ts",
      "src/query/QueryEngine.ts"
    ].map(load)
  )
  const settings = {
    POOL_SIZE: "2",
    POOL_WORKER_MODE: "bundle",
    POOL_WORKER_BUNDLE: bundle,
    LIVE_DB_PATH: files.live,
    ARCHIVE_DB_PATH: files.archive,
    CUTOVER_DATE: CUTOVER
  }
  const runtime = ManagedRuntime.make(
    OptimizedEngineLive.pipe(
      Layer.provide(ReadPoolLive),
      Layer.provideMerge(Layer.mergeAll(PoolConfig.Default, DbTargets.Default)),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings)))))
    ) as Layer.Layer<unknown>
  )
  const engine = (await runtime.runPromise(QueryEngine)) as { run: (q: Query) => Effect.Effect<unknown, unknown> }
  return { run: (query) => runtime.runPromise(engine.run(query)), dispose: () => runtime.dispose() }
}

/** A detached worktree of `rev` (its node_modules linked to this one's). */
const worktreeOf = (rev: string, dir: string): string => {
  execFileSync("git", ["worktree", "add", "--detach", dir, rev], { cwd: REPO, stdio: "ignore" })
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"))
  return dir
}

const main = async () => {
  const before = option("--before")
  if (before === undefined) {
    console.log("Usage: node --import tsx scripts/engine-ab.ts --before REV [--after REV] [--rounds N] [--pairs N]")
    process.exit(2)
  }
  const after = option("--after")
  const rounds = Number(option("--rounds") ?? 6)
  const pairs = Number(option("--pairs") ?? 40)
  const scratch = mkdtempSync(join(tmpdir(), "engine-ab-"))
  // Under node_modules, so that a bundle finds better-sqlite3 (left outside it) as the service's does.
  const bundles = join(REPO, "node_modules/.cache", basename(scratch))
  const worktrees: Array<string> = []
  const tree = (rev: string) => {
    worktrees.push(worktreeOf(rev, join(scratch, `rev-${worktrees.length}`)))
    return worktrees.at(-1)!
  }
  try {
    const files = { live: join(scratch, "live.db"), archive: join(scratch, "archive.db") }
    generateDataset({
      livePath: files.live,
      archivePath: files.archive,
      from: "2025-09-01",
      to: TODAY,
      cutover: CUTOVER,
      rowsPerDay: 40,
      seed: 15
    })
    for (const file of ["live", "archive"] as const)
      await Effect.runPromise(migrateFile({ file, path: files[file], explicit: true }, { dryRun: false }))
    const engines = [
      await engineOf(tree(before), files, bundles),
      await engineOf(after ? tree(after) : REPO, files, bundles)
    ]
    const queries = SHAPES.map((url) => queryOf(url, TODAY))
    const timed = async (engine: Engine, query: Query) => {
      const started = performance.now()
      await engine.run(query)
      return performance.now() - started
    }
    for (let i = 0; i < 30; i++) for (const q of queries) for (const e of engines) await e.run(q)
    const samples = SHAPES.map(() => ({ before: [] as Array<number>, after: [] as Array<number> }))
    for (let round = 0; round < rounds; round++) {
      for (const [s, query] of queries.entries()) {
        for (let i = 0; i < pairs; i++) {
          const order = (i + round) % 2 === 0 ? [0, 1] : [1, 0]
          const times = [0, 0]
          for (const e of order) times[e] = await timed(engines[e]!, query)
          samples[s]!.before.push(times[0]!)
          samples[s]!.after.push(times[1]!)
        }
      }
    }
    await Promise.all(engines.map((e) => e.dispose()))
    console.log(`before ${before}, after ${after ?? "working tree"}: ${rounds} rounds × ${pairs} pairs a shape`)
    console.log(`load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`)
    console.log("| shape | before p50 ms | after p50 ms | median(after - before) ms |\n|---|---:|---:|---:|")
    for (const [s, url] of SHAPES.entries()) {
      const { before: b, after: a } = samples[s]!
      const diff = median(a.map((t, i) => t - b[i]!))
      console.log(`| ${url} | ${median(b).toFixed(3)} | ${median(a).toFixed(3)} | ${diff.toFixed(3)} |`)
    }
  } finally {
    for (const dir of worktrees) execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: REPO })
    for (const dir of [scratch, bundles]) rmSync(dir, { recursive: true, force: true })
  }
}

void main()
