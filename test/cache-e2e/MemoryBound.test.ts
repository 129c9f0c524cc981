/**
 * The response cache's byte bound, seen from outside: the service in a process of its own, flooded with distinct
 * large answers, its `RssAnon` (Linux `/proc`) read between floods.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { rssAnon } from "../../scripts/bench/ServerProcess.js"
import type { CacheStats } from "../../src/cache/EntryStore.js"
import { spawnService } from "../reliability/Processes.js"
import { jsonOf, reliabilityFiles, send } from "../reliability/ReliabilityKit.js"
import type { RecordInput } from "../support/fixtures.js"

const ITEMS = 2000
const MIB = 1024 * 1024
const MAX_BYTES = 16 * MIB
const FROM_DAYS = 14
const TO_DAYS = 17
/** Answers to reach the budget twice over: the cache is full and has evicted for a while. */
const FILL = 40
/** RssAnon is read after each answer; the least of this many last readings is compared. */
const SAMPLED = 10

/** One record per item on each 15th of January to March: every window below answers ITEMS × 3 rows (~0.9 MiB). */
const manyItems: ReadonlyArray<RecordInput> = ["2026-01-15", "2026-02-15", "2026-03-15"].flatMap((date, m) =>
  Array.from({ length: ITEMS }, (_, i) => ({
    production_date: date,
    item_code: `BIG-${String(i).padStart(5, "0")}`,
    item_name: `Bulk item number ${i} of the memory test`,
    lot_number: `MB${m}${String(i).padStart(5, "0")}`,
    line_code: "L01",
    good_quantity: i + m,
    defect_quantity: i % 3
  }))
)

/** Distinct windows holding the three 15ths: from 2026-01-01..14, to 2026-03-15..31. */
const WINDOWS = Array.from({ length: FROM_DAYS * TO_DAYS }, (_, n) => {
  const from = `2026-01-${String(1 + (n % FROM_DAYS)).padStart(2, "0")}`
  const to = `2026-03-${String(15 + Math.floor(n / FROM_DAYS)).padStart(2, "0")}`
  return `/summary/monthly-by-item?from=${from}&to=${to}`
})

describe("the cache's byte bound, in a separate server process", () => {
  it.scopedLive(
    "a flood of distinct large answers leaves RssAnon flat once CACHE_MAX_BYTES is reached",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles({ extraLive: manyItems })
        const service = yield* spawnService(files, { CACHE_MAX_BYTES: String(MAX_BYTES), POOL_SIZE: "1" })
        const pid = service.child.pid!
        let bodies = 0
        /** RssAnon after each answer. */
        const samples: Array<number> = []
        const flood = (targets: ReadonlyArray<string>) =>
          Effect.forEach(
            targets,
            (target) =>
              Effect.gen(function* () {
                const reply = yield* send(service.port, target)
                expect([reply.status, reply.headers["x-cache"]], target).toEqual([200, "MISS"])
                bodies += Buffer.byteLength(reply.text)
                // Its gzip form, kept on the entry by this hit, is counted too.
                const gzip = yield* send(service.port, target, { headers: { "accept-encoding": "gzip" } })
                expect([gzip.status, gzip.headers["content-encoding"]], target).toEqual([200, "gzip"])
                samples.push(rssAnon(pid)!)
              }),
            { discard: true }
          )
        const stats = Effect.map(
          Effect.orDie(send(service.port, "/metrics/cache")),
          (r) => (jsonOf(r) as { api_cache: CacheStats }).api_cache
        )

        yield* flood(WINDOWS.slice(0, FILL))
        const full = yield* stats
        expect(full.bytes).toBeGreaterThan(MAX_BYTES * 0.8)
        expect(full.bytes).toBeLessThanOrEqual(MAX_BYTES)
        expect(full.evictions).toBeGreaterThan(0)
        // The least of the last samples: garbage waits for a major collection (RssAnon saws up and down by some
        // 40 MB over a hundred answers), so one sample may hold much of it; a cache keeping what it served raises all.
        const floor = () => Math.min(...samples.slice(-SAMPLED))
        const before = floor()
        const bodiesBefore = bodies

        yield* flood(WINDOWS.slice(FILL))
        const after = floor()
        const flooded = bodies - bodiesBefore
        const end = yield* stats
        expect(end.bytes).toBeLessThanOrEqual(MAX_BYTES)
        expect(end.misses).toBe(WINDOWS.length)
        console.log(
          `RssAnon ${(before / MIB).toFixed(0)} MB at the budget, ${(after / MIB).toFixed(0)} MB after ` +
            `${WINDOWS.length - FILL} more distinct answers (${(flooded / MIB).toFixed(0)} MB of bodies)`
        )
        // Holding what it served would grow RssAnon by at least the bodies' size. A third of it is left for the
        // garbage the heaps hold until a major collection (measured: up to ~45 MB over a hundred answers here).
        expect(flooded).toBeGreaterThan(10 * MAX_BYTES)
        expect(after - before).toBeLessThan(flooded / 3)
      }),
    120_000
  )
})
