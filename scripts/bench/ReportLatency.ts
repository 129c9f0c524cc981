import { section, table } from "./Markdown.js"
import { type BenchResults, dbMs, endpointStats, shapeP50, shapeVerdicts } from "./Results.js"
import { ENDPOINT_PATHS, ENDPOINTS, TWO_YEAR_MONTHLY } from "./Shapes.js"
import { int, median, ms, pct, percentile, ratio } from "./Stats.js"

const dbFloorOf = (r: BenchResults, endpoint: string): ReadonlyArray<number> =>
  r.optimized.filter((run) => run.shape.endpoint === endpoint).flatMap((run) => r.dbFloor.get(run.shape.url) ?? [])

export const baselineSection = (r: BenchResults): string => {
  const rows = ENDPOINTS.map((e) => {
    const base = endpointStats(r.baseline, e)
    const opt = endpointStats(r.optimized, e)
    const db = endpointStats(r.optimized, e, dbMs)
    return [
      ENDPOINT_PATHS[e],
      r.optimized.filter((x) => x.shape.endpoint === e).length,
      ms(base.p50),
      ms(base.p99),
      ms(opt.p50),
      ms(opt.p99),
      ms(db.p50),
      ratio(base.p50 / opt.p50)
    ]
  })
  const i = r.optimized.findIndex((x) => x.shape.endpoint === "summary_monthly" && x.shape.label === TWO_YEAR_MONTHLY)
  const verdicts = shapeVerdicts(r)
  const detail = verdicts.shapes.map(({ run, p50, limit, dbFloor, floors, reachable, outOfReach }, k) => [
    ENDPOINT_PATHS[run.shape.endpoint],
    run.shape.label,
    int(run.rows),
    ms(shapeP50(r.baseline[k])),
    ms(p50),
    ms(median(dbMs(run))),
    ms(dbFloor),
    ms(floors),
    reachable === undefined ? "–" : ms(reachable),
    ratio(shapeP50(r.baseline[k]) / p50),
    ms(limit),
    p50 <= limit ? "yes" : outOfReach === undefined ? "**no**" : `**no** (${outOfReach} above the limit)`
  ])
  return section(
    "## 1. Baseline vs optimized (uncached, one connection, cache off)",
    "Baseline: the same HTTP app with `QUERY_ENGINE=reference` on the un-migrated copies (one connection, ATTACH + " +
      "UNION ALL, aggregation after the union, no indexes), cache off. Optimized: the service as shipped, cache off. " +
      "Times are client round trips over one kept-alive loopback connection (ms); `db` is the optimized engine's own " +
      "time from `Server-Timing: db;dur`. p50/p99 over every sample of the endpoint's shapes.",
    table(
      [
        "endpoint",
        "shapes ",
        "baseline p50 ",
        "baseline p99 ",
        "optimized p50 ",
        "optimized p99 ",
        "db p50 ",
        "speed-up (p50) "
      ],
      rows
    ),
    i < 0
      ? ""
      : `2-year monthly summary (\`${r.optimized[i]!.shape.url}\`): baseline ${ms(shapeP50(r.baseline[i]))} ms, ` +
          `optimized ${ms(shapeP50(r.optimized[i]))} ms: **${ratio(shapeP50(r.baseline[i]) / shapeP50(r.optimized[i]))}**.`,
    "<details><summary>Every shape (p50 of its samples; db + HTTP floors: the statements alone in process, one " +
      "after the other, plus a bare `node:http` server sending a body of the same size, the least any server could " +
      "take for a window in one file (across the cutover the statements may run at once); + least cost: " +
      `those floors plus the service's least per-request cost in this run, ${ms(verdicts.overhead)} ms (the smallest ` +
      "p50 − floors of the shapes answered from one file: the worker hop, the request's fiber and response around " +
      "a statement), the least this architecture could take (– for windows across the cutover, whose db floor sums " +
      "statements the service runs at once); limit: the uncached target for its row count)</summary>\n\n" +
      table(
        [
          "endpoint",
          "shape",
          "rows ",
          "baseline ",
          "optimized ",
          "db ",
          "db floor ",
          "db + HTTP floors ",
          "+ least cost ",
          "speed-up ",
          "limit ",
          "within"
        ],
        detail
      ) +
      "\n\n</details>"
  )
}

/**
 * How steady the machine was while the latencies were taken: each timed pass's in-process statements, summed
 * over the shapes (the same work every pass), as min, median and max, ms.
 */
const steadiness = (r: BenchResults): string => {
  const perShape = [...r.dbFloor.values()]
  const passes = Math.min(...perShape.map((samples) => samples.length))
  if (perShape.length === 0 || !Number.isFinite(passes) || passes === 0) return ""
  const totals = Array.from({ length: passes }, (_, i) => perShape.reduce((sum, samples) => sum + samples[i]!, 0))
  const [min, max] = [Math.min(...totals), Math.max(...totals)]
  return (
    `How steady the machine was: the same statements, one pass of every shape, took ${ms(min)} to ${ms(max)} ms ` +
    `(median ${ms(median(totals))}, the slowest pass ${ratio(max / min)} the quickest) over the ${passes} timed ` +
    "passes; the service and the floors were measured in those same passes."
  )
}

export const floorsSection = (r: BenchResults): string => {
  const dbRows = ENDPOINTS.map((e) => {
    const opt = endpointStats(r.optimized, e).p50
    const db = endpointStats(r.optimized, e, dbMs).p50
    const floor = percentile(dbFloorOf(r, e), 50)
    return [ENDPOINT_PATHS[e], ms(opt), ms(db), ms(floor), ratio(opt / floor), ratio(db / floor)]
  })
  const httpRows = ENDPOINTS.map((e) => {
    const hit = endpointStats(r.cached, e).p50
    const floor = endpointStats(r.httpFloor, e).p50
    return [ENDPOINT_PATHS[e], ms(hit), ms(floor), ratio(hit / floor)]
  })
  const hits = r.cached.flatMap((x) => x.samples).filter((s) => s.xCache === "HIT").length
  const all = r.cached.flatMap((x) => x.samples).length
  const hot = r.hotPath
  const load = (name: string, runs: typeof hot.service) => [
    name,
    int(median(runs.map((x) => x.rps))),
    ms(median(runs.map((x) => x.p50))),
    ms(median(runs.map((x) => x.p99))),
    int(Math.max(...runs.map((x) => x.errors + x.non2xx)))
  ]
  const share = median(hot.service.map((x) => x.rps)) / median(hot.floor.map((x) => x.rps))
  return section(
    "## 2. Floors",
    "### Database floor",
    "The statements the optimized engine sends for each shape, run in this process with better-sqlite3 on the " +
      "migrated files, one after the other, through `FileConnection` (the class the pool's workers open files " +
      "with: read-only, the default pragma set, the fold function, raw rows, cached statements), in the same " +
      "passes as the servers' requests (side by side); statement time only. p50 over the endpoint's shapes, ms.",
    table(["endpoint", "service p50 ", "service db p50 ", "db floor p50 ", "service / floor ", "db / floor "], dbRows),
    steadiness(r),
    "### HTTP floor",
    `One connection: each shape answered from the cache (${hits}/${all} samples \`X-Cache: HIT\`) vs a bare ` +
      "`node:http` server returning a fixed body of the same size with the same headers. p50, ms.",
    table(["endpoint", "cached p50 ", "HTTP floor p50 ", "cached / floor "], httpRows),
    `Under load: \`${hot.url}\` (${int(hot.bytes)} bytes, \`X-Cache: HIT\`) vs the floor's body of the same size, ` +
      `${r.options.connections} connections, ${hot.durationS} s a run, runs alternated, medians of ${hot.service.length}.`,
    table(
      ["server", "req/s ", "p50 ms ", "p99 ms ", "errors + non-2xx "],
      [load("service, cached hot path", hot.service), load("bare node:http", hot.floor)]
    ),
    `The hot path serves **${pct(100 * share)}** of the floor's requests/s. autocannon runs in the bench process ` +
      "and shares the cores with the server under test: where the generator is the bottleneck, the floor's figure " +
      "understates bare `node:http` and this share is an upper bound."
  )
}
