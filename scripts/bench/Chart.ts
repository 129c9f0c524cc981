import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"
import { type BenchResults, clientMs, endpointStats } from "./Results.js"
import { ENDPOINT_PATHS, ENDPOINTS } from "./Shapes.js"
import { percentile } from "./Stats.js"

export const SERIES = [
  "baseline (reference engine, uncached)",
  "optimized, uncached",
  "optimized, cached (X-Cache: HIT)",
  "database floor (same SQL in-process)",
  "HTTP floor (bare node:http, same body size)"
] as const

export interface ChartPoint {
  readonly endpoint: string
  readonly series: (typeof SERIES)[number]
  readonly ms: number
}

/** The p50 per endpoint of every series the chart compares, ms, one connection. */
export const chartPoints = (r: BenchResults): ReadonlyArray<ChartPoint> =>
  ENDPOINTS.flatMap((endpoint) => {
    const floor = r.optimized
      .filter((run) => run.shape.endpoint === endpoint)
      .flatMap((run) => r.dbFloor.get(run.shape.url) ?? [])
    const values: ReadonlyArray<number> = [
      endpointStats(r.baseline, endpoint, clientMs).p50,
      endpointStats(r.optimized, endpoint, clientMs).p50,
      endpointStats(r.cached, endpoint, clientMs).p50,
      percentile(floor, 50),
      endpointStats(r.httpFloor, endpoint, clientMs).p50
    ]
    return SERIES.map((series, i) => ({ endpoint: ENDPOINT_PATHS[endpoint], series, ms: values[i]! }))
  }).filter((p) => Number.isFinite(p.ms))

/** The chart as SVG: grouped bars per endpoint, p50 latency on a log scale (vega-lite, rendered headless). */
export const renderChart = async (points: ReadonlyArray<ChartPoint>, title: string): Promise<string> => {
  const values = points.map((p) => ({ ...p, ms: Math.max(p.ms, 0.001) }))
  // A log scale cannot start at zero (where bars start by default): from the power of ten below the smallest bar.
  const domainMin = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...values.map((v) => v.ms)))))
  const domainMax = Math.pow(10, Math.ceil(Math.log10(Math.max(1, ...values.map((v) => v.ms)))))
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: title, subtitle: "p50 latency per endpoint, one connection, ms (log scale)" },
    width: 960,
    height: 360,
    background: "white",
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "endpoint", type: "nominal", sort: null, axis: { labelAngle: -30, labelLimit: 240, title: null } },
      xOffset: { field: "series", type: "nominal", sort: [...SERIES] },
      y: {
        field: "ms",
        type: "quantitative",
        stack: null,
        scale: { type: "log", domain: [domainMin, domainMax] },
        title: "p50, ms (log)"
      },
      color: {
        field: "series",
        type: "nominal",
        sort: [...SERIES],
        scale: { range: ["#9e9e9e", "#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"] },
        legend: { orient: "bottom", columns: 2, title: null, labelLimit: 400 }
      }
    }
  }
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
