import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { utimesSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { resolveWorkerEntry, sourcesManifestPath, workerExecArgv } from "../../src/backends/sqlite/pool/WorkerEntry.js"
import { buildPool, eventually, poolFiles, poolLayer, tempDir, testBundle } from "./fixtures.js"

const readConfig = (values: Record<string, string>) =>
  Effect.provide(
    PoolConfig,
    PoolConfig.Default.pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(values)))))
    )
  )

describe("ReadPool start-up", () => {
  it.effect("reads POOL_SIZE, QUEUE_LIMIT and QUERY_TIMEOUT_MS, with the spec's defaults", () =>
    Effect.gen(function* () {
      expect(yield* readConfig({})).toMatchObject({
        size: availableParallelism(),
        queueLimit: 1000,
        queryTimeoutMs: 5000,
        workerMode: "auto",
        allowMmap: false
      })
      expect(yield* readConfig({ POOL_SIZE: "3", QUEUE_LIMIT: "7", QUERY_TIMEOUT_MS: "250" })).toMatchObject({
        size: 3,
        queueLimit: 7,
        queryTimeoutMs: 250
      })
      const invalid = yield* Effect.flip(readConfig({ POOL_SIZE: "0" }))
      expect(String(invalid)).toContain("POOL_SIZE")
    })
  )

  it.scopedLive(
    "starts workers from the TypeScript source (tsx) when told to",
    () =>
      Effect.gen(function* () {
        const files = yield* poolFiles
        const pool = yield* buildPool(files, { POOL_SIZE: 1, POOL_WORKER_MODE: "source" })
        const result = yield* pool.run({ file: "live", sql: "SELECT fold_contains('Ø20', 'ø')", params: [] })
        expect(result.rows).toEqual([[1]])
      }),
    30_000
  )

  it.scopedLive("a worker that fails at start fails the layer at once, with the reason", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const dir = yield* tempDir
      const broken = join(dir, "broken.mjs")
      writeFileSync(broken, 'throw new Error("broken worker entry")\n')
      const started = performance.now()
      const error = yield* Effect.flip(buildPool(files, { POOL_WORKER_BUNDLE: broken }))
      expect(error).toMatchObject({ _tag: "WorkerSpawnFailed" })
      expect(error.message).toContain("broken worker entry")
      expect(performance.now() - started).toBeLessThan(5000)
    })
  )

  it.scopedLive("a worker that never answers fails the layer after POOL_SPAWN_TIMEOUT_MS", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const dir = yield* tempDir
      const silent = join(dir, "silent.mjs")
      writeFileSync(silent, "setInterval(() => {}, 1000)\n")
      const error = yield* Effect.flip(buildPool(files, { POOL_WORKER_BUNDLE: silent, POOL_SPAWN_TIMEOUT_MS: 300 }))
      expect(error.message).toContain("did not start within 300 ms")
    })
  )

  it.scopedLive("a worker that ends unexpectedly is replaced; once the pool closes, none of its fibers runs", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const dir = yield* tempDir
      // The real worker, except that a statement reading `EXIT THE THREAD` ends its thread.
      const dying = join(dir, "dying.mjs")
      writeFileSync(
        dying,
        `import { parentPort } from "node:worker_threads"
        parentPort.on("message", (m) => { if (m[0] === 0 && m[3] === "EXIT THE THREAD") process.exit(3) })
        await import(${JSON.stringify(pathToFileURL(yield* testBundle).href)})\n`
      )
      const die = { file: "live", sql: "EXIT THE THREAD", params: [] } as const
      const select1 = { file: "live", sql: "SELECT 1", params: [] } as const
      const rootsBefore = new Set(yield* Fiber.roots)
      const scope = yield* Scope.make()
      const layer = poolLayer(files, { POOL_SIZE: 1, POOL_WORKER_BUNDLE: dying })
      const pool = Context.get(yield* Layer.buildWithScope(layer, scope), ReadPool)

      const first = yield* pool.run(select1)
      const died = yield* Effect.exit(pool.run(die))
      expect(Exit.isFailure(died) && Cause.isDie(died.cause)).toBe(true)
      const served = pool.run(select1).pipe(
        Effect.map((r) => r.workerId !== first.workerId),
        Effect.orElseSucceed(() => false)
      )
      yield* eventually(served)
      expect(yield* pool.stats).toMatchObject({ size: 1, retired: 0 })

      // Again, and the pool closes while the replacement is starting.
      yield* Effect.exit(pool.run(die))
      yield* Scope.close(scope, Exit.void)
      expect((yield* Fiber.roots).filter((fiber) => !rootsBefore.has(fiber))).toEqual([])
    })
  )

  it.scopedLive("a missing bundle in bundle mode fails clearly", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const error = yield* Effect.flip(buildPool(files, { POOL_WORKER_BUNDLE: "/nonexistent/sqlite-worker.mjs" }))
      expect(error.message).toContain("/nonexistent/sqlite-worker.mjs")
    })
  )

  it.scoped("auto mode takes a bundle that is not older than its sources, else the source", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const bundle = join(dir, "sqlite-worker.mjs")
      const source = join(dir, "source.ts")
      writeFileSync(bundle, "")
      writeFileSync(source, "")
      writeFileSync(sourcesManifestPath(bundle), JSON.stringify(["source.ts"]))
      utimesSync(source, new Date(1_000_000), new Date(1_000_000))
      expect((yield* resolveWorkerEntry("auto", bundle)).mode).toBe("bundle")
      utimesSync(source, new Date(), new Date(Date.now() + 60_000))
      expect((yield* resolveWorkerEntry("auto", bundle)).mode).toBe("source")
      expect((yield* resolveWorkerEntry("auto", join(dir, "absent.mjs"))).mode).toBe("source")
      expect((yield* resolveWorkerEntry("bundle", bundle)).mode).toBe("bundle")
    })
  )

  it("workers inherit the parent's Node flags except a tsx preload and V8 heap sizes (process-wide)", () => {
    expect(workerExecArgv(["--import", "tsx", "--max-old-space-size=512"])).toEqual([])
    expect(workerExecArgv(["--max-semi-space-size", "4", "--enable-source-maps"])).toEqual(["--enable-source-maps"])
    expect(workerExecArgv(["--import=tsx", "--enable-source-maps"])).toEqual(["--enable-source-maps"])
    const tsxCli = [
      "--require",
      "/r/node_modules/tsx/dist/preflight.cjs",
      "--import",
      "file:///r/node_modules/tsx/dist/loader.mjs"
    ]
    expect(workerExecArgv(tsxCli)).toEqual([])
    expect(workerExecArgv(["--import", "./telemetry.mjs"])).toEqual(["--import", "./telemetry.mjs"])
  })
})
