import { section, table } from "./Markdown.js"
import type { MixedRun } from "./Mixed.js"
import { type BenchResults, serviceCommand } from "./Results.js"
import { int, mb, median, ms, pct, ratio } from "./Stats.js"

/** One column of a table of load runs: its header (a trailing space right-aligns it) and its figure. */
export interface RunColumn<R> {
  readonly head: string
  readonly value: (run: R) => number
  readonly format: (value: number) => string
}

/** A row per run, then the medians. */
export const runsTable = <R>(runs: ReadonlyArray<R>, columns: ReadonlyArray<RunColumn<R>>): string =>
  table(
    ["run", ...columns.map((c) => c.head)],
    [
      ...runs.map((run, i) => [String(i + 1), ...columns.map((c) => c.format(c.value(run)))]),
      ["**median**", ...columns.map((c) => c.format(median(runs.map(c.value))))]
    ]
  )

const megabytes = (bytes: number) => (bytes / 1048576).toFixed(1)

/** The columns of a mixed-workload run up to its hit rate, and its cache misses and worker figures. */
export const LOAD_COLUMNS: ReadonlyArray<RunColumn<MixedRun>> = [
  { head: "req/s ", value: (x) => x.rps, format: int },
  { head: "MB/s ", value: (x) => x.bytesPerS, format: megabytes },
  { head: "p50 ms ", value: (x) => x.p50, format: ms },
  { head: "p99 ms ", value: (x) => x.p99, format: ms },
  { head: "max ms ", value: (x) => x.max, format: ms },
  { head: "errors ", value: (x) => x.errors, format: int },
  { head: "timeouts ", value: (x) => x.timeouts, format: int },
  { head: "non-2xx ", value: (x) => x.non2xx, format: int },
  { head: "hit rate ", value: (x) => x.hitRate, format: pct }
]

export const POOL_COLUMNS: ReadonlyArray<RunColumn<MixedRun>> = [
  { head: "misses ", value: (x) => x.misses, format: int },
  { head: "worker deadline passed ", value: (x) => x.poolTimeouts, format: int },
  { head: "pool refusals ", value: (x) => x.poolRejections, format: int }
]

export const loadSection = (r: BenchResults): string => {
  const m = r.mixed
  const kinds = Object.entries(m.kinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ")
  return section(
    "## 3. Under load: the mixed workload, cache on",
    `${m.distinct} distinct URLs (${kinds}; ${m.crossing} windows cross the cutover), Zipf popularity (s = 1), ` +
      `${r.options.connections} connections, ${r.options.durationS} s a run after a ${m.warmupS} s warm-up, ` +
      "`Accept-Encoding: gzip, deflate, br` as browsers send it (MB/s: bytes on the wire), " +
      "autocannon latencies (whole ms), each connection cycling through its own slice of the Zipf sequence. Hit rate: cache hits and stale answers over all lookups, from " +
      "`/metrics/cache` before and after each run. Worker deadline passed: `pool_timeouts` from `/metrics` " +
      "(a request that waited for or ran on a worker longer than `QUERY_TIMEOUT_MS`).",
    runsTable(m.runs, [...LOAD_COLUMNS, ...POOL_COLUMNS])
  )
}

export const crossDbSection = (r: BenchResults): string => {
  const c = r.crossDb
  const alone = c.halves.reduce((s, h) => s + h.aloneMs, 0)
  return section(
    "## 4. Parallel cross-DB execution",
    "By-item totals computed from the raw rows (`SELECT item_code, sum(…), count(*) … GROUP BY item_code`) of each " +
      "file's half of the window, through the service's read pool built in the bench process (2 worker threads): " +
      "both halves at once (`Effect.all`, concurrency 2) vs one after the other (concurrency 1). Database time as " +
      `the caller sees it: from dispatching the first half to the last result (pool round trips included). Medians of ${c.samples}.`,
    table(
      ["run", "window", "database time ms ", "vs sequential "],
      [
        ...c.halves.map((h) => [
          `${h.file} half alone`,
          `${h.from}..${h.to}`,
          ms(h.aloneMs),
          ratio(h.aloneMs / c.sequentialMs)
        ]),
        ["halves alone, summed", "", ms(alone), ratio(alone / c.sequentialMs)],
        ["sequential", `${c.halves[0]?.from}..${c.halves.at(-1)?.to}`, ms(c.sequentialMs), ratio(1)],
        [
          "concurrent",
          `${c.halves[0]?.from}..${c.halves.at(-1)?.to}`,
          ms(c.concurrentMs),
          ratio(c.concurrentMs / c.sequentialMs)
        ]
      ]
    )
  )
}

export const exportSection = (r: BenchResults): string =>
  section(
    "## 5. Large results: export",
    `\`${r.exportPath}\` from the optimized server (cache off), streamed and counted by the client; the server's ` +
      "`RssAnon` (from `/proc/<pid>/status`, the memory-mapped file pages not counted) sampled every 50 ms. " +
      `The same server's \`RssAnon\` right after it started serving: ${mb(r.anonAtStart)}; "before" is after the ` +
      "uncached passes and earlier exports (SQLite page caches and V8 heaps filled).",
    table(
      ["run", "rows ", "bytes ", "seconds ", "rows/s ", "RssAnon before ", "peak RssAnon "],
      [
        ...r.exportRuns.map((x, i) => [
          String(i + 1),
          int(x.rows),
          mb(x.bytes),
          x.seconds.toFixed(2),
          int(x.rowsPerS),
          mb(x.idleAnon),
          mb(x.peakAnon)
        ]),
        [
          "**median**",
          int(median(r.exportRuns.map((x) => x.rows))),
          mb(median(r.exportRuns.map((x) => x.bytes))),
          median(r.exportRuns.map((x) => x.seconds)).toFixed(2),
          int(median(r.exportRuns.map((x) => x.rowsPerS))),
          mb(median(r.exportRuns.map((x) => x.idleAnon))),
          mb(median(r.exportRuns.map((x) => x.peakAnon)))
        ]
      ]
    )
  )

export const startupSection = (r: BenchResults): string => {
  const labels = [...new Set(r.starts.map((s) => s.label))]
  return section(
    "## Start-up",
    `Spawn of the service (${serviceCommand(r)}) to the first 200 of \`/health\` (polled every 10 ms), migrated ` +
      "files present, worker bundle built. The bare start is the HTTP floor's `node:http` server, bundled too.",
    table(
      ["process", "samples ", "median ms ", "min ms ", "max ms "],
      labels.map((label) => {
        const values = r.starts.filter((s) => s.label === label).map((s) => s.ms)
        return [label, values.length, ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values))]
      })
    )
  )
}

export const pragmaSection = (r: BenchResults, verdict: (i: number) => string): string => {
  const base = r.pragmas.find((p) => p.change === "default")
  const rows = r.pragmas.map((p, i) => [
    p.change === "default" ? "default set" : `${p.pragma?.name}=${p.pragma?.value} ${p.change}`,
    `\`${p.pragmas}\``,
    ...r.pragmaShapes.map((label) => {
      const value = p.medians.get(label) ?? NaN
      const against = base?.medians.get(label) ?? NaN
      return p.change === "default" ? ms(value) : `${ms(value)} (${ratio(value / against)})`
    }),
    p.change === "default" ? "" : verdict(i)
  ])
  return section(
    "## Pragmas",
    "Each pragma of the shipped set (`DEFAULT_PRAGMAS`, src/backends/sqlite/db/Pragmas.ts) left out one at a time, and each " +
      "pragma of the seed design's set (`SEED_DESIGN_PRAGMAS`) the service does not ship swapped in, on heavy " +
      "uncached shapes: the optimized engine's statements in this process on " +
      "connections opened as the workers open theirs, each configuration with its own connections, passes " +
      "interleaved. Median statement time, ms (ratio to the default set).",
    table(["change", "pragmas", ...r.pragmaShapes.map((s) => `${s} `), "verdict"], rows)
  )
}
