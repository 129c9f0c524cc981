import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/PrometheusText.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { SourceStates } from "../metrics/SourceStates.js"
import { EngineStats } from "../query/EngineStats.js"
import { Api } from "./Api.js"

const json = (value: unknown) =>
  HttpServerResponse.text(JSON.stringify(value), {
    contentType: "application/json",
    headers: { "cache-control": "no-store" }
  })

/** `/metrics/performance`, `/metrics/cache` and the Prometheus exposition, read at request time. */
export const MetricsHandlers = HttpApiBuilder.group(Api, "metrics", (handlers) =>
  Effect.gen(function* () {
    const metrics = yield* QueryMetrics
    const cache = yield* ResponseCache
    const engine = yield* EngineStats
    const sources = yield* SourceStates
    return handlers
      .handle("performance", () => Effect.map(metrics.performanceSnapshot, json))
      .handle("cache", () =>
        Effect.map(Effect.all([cache.stats, metrics.performanceSnapshot]), ([api_cache, performance]) =>
          json({ api_cache, performance })
        )
      )
      .handle("prometheus", () =>
        Effect.gen(function* () {
          const pool = yield* engine.pool
          const fileStates = yield* sources.files
          const text = yield* metrics.prometheusText({
            cache: yield* cache.stats,
            ...(pool === undefined ? {} : { pool }),
            ...(fileStates === undefined ? {} : { files: fileStates })
          })
          return HttpServerResponse.text(text, {
            contentType: PROMETHEUS_CONTENT_TYPE,
            headers: { "cache-control": "no-store" }
          })
        })
      )
  })
)
