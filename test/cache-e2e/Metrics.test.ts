import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import type { CacheStats } from "../../src/cache/EntryStore.js"
import { CachedServer, cachedServer, get } from "./CachedServerKit.js"

const promtool = spawnSync("promtool", ["--version"]).error === undefined

const DAILY = "/summary/daily?from=2026-01-01&to=2026-01-31"

describe.each(["sqlite", "postgres"] as const)("metrics after a known sequence of requests on %s", (backend) => {
  layer(cachedServer({ backend }), { excludeTestServices: true })((it) => {
    it.effect("counts 200s and 304s per query name with their cache outcome, and nothing else", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        const replies = [yield* get(port, DAILY), yield* get(port, DAILY), yield* get(port, DAILY)]
        expect(replies.map((r) => r.cache)).toEqual(["MISS", "HIT", "HIT"])
        const notModified = yield* get(port, DAILY, { "if-none-match": replies[0]!.etag! })
        expect(notModified.status).toBe(304)
        const records = []
        for (const target of ["/records?from=2026-01-01&to=2026-01-10", "/records?from=2026-02-01&to=2026-02-10"]) {
          records.push(yield* get(port, target))
        }
        expect(records.map((r) => r.cache)).toEqual(["MISS", "MISS"])
        const bad = yield* get(port, "/summary/daily?from=2026-13-01")
        expect(bad.status).toBe(400)

        const performance = (yield* get(port, "/metrics/performance")).json as Record<string, Record<string, number>>
        expect(Object.keys(performance).sort()).toEqual(["records", "summary_daily"])
        expect(performance["summary_daily"]).toMatchObject({ count: 4, cache_hit_rate: 75 })
        expect(performance["records"]).toMatchObject({ count: 2, cache_hit_rate: 0 })
        for (const figures of Object.values(performance)) {
          expect(Object.keys(figures).sort()).toEqual(["avg_ms", "cache_hit_rate", "count", "p50_ms", "p99_ms"])
          expect(figures["p50_ms"]).toBeGreaterThanOrEqual(0)
          expect(figures["p99_ms"]).toBeGreaterThanOrEqual(figures["p50_ms"]!)
        }

        const cache = (yield* get(port, "/metrics/cache")).json as { api_cache: CacheStats; performance: unknown }
        // The three bodies, and the compressed forms sent to `fetch` (each smaller than its body).
        const bodies = [replies[0]!, ...records].reduce((sum, r) => sum + Buffer.byteLength(r.body), 0)
        expect(cache.api_cache.bytes).toBeGreaterThanOrEqual(bodies)
        expect(cache.api_cache.bytes).toBeLessThan(2 * bodies)
        // The two hits and the 304 of the daily summary were served by the fast path; three answers computed.
        expect(cache.api_cache).toEqual({
          size: 3,
          capacity: 10_000,
          hits: 3,
          misses: 3,
          stale_served: 0,
          refreshes: 0,
          refresh_failures: 0,
          invalidations: 0,
          evictions: 0,
          hit_rate: 50,
          bytes: cache.api_cache.bytes,
          max_bytes: 268_435_456
        })
        expect(cache.performance).toEqual(performance)

        const prometheus = yield* get(port, "/metrics")
        expect(prometheus.status).toBe(200)
        expect(prometheus.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
        const lines = prometheus.body.split("\n")
        const answers = (query: string, outcome: string) =>
          `production_api_query_answers_total{query="${query}",cache="${outcome}"}`
        for (const expected of [
          `${answers("summary_daily", "miss")} 1`,
          `${answers("summary_daily", "hit")} 2`,
          `${answers("summary_daily", "stale")} 0`,
          `${answers("summary_daily", "not_modified_hit")} 1`,
          `${answers("records", "miss")} 2`,
          `${answers("records", "hit")} 0`,
          `${answers("lines", "miss")} 0`,
          'production_api_query_duration_seconds_count{query="summary_daily"} 4',
          'production_api_query_duration_seconds_count{query="records"} 2',
          "production_api_cache_entries 3",
          "production_api_cache_hits_total 3",
          "production_api_cache_misses_total 3",
          "production_api_cache_invalidations_total 0",
          `production_api_cache_bytes ${cache.api_cache.bytes}`,
          "production_api_cache_max_bytes 268435456",
          "production_api_pool_workers 2",
          'production_api_db_readable{file="live"} 1',
          'production_api_db_readable{file="archive"} 1'
        ]) {
          expect(lines).toContain(expected)
        }
        if (!promtool) {
          console.warn("promtool check metrics SKIPPED: promtool not on PATH (apt-get install prometheus)")
          return
        }
        const check = spawnSync("promtool", ["check", "metrics"], { input: prometheus.body, encoding: "utf8" })
        expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: "" })
      })
    )
  })
})
