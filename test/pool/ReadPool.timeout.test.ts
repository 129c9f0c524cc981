import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { buildPool, eventually, heavy, poolFiles, poolLayer, testBundle } from "./fixtures.js"

const SELECT_1 = { file: "live", sql: "SELECT 1", params: [] } as const
const STUCK = { file: "live", sql: heavy(12_000_000), params: [] } as const

describe("ReadPool timeouts", () => {
  it.scopedLive("a stuck statement gets QueryTimeout and a fresh worker serves the next request at once", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      // A deadline long enough for a replacement worker to start even on a loaded machine.
      const pool = yield* buildPool(files, { POOL_SIZE: 1, QUERY_TIMEOUT_MS: 1500 })
      const first = yield* pool.run(SELECT_1)
      const started = performance.now()
      const timeout = yield* Effect.flip(pool.run({ file: "live", sql: heavy(20_000_000), params: [] }))
      const timedOutAfter = performance.now() - started
      expect(timeout).toMatchObject({ _tag: "QueryTimeout", timeoutMs: 1500 })
      expect(timedOutAfter).toBeGreaterThanOrEqual(1495)
      expect(timedOutAfter).toBeLessThan(2500)
      expect(yield* pool.stats).toMatchObject({ retired: 1, timeouts: 1 })

      const next = yield* pool.run(SELECT_1)
      expect(next.workerId).not.toBe(first.workerId)
      yield* eventually(Effect.map(pool.stats, (s) => s.retired === 0))
      const stuckEnded = performance.timeOrigin + performance.now()
      // Served by the fresh worker before the stuck statement ended (a few seconds of work).
      expect(next.endedAt).toBeLessThan(stuckEnded - 500)
      expect(yield* pool.stats).toMatchObject({ size: 1, idle: 1, inFlight: 0, retired: 0, timeouts: 1 })
    })
  )

  it.scopedLive("beyond POOL_SIZE retired threads, PoolOverloaded until they end; then exactly POOL_SIZE workers", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files, { POOL_SIZE: 2, QUERY_TIMEOUT_MS: 300 })
      const stuck = Effect.map(Effect.flip(pool.run(STUCK)), (e) => e._tag)
      expect(yield* Effect.all([stuck, stuck], { concurrency: 2 })).toEqual(["QueryTimeout", "QueryTimeout"])
      expect(yield* pool.stats).toMatchObject({ retired: 2, timeouts: 2 })
      // POOL_SIZE retired threads are tolerated: fresh workers serve.
      yield* eventually(Effect.map(pool.stats, (s) => s.idle === 2))
      expect(yield* stuck).toBe("QueryTimeout")
      expect(yield* pool.stats).toMatchObject({ retired: 3, timeouts: 3 })
      const refused = yield* Effect.flip(pool.run(SELECT_1))
      expect(refused._tag).toBe("PoolOverloaded")

      yield* eventually(Effect.map(pool.stats, (s) => s.retired === 0 && s.size === 2))
      const results = yield* Effect.all([pool.run(SELECT_1), pool.run(SELECT_1)], { concurrency: 2 })
      expect(results.map((r) => r.rows)).toEqual([[[1]], [[1]]])
      expect(yield* pool.stats).toMatchObject({ size: 2, idle: 2, inFlight: 0, retired: 0, rejections: 1 })
    })
  )

  it.scopedLive("a caller waiting for a worker gets QueryTimeout at its own deadline", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files, { POOL_SIZE: 1, QUERY_TIMEOUT_MS: 400 })
      const stuck = yield* Effect.fork(Effect.flip(pool.run(STUCK)))
      // Its deadline falls 20 ms after the stuck one's: too soon for a replacement worker to have started.
      yield* Effect.sleep("20 millis")
      const started = performance.now()
      const waited = yield* Effect.flip(pool.run(SELECT_1))
      const elapsed = performance.now() - started
      expect(waited._tag).toBe("QueryTimeout")
      expect(elapsed).toBeGreaterThanOrEqual(395)
      expect(elapsed).toBeLessThan(900)
      expect((yield* Fiber.join(stuck))._tag).toBe("QueryTimeout")
      yield* eventually(Effect.map(pool.stats, (s) => s.retired === 0 && s.idle === 1))
    })
  )

  it.scopedLive("a caller that goes away leaves its worker in the pool once the statement ends", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files, { POOL_SIZE: 1, QUERY_TIMEOUT_MS: 10_000 })
      const first = yield* pool.run(SELECT_1)
      const running = yield* Effect.fork(pool.run({ file: "live", sql: heavy(1_500_000), params: [] }))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(running)
      const next = yield* pool.run(SELECT_1)
      expect(next.workerId).toBe(first.workerId)
      expect(yield* pool.stats).toMatchObject({ size: 1, retired: 0, timeouts: 0 })
    })
  )

  it.scopedLive("closing the pool's scope does not wait for a running statement", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(poolLayer(files, { POOL_SIZE: 1 }), scope)
      const pool = Context.get(context, ReadPool)
      const running = yield* Effect.fork(pool.run(STUCK))
      yield* Effect.sleep("100 millis")
      const started = performance.now()
      yield* Scope.close(scope, Exit.void)
      expect(performance.now() - started).toBeLessThan(500)
      expect((yield* Effect.flip(pool.run(SELECT_1)))._tag).toBe("PoolOverloaded")
      yield* Fiber.interrupt(running)
    })
  )

  it.scopedLive(
    "after the pool closes, nothing of it keeps the process alive while a statement still runs",
    () =>
      Effect.gen(function* () {
        const bundle = yield* testBundle
        const files = yield* poolFiles
        const script = fileURLToPath(new URL("./closeAndExit.ts", import.meta.url))
        const lines = yield* Effect.promise(
          () =>
            new Promise<Map<string, number>>((resolve, reject) => {
              const child = spawn(process.execPath, ["--import", "tsx", script, bundle, files.live], {
                stdio: ["ignore", "pipe", "inherit"]
              })
              const seen = new Map<string, number>()
              child.stdout.on("data", (chunk: Buffer) => {
                for (const line of chunk.toString().split("\n"))
                  if (line !== "") seen.set(line.trim(), performance.now())
                // Node's own teardown then joins the thread, which cannot leave SQLite before the statement ends.
                if (seen.has("exiting")) child.kill("SIGKILL")
              })
              child.on("error", reject)
              child.on("exit", () => resolve(seen))
            })
        )
        const closedAt = lines.get("closed") ?? NaN
        const exitingAt = lines.get("exiting") ?? NaN
        expect(exitingAt - closedAt).toBeLessThan(1000)
      }),
    30_000
  )
})
