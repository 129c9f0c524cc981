import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { ChangeDetector } from "../backends/sqlite/changes/ChangeDetector.js"
import { DB_FILES } from "../domain/DbFile.js"
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/PrometheusText.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
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
    const detector = yield* Effect.serviceOption(ChangeDetector)
    const files = Option.match(detector, {
      onNone: () => Effect.succeed(undefined),
      onSome: (d) =>
        Effect.map(d.states, (states) =>
          DB_FILES.map((file) => {
            const state = states[file]
            return {
              file,
              dataVersion: state.dataVersion,
              readable: state.readable,
              seq: state.seq,
              auditedSeq: state.audit?.seq ?? null,
              behind: state.audit?.behind === true,
              reconnects: state.reconnects
            }
          })
        )
    })
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
          const fileStates = yield* files
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
