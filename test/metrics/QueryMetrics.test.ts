import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricState } from "effect"
import { type Answered, type CacheOutcome, QueryMetrics } from "../../src/metrics/QueryMetrics.js"
import type { QueryName } from "../../src/query/Query.js"

const answer = (durationMs: number, outcome: CacheOutcome, rows = 1): Answered => ({ durationMs, rows, outcome })

const recordAll = (name: QueryName, answers: ReadonlyArray<Answered>) =>
  Effect.gen(function* () {
    const metrics = yield* QueryMetrics
    for (const a of answers) metrics.recordSync(name, a)
  })

const snapshot = Effect.flatMap(QueryMetrics, (m) => m.performanceSnapshot)

describe("QueryMetrics", () => {
  it.effect("reports exactly the recorded counts, averages, nearest-rank quantiles and hit rates", () =>
    Effect.gen(function* () {
      yield* recordAll("summary_daily", [
        ...[10, 20, 30].map((ms) => answer(ms, "MISS")),
        ...[1, 2, 3, 4, 5].map((ms) => answer(ms, "HIT"))
      ])
      yield* recordAll("records", [answer(7, "MISS"), answer(9, "STALE")])
      const perf = yield* snapshot
      expect(perf).toEqual({
        records: { count: 2, avg_ms: 8, p50_ms: 7, p99_ms: 9, cache_hit_rate: 50 },
        summary_daily: { count: 8, avg_ms: 9.375, p50_ms: 4, p99_ms: 30, cache_hit_rate: 62.5 }
      })
      expect(Object.keys(perf)).toEqual(["records", "summary_daily"])
    }).pipe(Effect.provide(QueryMetrics.Default))
  )

  it.effect("is empty before any answer, and never lists a name that was not answered", () =>
    Effect.gen(function* () {
      expect(yield* snapshot).toEqual({})
      yield* recordAll("lines", [answer(1, "MISS")])
      expect(Object.keys(yield* snapshot)).toEqual(["lines"])
    }).pipe(Effect.provide(QueryMetrics.Default))
  )

  it.effect("counts a 304 from a valid entry as served from the cache; record and recordSync share state", () =>
    Effect.gen(function* () {
      const metrics = yield* QueryMetrics
      yield* metrics.record("items", answer(2, "NOT_MODIFIED_HIT", 0))
      metrics.recordSync("items", answer(4, "MISS"))
      yield* metrics.record("items", answer(6, "HIT"))
      expect((yield* snapshot).items).toEqual({ count: 3, avg_ms: 4, p50_ms: 4, p99_ms: 6, cache_hit_rate: 66.67 })
    }).pipe(Effect.provide(QueryMetrics.Default))
  )

  it.effect("windowed figures cover only the most recent 1000 answers; count is all-time", () =>
    Effect.gen(function* () {
      const slow = Array.from({ length: 1000 }, () => answer(101, "MISS"))
      const fast = Array.from({ length: 1000 }, () => answer(1, "HIT"))
      yield* recordAll("summary_by_item", [...slow, ...fast])
      expect((yield* snapshot).summary_by_item).toEqual({
        count: 2000,
        avg_ms: 1,
        p50_ms: 1,
        p99_ms: 1,
        cache_hit_rate: 100
      })
      // One slow answer pushes out one fast one: the 990th of 1000 sorted is still fast.
      yield* recordAll("summary_by_item", [answer(101, "MISS")])
      expect((yield* snapshot).summary_by_item).toEqual({
        count: 2001,
        avg_ms: 1.1,
        p50_ms: 1,
        p99_ms: 1,
        cache_hit_rate: 99.9
      })
    }).pipe(Effect.provide(QueryMetrics.Default))
  )

  it.effect("rounds milliseconds to 3 decimals and the hit rate to 2; bad durations count as 0", () =>
    Effect.gen(function* () {
      yield* recordAll("summary_monthly", [answer(1 / 3, "HIT"), answer(1 / 3, "MISS"), answer(1 / 3, "MISS")])
      expect((yield* snapshot).summary_monthly).toEqual({
        count: 3,
        avg_ms: 0.333,
        p50_ms: 0.333,
        p99_ms: 0.333,
        cache_hit_rate: 33.33
      })
      yield* recordAll("records_export", [answer(Number.NaN, "MISS"), answer(-5, "MISS"), answer(Infinity, "MISS")])
      expect((yield* snapshot).records_export).toMatchObject({ count: 3, avg_ms: 0, p99_ms: 0 })
    }).pipe(Effect.provide(QueryMetrics.Default))
  )

  it.effect("each Default layer starts from zero", () =>
    Effect.gen(function* () {
      yield* recordAll("lines", [answer(1, "MISS")]).pipe(Effect.provide(QueryMetrics.Default))
      expect(yield* snapshot.pipe(Effect.provide(QueryMetrics.Default))).toEqual({})
    })
  )

  it.effect("the Global layer's series are visible through effect's Metric.snapshot", () =>
    Effect.gen(function* () {
      yield* recordAll("summary_by_line", [answer(3, "STALE"), answer(3, "STALE")])
      const pairs = yield* Metric.snapshot
      const stale = pairs.find(
        (p) =>
          p.metricKey.name === "production_api_query_answers_total" &&
          p.metricKey.tags.some((t) => t.key === "query" && t.value === "summary_by_line") &&
          p.metricKey.tags.some((t) => t.key === "cache" && t.value === "stale")
      )
      expect(stale !== undefined && MetricState.isCounterState(stale.metricState) && stale.metricState.count).toBe(2)
    }).pipe(Effect.provide(QueryMetrics.Global))
  )

  it.effect("recordSync costs well under 10 µs", () =>
    Effect.gen(function* () {
      const metrics = yield* QueryMetrics
      const outcomes: ReadonlyArray<CacheOutcome> = ["HIT", "STALE", "MISS", "NOT_MODIFIED_HIT"]
      const n = 200_000
      const started = performance.now()
      for (let i = 0; i < n; i++) metrics.recordSync("summary_daily", answer(i % 97, outcomes[i & 3]!, 10))
      const microsEach = ((performance.now() - started) * 1000) / n
      expect(microsEach).toBeLessThan(10)
      expect((yield* snapshot).summary_daily?.count).toBe(n)
    }).pipe(Effect.provide(QueryMetrics.Default))
  )
})
