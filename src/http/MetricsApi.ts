import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"

const QueryPerformance = Schema.Struct({
  count: Schema.Int.annotations({ description: "Answers (200 or 304) since start." }),
  avg_ms: Schema.Number.annotations({ description: "Mean duration over the most recent 1000 answers." }),
  p50_ms: Schema.Number,
  p99_ms: Schema.Number,
  cache_hit_rate: Schema.Number.annotations({
    description: "Percentage (0–100) of the most recent 1000 answers served from the cache (HIT, STALE, 304)."
  })
}).annotations({ identifier: "QueryPerformance" })

const Performance = Schema.Record({ key: Schema.String, value: QueryPerformance }).annotations({
  identifier: "Performance",
  description: "Per query name; a name never requested is absent."
})

const CacheStats = Schema.Struct({
  size: Schema.Int,
  capacity: Schema.Int,
  hits: Schema.Int,
  misses: Schema.Int,
  stale_served: Schema.Int,
  refreshes: Schema.Int,
  refresh_failures: Schema.Int,
  invalidations: Schema.Int,
  evictions: Schema.Int,
  hit_rate: Schema.Number,
  bytes: Schema.Int.annotations({ description: "Bytes of the cached bodies, compressed forms included." }),
  max_bytes: Schema.Int.annotations({ description: "CACHE_MAX_BYTES: least recently used entries out beyond it." })
}).annotations({ identifier: "CacheStats" })

export class MetricsGroup extends HttpApiGroup.make("metrics")
  .add(
    HttpApiEndpoint.get("performance", "/metrics/performance")
      .addSuccess(Performance)
      .annotate(OpenApi.Summary, "Per-query count, mean, p50, p99 and cache hit rate")
  )
  .add(
    HttpApiEndpoint.get("cache", "/metrics/cache")
      .addSuccess(Schema.Struct({ api_cache: CacheStats, performance: Performance }))
      .annotate(OpenApi.Summary, "Response cache counters and per-query performance")
  )
  .add(
    HttpApiEndpoint.get("prometheus", "/metrics")
      .addSuccess(Schema.String.annotations({ description: "Prometheus text exposition format 0.0.4." }))
      .annotate(OpenApi.Summary, "Everything above, plus pool and file gauges, for Prometheus")
  )
  .annotate(OpenApi.Description, "How the service performs.") {}
