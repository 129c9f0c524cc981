import { Effect, Layer, Metric, MetricBoundaries, type MetricHook, MetricKey, MetricRegistry } from "effect"
import type { QueryName } from "../query/Query.js"
import { AnswerWindow, type QueryPerformance } from "./AnswerWindow.js"
import { type Family, renderFamilies } from "./PrometheusText.js"
import { type ScrapeInput, scrapeFamilies } from "./ScrapeInput.js"

/** How an answer was served: `X-Cache`, or a 304 answered from a valid cache entry. */
export type CacheOutcome = "HIT" | "STALE" | "MISS" | "NOT_MODIFIED_HIT"

/** One 200 or 304 answer of a query name. */
export interface Answered {
  /** Wall time of the whole answer, in milliseconds. */
  readonly durationMs: number
  /** Rows in the body sent (0 for a 304). */
  readonly rows: number
  readonly outcome: CacheOutcome
}

/** `/metrics/performance`: a name never answered is absent. */
export type PerformanceSnapshot = Partial<Record<QueryName, QueryPerformance>>

// A record, so the compiler insists on every name of Query.ts (and no other); its key order is the output order.
const NAMES: Readonly<Record<QueryName, true>> = {
  records: true,
  records_export: true,
  items: true,
  lines: true,
  summary_daily: true,
  summary_monthly: true,
  summary_by_item: true,
  summary_by_line: true,
  summary_monthly_by_item: true
}
export const QUERY_NAMES = Object.keys(NAMES) as ReadonlyArray<QueryName>

const OUTCOME_LABELS: Readonly<Record<CacheOutcome, string>> = {
  HIT: "hit",
  STALE: "stale",
  MISS: "miss",
  NOT_MODIFIED_HIT: "not_modified_hit"
}
const OUTCOMES = Object.keys(OUTCOME_LABELS) as ReadonlyArray<CacheOutcome>

const HELP = {
  answers: "200 and 304 answers by query name and how the response cache served them.",
  rows: "Rows sent in answer bodies.",
  duration: "Time to answer, from request to response."
}
const ANSWERS = MetricKey.counter("production_api_query_answers_total", { description: HELP.answers })
const ROWS = MetricKey.counter("production_api_query_rows_total", { description: HELP.rows })
const DURATION = MetricKey.histogram(
  "production_api_query_duration_seconds",
  MetricBoundaries.fromIterable([
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
  ]),
  HELP.duration
)

interface Series {
  readonly window: AnswerWindow
  readonly answers: Readonly<Record<string, MetricHook.MetricHook.Counter<number> | undefined>>
  readonly rows: MetricHook.MetricHook.Counter<number>
  readonly duration: MetricHook.MetricHook.Histogram
}

// Hooks are resolved once here, so recording never hashes a key or allocates a tag array.
const makeSeries = (registry: MetricRegistry.MetricRegistry, name: QueryName): Series => ({
  window: new AnswerWindow(),
  answers: Object.fromEntries(
    OUTCOMES.map((o) => [
      o,
      registry.getCounter(ANSWERS.pipe(MetricKey.tagged("query", name), MetricKey.tagged("cache", OUTCOME_LABELS[o])))
    ])
  ),
  rows: registry.getCounter(MetricKey.tagged(ROWS, "query", name)),
  duration: registry.getHistogram(MetricKey.tagged(DURATION, "query", name))
})

const nonNegative = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0)

const build = (registry: MetricRegistry.MetricRegistry) => {
  const series = new Map(QUERY_NAMES.map((name) => [name as string, makeSeries(registry, name)]))

  const recordSync = (name: QueryName, answer: Answered): void => {
    const s = series.get(name)
    if (s === undefined) return
    const ms = nonNegative(answer.durationMs)
    s.window.record(ms, answer.outcome !== "MISS")
    s.answers[answer.outcome]?.update(1)
    s.rows.update(nonNegative(answer.rows))
    s.duration.update(ms / 1000)
  }

  const snapshot = (): PerformanceSnapshot => {
    const result: PerformanceSnapshot = {}
    for (const name of QUERY_NAMES) {
      const figures = series.get(name)!.window.performance()
      if (figures !== undefined) result[name] = figures
    }
    return result
  }

  // Every known name is exported from the start (zeros), so a first answer shows up as an increase.
  const queryFamilies = (): Array<Family> => {
    const all = QUERY_NAMES.map((name) => [name, series.get(name)!] as const)
    return [
      {
        type: "counter",
        name: ANSWERS.name,
        help: HELP.answers,
        samples: all.flatMap(([query, s]) =>
          OUTCOMES.map((o) => ({ labels: { query, cache: OUTCOME_LABELS[o] }, value: s.answers[o]!.get().count }))
        )
      },
      {
        type: "histogram",
        name: DURATION.name,
        help: HELP.duration,
        series: all.map(([query, s]) => {
          const { buckets, sum, count } = s.duration.get()
          return { labels: { query }, buckets, sum, count }
        })
      },
      {
        type: "counter",
        name: ROWS.name,
        help: HELP.rows,
        samples: all.map(([query, s]) => ({ labels: { query }, value: s.rows.get().count }))
      }
    ]
  }

  return {
    /** Records one 200/304 answer of `name`. */
    record: (name: QueryName, answer: Answered): Effect.Effect<void> => Effect.sync(() => recordSync(name, answer)),
    /** The same as `record`, for code outside any fiber (a plain `node:http` listener). Never throws. */
    recordSync,
    /** The `/metrics/performance` body. */
    performanceSnapshot: Effect.sync(snapshot),
    /** The `/metrics` body (serve it as `PROMETHEUS_CONTENT_TYPE`); `extra` is read at scrape time. */
    prometheusText: (extra: ScrapeInput): Effect.Effect<string> =>
      Effect.sync(() => renderFamilies([...queryFamilies(), ...scrapeFamilies(extra)]))
  }
}

/**
 * Per-query answer metrics. Counters and the seconds histogram live in effect's metric hooks (the Prometheus text
 * reads them); the contract's windowed figures (the most recent 1000 answers) come from an `AnswerWindow` per name.
 * `Default` keeps its own registry, so state lives and dies with the layer (one per server, or per test).
 */
export class QueryMetrics extends Effect.Service<QueryMetrics>()("QueryMetrics", {
  sync: () => build(MetricRegistry.make())
}) {
  /**
   * Records into effect's global registry instead, so `Metric.snapshot` (and exporters reading it) see the series.
   * Build it once per process: a second instance would start fresh windows over the same counters.
   */
  static readonly Global: Layer.Layer<QueryMetrics> = Layer.sync(QueryMetrics, () =>
    QueryMetrics.make(build(Metric.globalMetricRegistry))
  )
}
