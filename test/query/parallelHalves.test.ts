import { expect, layer } from "@effect/vitest"
import Database from "better-sqlite3"
import { ConfigProvider, Effect, Layer } from "effect"
import * as fs from "node:fs"
import { afterAll } from "vitest"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { migrateFile } from "../../src/migration/Migrator.js"
import { PoolConfig } from "../../src/pool/PoolConfig.js"
import { ReadPoolLive } from "../../src/pool/ReadPoolLive.js"
import { OptimizedEngineLive } from "../../src/query/optimized/OptimizedEngine.js"
import { SummaryByItemQuery } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { traced } from "../../src/query/QueryTrace.js"
import { CUTOVER, makeEngineFixture } from "./engineFixture.js"

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

const targets = Layer.succeed(
  DbTargets,
  DbTargets.make({
    live: { file: "live", path: fixture.livePath, explicit: true },
    archive: { file: "archive", path: fixture.archivePath, explicit: true },
    cutover: CUTOVER,
    of: (file) => ({ file, path: file === "live" ? fixture.livePath : fixture.archivePath, explicit: true })
  })
)

const Prepared = Layer.effectDiscard(
  Effect.gen(function* () {
    const t = yield* DbTargets
    yield* migrateFile(t.live, { dryRun: false })
    yield* migrateFile(t.archive, { dryRun: false })
    inflateRollup(fixture.archivePath, ["2025-12-29", "2025-12-30", "2025-12-31"])
    inflateRollup(fixture.livePath, ["2026-01-01", "2026-01-02", "2026-01-03"])
  })
)

const Engine = OptimizedEngineLive.pipe(
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
})
