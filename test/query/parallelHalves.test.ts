import { expect, layer } from "@effect/vitest"
import Database from "better-sqlite3"
import { ConfigProvider, Context, Effect, Exit, Fiber, Layer, Ref } from "effect"
import * as fs from "node:fs"
import { afterAll } from "vitest"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { ReadPoolLive } from "../../src/backends/sqlite/pool/ReadPoolLive.js"
import { OptimizedEngineLive } from "../../src/backends/sqlite/engine/optimized/OptimizedEngine.js"
import { SummaryByItemQuery } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { traced } from "../../src/query/QueryTrace.js"
import { fixtureTargets, makeEngineFixture } from "./engineFixture.js"

const fixture = makeEngineFixture("parallel-halves", 4)
afterAll(() => fs.rmSync(fixture.dir, { recursive: true, force: true }))

/**
 * Makes each half slow enough to observe: many items (the groups by-item reads, each a few seeks) with rows in the
 * daily item rollup and the dense totals by item on either side of the cutover, their running totals consistent.
 */
const inflateRollup = (path: string, dates: ReadonlyArray<string>) => {
  const db = new Database(path)
  const item = db.prepare(`INSERT INTO items (item_code, item_name, cnt) VALUES (?, 'x', ?)`)
  const insert = db.prepare(
    `INSERT INTO rollup_day_item (period, item_code, good, defect, cnt, last_date, last_id, last_name, cum_good, cum_defect, cum_cnt)
    VALUES (?, ?, 1, 0, 1, ?, 0, 'x', ?, 0, ?)`
  )
  // By item over all lines reads the dense totals (schema v9): the same items there, on the same days.
  const dense = db.prepare(
    `INSERT INTO rollup_cum_item (period, item_code, cum_good, cum_defect, cum_cnt, last_key, last_name)
    VALUES (?, ?, ?, 0, ?, 0, 'x')`
  )
  db.transaction(() =>
    Array.from({ length: 40_000 }, (_, i) => {
      item.run(`ZZ-${i}`, dates.length)
      dates.forEach((d, k) => {
        insert.run(d, `ZZ-${i}`, d, k + 1, k + 1)
        dense.run(d, `ZZ-${i}`, k + 1, k + 1)
      })
    })
  )()
  db.close()
}

const targets = fixtureTargets(fixture)

const Prepared = Layer.effectDiscard(
  Effect.gen(function* () {
    const t = yield* DbTargets
    yield* migrateFile(t.live, { dryRun: false })
    yield* migrateFile(t.archive, { dryRun: false })
    inflateRollup(fixture.archivePath, ["2025-12-29", "2025-12-30", "2025-12-31"])
    inflateRollup(fixture.livePath, ["2026-01-01", "2026-01-02", "2026-01-03"])
  })
)

/** How many statements the engine asked the pool for, and how many of those were interrupted. */
class PartLog extends Context.Tag("PartLog")<
  PartLog,
  { readonly started: Ref.Ref<number>; readonly interrupted: Ref.Ref<number> }
>() {}

const PartLogLive = Layer.effect(PartLog, Effect.all({ started: Ref.make(0), interrupted: Ref.make(0) }))

/** The app's read pool, each statement the engine runs through it logged in `PartLog`. */
const ObservedPool = Layer.effect(
  ReadPool,
  Effect.gen(function* () {
    const pool = yield* ReadPool
    const log = yield* PartLog
    return ReadPool.of({
      ...pool,
      run: (request) =>
        Ref.update(log.started, (n) => n + 1).pipe(
          Effect.zipRight(pool.run(request)),
          Effect.onInterrupt(() => Ref.update(log.interrupted, (n) => n + 1))
        )
    })
  })
)

const Engine = OptimizedEngineLive.pipe(
  Layer.provideMerge(ObservedPool),
  Layer.provideMerge(PartLogLive),
  Layer.provide(ReadPoolLive),
  Layer.provide(PoolConfig.Default),
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["POOL_SIZE", "2"]])))),
  Layer.provide(Prepared),
  Layer.provide(targets)
)

layer(Engine, { timeout: "120 seconds", excludeTestServices: true })("cross-cutover halves", (it) => {
  it.effect("run in two different workers at overlapping times", () =>
    Effect.gen(function* () {
      const engine = yield* QueryEngine
      const window = { from: "2025-12-29" as IsoDate, to: "2026-01-03" as IsoDate }
      const [result, reads] = yield* traced(
        engine.run(new SummaryByItemQuery({ window, line_code: undefined, limit: 5 }))
      )
      expect(result.rows).toHaveLength(5)
      expect(reads.map((r) => r.file).sort()).toEqual(["archive", "live"])
      const [a, b] = reads as [(typeof reads)[0], (typeof reads)[0]]
      expect(a.workerId).not.toBe(b.workerId)
      expect(a.startedAt < b.endedAt && b.startedAt < a.endedAt).toBe(true)
    })
  )

  it.effect("a request interrupted while its halves run interrupts both; the pool takes its workers back", () =>
    Effect.gen(function* () {
      const engine = yield* QueryEngine
      const pool = yield* ReadPool
      const log = yield* PartLog
      const window = { from: "2025-12-29" as IsoDate, to: "2026-01-03" as IsoDate }
      const query = new SummaryByItemQuery({ window, line_code: undefined, limit: 5 })
      const [, before] = yield* traced(engine.run(query))
      yield* Ref.set(log.started, 0)
      yield* Ref.set(log.interrupted, 0)

      const request = yield* Effect.fork(engine.run(query))
      while ((yield* Ref.get(log.started)) < 2) yield* Effect.sleep("1 millis")
      expect(yield* Fiber.interrupt(request)).toSatisfy(Exit.isInterrupted)
      expect(yield* Ref.get(log.interrupted)).toBe(2)

      // The abandoned statements end in their workers, which the pool then hands out again: none was replaced.
      while ((yield* pool.stats).idle < 2) yield* Effect.sleep("10 millis")
      expect(yield* pool.stats).toMatchObject({ size: 2, idle: 2, retired: 0, timeouts: 0 })
      const [, after] = yield* traced(engine.run(query))
      expect(new Set(after.map((r) => r.workerId))).toEqual(new Set(before.map((r) => r.workerId)))
    })
  )
})
