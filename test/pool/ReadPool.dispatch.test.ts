import { describe, expect, it, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer } from "effect"
import { ReadOutput, ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { buildPool, heavy, poolFiles, poolLayer } from "./fixtures.js"

const PoolOfTwo = Layer.unwrapScoped(Effect.map(poolFiles, (files) => poolLayer(files, { POOL_SIZE: 2 })))

const overlaps = (a: { startedAt: number; endedAt: number }, b: { startedAt: number; endedAt: number }) =>
  a.startedAt < b.endedAt && b.startedAt < a.endedAt

layer(PoolOfTwo, { excludeTestServices: true })("ReadPool dispatch (POOL_SIZE=2)", (it) => {
  it.effect("runs statements on the two files at once, in two workers", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const [live, archive] = yield* Effect.all(
        [
          pool.run({ file: "live", sql: heavy(3_000_000), params: [] }),
          pool.run({ file: "archive", sql: heavy(3_000_000), params: [] })
        ],
        { concurrency: 2 }
      )
      expect(live.rows).toEqual([[3_000_000]])
      expect(archive.rows).toEqual([[3_000_000]])
      expect(live.workerId).not.toBe(archive.workerId)
      expect(overlaps(live, archive)).toBe(true)
    })
  )

  it.effect("keeps the event loop free while a heavy statement runs", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const running = yield* Effect.fork(pool.run({ file: "live", sql: heavy(6_000_000), params: [] }))
      yield* Effect.sleep("100 millis")
      const lateness = yield* Effect.promise(async () => {
        const late: Array<number> = []
        for (let i = 0; i < 5; i++) {
          const due = performance.now() + 20
          await new Promise((resolve) => setTimeout(resolve, 20))
          late.push(performance.now() - due)
        }
        return late
      })
      const timersDone = performance.timeOrigin + performance.now()
      const result = yield* Fiber.join(running)
      // The statement was still running while the timers fired.
      expect(result.endedAt).toBeGreaterThan(timersDone)
      expect(Math.max(...lateness)).toBeLessThan(40)
    })
  )

  it.effect("answers 100 concurrent small requests", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const results = yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) =>
          pool.run({
            file: i % 2 === 0 ? "live" : "archive",
            sql: "SELECT count(*) AS n, sum(good_quantity) AS good FROM production_records WHERE item_code = ?",
            params: [`IT${i % 50}`]
          }),
        { concurrency: "unbounded" }
      )
      results.forEach((result, i) => {
        expect(result.columns).toEqual(["n", "good"])
        expect(result.rows[0]?.[0]).toBe(i % 2 === 0 ? 60 : 40)
      })
      expect(new Set(results.map((r) => r.workerId)).size).toBe(2)
      const stats = yield* pool.stats
      expect(stats).toMatchObject({ size: 2, idle: 2, waiting: 0, inFlight: 0, rejections: 0 })
    })
  )

  it.effect("Json output: the same rows and column names, written as JSON by SQLite (text, numbers, nulls, none)", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const sql = `SELECT id, item_name, good_quantity, NULL AS absent, 'quote " \\ é 😀' AS odd
        FROM production_records WHERE id <= ? ORDER BY id`
      for (const limit of [5, 0]) {
        const [rows, json] = yield* Effect.all([
          pool.run({ file: "live", sql, params: [limit] }),
          pool.run({ file: "live", sql, params: [limit], output: ReadOutput.Json() })
        ])
        expect(json.rows).toEqual(rows.rows)
        expect(json.columns).toEqual(["id", "item_name", "good_quantity", "absent", "odd"])
        expect(json.rows.length).toBe(limit)
      }
    })
  )

  it.effect("returns positional rows, column names, the worker and the statement's time", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const before = performance.timeOrigin + performance.now()
      const result = yield* pool.run({
        file: "live",
        sql: "SELECT id, item_name, good_quantity FROM production_records WHERE id <= ? ORDER BY id",
        params: [2]
      })
      expect(result.columns).toEqual(["id", "item_name", "good_quantity"])
      expect(result.rows).toEqual([
        [1, "live 1", 1],
        [2, "live 2", 2]
      ])
      expect(result.startedAt).toBeGreaterThanOrEqual(before - 1)
      expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt)
      expect(Number.isInteger(result.workerId)).toBe(true)
    })
  )

  it.effect("registers the case-folding substring function on every connection", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const fold = (haystack: string, needle: string, file: "live" | "archive") =>
        pool
          .run({ file, sql: "SELECT fold_contains(?, ?)", params: [haystack, needle] })
          .pipe(Effect.map((r) => r.rows[0]?.[0]))
      expect(yield* fold("Ø20 bolt", "ø20", "live")).toBe(1)
      expect(yield* fold("Ø20 bolt", "ø20", "archive")).toBe(1)
      expect(yield* fold("Straße", "ss", "live")).toBe(0)
      expect(yield* fold("50% off", "50%", "live")).toBe(1)
    })
  )

  it.effect("a statement SQLite rejects is a defect, and the worker keeps serving", () =>
    Effect.gen(function* () {
      const pool = yield* ReadPool
      const exit = yield* Effect.exit(pool.run({ file: "live", sql: "SELEKT 1", params: [] }))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const ok = yield* pool.run({ file: "live", sql: "SELECT 1", params: [] })
      expect(ok.rows).toEqual([[1]])
      expect((yield* pool.stats).size).toBe(2)
    })
  )
})

describe("ReadPool queue limit", () => {
  it.scopedLive("more than QUEUE_LIMIT waiting callers are refused with PoolOverloaded", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files, { POOL_SIZE: 1, QUEUE_LIMIT: 2 })
      const busy = yield* Effect.fork(pool.run({ file: "live", sql: heavy(3_000_000), params: [] }))
      yield* Effect.sleep("50 millis")
      const waiters = yield* Effect.forEach([1, 2], () =>
        Effect.fork(pool.run({ file: "live", sql: "SELECT 1", params: [] }))
      )
      yield* Effect.sleep("50 millis")
      expect(yield* pool.stats).toMatchObject({ size: 1, idle: 0, waiting: 2, inFlight: 1 })
      const refused = yield* Effect.flip(pool.run({ file: "live", sql: "SELECT 1", params: [] }))
      expect(refused._tag).toBe("PoolOverloaded")
      yield* Fiber.join(busy)
      for (const waiter of waiters) expect((yield* Fiber.join(waiter)).rows).toEqual([[1]])
      expect(yield* pool.stats).toMatchObject({ size: 1, idle: 1, waiting: 0, rejections: 1, timeouts: 0 })
    })
  )
})
