import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { addDays, type IsoDate } from "../../src/domain/IsoDate.js"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { ReadPoolLive } from "../../src/backends/sqlite/pool/ReadPoolLive.js"
import type { DataFiles } from "./DataPrep.js"
import { progress } from "./Progress.js"
import { median } from "./Stats.js"

/** The heavy shape: by-item totals computed from the raw rows of one file's part of the window. */
export const RAW_BY_ITEM_SQL = `SELECT item_code, sum(good_quantity) AS good, sum(defect_quantity) AS defect, count(*) AS cnt
  FROM production_records WHERE production_date BETWEEN ? AND ? GROUP BY item_code ORDER BY item_code`

export interface Half {
  readonly file: DbFile
  readonly from: IsoDate
  readonly to: IsoDate
}

/** 2025-07-01..2026-06-30 for the spec's data: six months either side of the cutover, each half about the same cost. */
export const balancedHalves = (cutover: IsoDate): ReadonlyArray<Half> => [
  { file: "archive", from: `${Number(cutover.slice(0, 4)) - 1}-07-01` as IsoDate, to: addDays(cutover, -1) },
  { file: "live", from: cutover, to: `${cutover.slice(0, 4)}-06-30` as IsoDate }
]

export interface CrossDbResult {
  readonly halves: ReadonlyArray<Half & { readonly aloneMs: number }>
  readonly sequentialMs: number
  readonly concurrentMs: number
  readonly samples: number
}

/**
 * Database time of the heavy shape with its two halves run through the service's read pool (built here, two
 * worker threads): concurrently (`Effect.all`, concurrency 2) vs one after the other, repeated alternately.
 * The time is the caller's: from dispatching the first half to receiving the last result.
 */
export const measureCrossDb = async (
  files: DataFiles,
  cutover: IsoDate,
  bundle: string,
  repeats: number
): Promise<CrossDbResult> => {
  const config = ConfigProvider.fromMap(
    new Map([
      ["LIVE_DB_PATH", files.live],
      ["ARCHIVE_DB_PATH", files.archive],
      ["CUTOVER_DATE", cutover],
      ["POOL_SIZE", "2"],
      ["POOL_WORKER_MODE", "bundle"],
      ["POOL_WORKER_BUNDLE", bundle],
      ["QUERY_TIMEOUT_MS", "600000"]
    ])
  )
  const runtime = ManagedRuntime.make(
    ReadPoolLive.pipe(
      Layer.provide(PoolConfig.Default),
      Layer.provide(DbTargets.Default),
      Layer.provide(Layer.setConfigProvider(config))
    )
  )
  const halves = balancedHalves(cutover)
  try {
    const pool = await runtime.runPromise(ReadPool)
    const half = (h: Half) => pool.run({ file: h.file, sql: RAW_BY_ITEM_SQL, params: [h.from, h.to] })
    // Wall time on this thread: worker clocks are not comparable across threads to the millisecond.
    const timed = async (effect: Effect.Effect<unknown, unknown>) => {
      const started = performance.now()
      await runtime.runPromise(effect)
      return performance.now() - started
    }
    const both = (concurrency: number) => timed(Effect.all(halves.map(half), { concurrency }))
    const alone = halves.map(() => [] as Array<number>)
    const sequential: Array<number> = []
    const concurrent: Array<number> = []
    for (let pass = 0; pass <= repeats; pass++) {
      const aloneMs: Array<number> = []
      for (const h of halves) aloneMs.push(await timed(half(h)))
      // Alternate which goes first, so neither always runs on pages the other just read.
      const [first, second] = pass % 2 === 0 ? [2, 1] : [1, 2]
      const a = await both(first)
      const b = await both(second)
      if (pass === 0) continue
      aloneMs.forEach((ms, i) => alone[i]!.push(ms))
      concurrent.push(first === 2 ? a : b)
      sequential.push(first === 1 ? a : b)
    }
    progress(`cross-DB halves: ${repeats} × (alone, sequential, concurrent) through the read pool`)
    return {
      halves: halves.map((h, i) => ({ ...h, aloneMs: median(alone[i]!) })),
      sequentialMs: median(sequential),
      concurrentMs: median(concurrent),
      samples: repeats
    }
  } finally {
    await runtime.dispose()
  }
}
