import { readFileSync } from "node:fs"
import type { ShapeRun } from "./Latency.js"
import { section, table } from "./Markdown.js"
import { type BenchResults, clientMs } from "./Results.js"
import { ENDPOINT_PATHS, ENDPOINTS, type Endpoint } from "./Shapes.js"
import { int, median, ms, percentile, ratio } from "./Stats.js"
import type { TargetRow } from "./Targets.js"

const FORMAT = "bench-results/1"

/** The spec's bound for 10× the data: each summary's uncached p50 within this factor of its p50 before. */
export const GROWTH_FACTOR = 1.5

/** One shape's uncached samples (client round trips, ms) on each backend measured. */
export interface SavedShape {
  readonly endpoint: Endpoint
  readonly label: string
  readonly rows: number
  readonly sqliteMs: ReadonlyArray<number>
  readonly postgresMs?: ReadonlyArray<number>
}

/** What a run writes beside its report (`<report>.json`) for a later `--compare-with`. */
export interface SavedResults {
  readonly format: typeof FORMAT
  readonly date: string
  readonly command: string
  readonly revision: string
  readonly records: number
  readonly shapes: ReadonlyArray<SavedShape>
}

export const savedResults = (r: BenchResults): SavedResults => ({
  format: FORMAT,
  date: r.date,
  command: r.command,
  revision: r.revision,
  records: r.profile.rows,
  shapes: r.optimized.map((run, k) => {
    const postgres = r.postgres?.runs[k]
    return {
      endpoint: run.shape.endpoint,
      label: run.shape.label,
      rows: run.rows,
      sqliteMs: clientMs(run),
      ...(postgres === undefined ? {} : { postgresMs: clientMs(postgres) })
    }
  })
})

export const readSavedResults = (path: string): SavedResults => {
  const saved = JSON.parse(readFileSync(path, "utf8")) as Partial<SavedResults>
  if (saved.format !== FORMAT || !Array.isArray(saved.shapes)) {
    throw new Error(`${path} is not a results file of this bench (${FORMAT}): --compare-with wants REPORT.json`)
  }
  return saved as SavedResults
}

/**
 * Shapes of two runs are matched by endpoint and label, the search term left out (it is drawn from the data,
 * which differs), and by occurrence among equal labels.
 */
const keysOf = (shapes: ReadonlyArray<{ readonly endpoint: Endpoint; readonly label: string }>) => {
  const seen = new Map<string, number>()
  return shapes.map((s) => {
    const base = `${s.endpoint} ${s.label.replace(/q=\S+/g, "q=…")}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return `${base} #${n}`
  })
}

interface Side {
  readonly endpoint: Endpoint
  readonly label: string
  readonly rows: number
  readonly sqliteMs: ReadonlyArray<number>
  readonly postgresMs: ReadonlyArray<number>
}

const nowShapes = (r: BenchResults): ReadonlyArray<Side> =>
  r.optimized.map((run: ShapeRun, k) => ({
    endpoint: run.shape.endpoint,
    label: run.shape.label,
    rows: run.rows,
    sqliteMs: clientMs(run),
    postgresMs: r.postgres === undefined ? [] : clientMs(r.postgres.runs[k]!)
  }))

const pairs = (r: BenchResults, then: SavedResults) => {
  const before = new Map(keysOf(then.shapes).map((key, i) => [key, then.shapes[i]!]))
  const now = nowShapes(r)
  return keysOf(now).flatMap((key, i) => {
    const old = before.get(key)
    return old === undefined ? [] : [{ now: now[i]!, then: { ...old, postgresMs: old.postgresMs ?? [] } }]
  })
}

type Pair = ReturnType<typeof pairs>[number]
type Backend = "sqliteMs" | "postgresMs"

const endpointGrowth = (matched: ReadonlyArray<Pair>, endpoint: Endpoint, backend: Backend) => {
  const of = matched.filter((p) => p.now.endpoint === endpoint)
  const then = percentile(
    of.flatMap((p) => p.then[backend]),
    50
  )
  const now = percentile(
    of.flatMap((p) => p.now[backend]),
    50
  )
  return { then, now, growth: now / then }
}

const BACKENDS: ReadonlyArray<readonly [Backend, string]> = [
  ["sqliteMs", "SQLite"],
  ["postgresMs", "PostgreSQL"]
]

const SUMMARIES = ENDPOINTS.filter((e) => e.startsWith("summary_"))

/** "10× the data": each summary endpoint's p50 now within 1.5× of then, per backend both runs measured. */
export const growthTargets = (r: BenchResults): ReadonlyArray<TargetRow> => {
  const then = r.compared
  if (then === undefined) return []
  const matched = pairs(r, then)
  return BACKENDS.flatMap(([backend, name]) => {
    const growths = SUMMARIES.map((e) => ({ endpoint: e, ...endpointGrowth(matched, e, backend) })).filter((g) =>
      Number.isFinite(g.growth)
    )
    if (growths.length === 0) return []
    const worst = [...growths].sort((a, b) => b.growth - a.growth)[0]!
    return [
      {
        what: `${name}: summaries' uncached p50 at ${int(r.profile.rows)} vs ${int(then.records)} records (§7)`,
        target: `within ${GROWTH_FACTOR}× of the smaller data's`,
        measured:
          `${growths.filter((g) => g.growth <= GROWTH_FACTOR).length}/${growths.length} summary endpoints within; ` +
          `worst: ${ENDPOINT_PATHS[worst.endpoint]} ${ms(worst.then)} → ${ms(worst.now)} ms = ${ratio(worst.growth)}`,
        pass: growths.every((g) => g.growth <= GROWTH_FACTOR)
      }
    ]
  })
}

const growthCells = (then: ReadonlyArray<number>, now: ReadonlyArray<number>) => {
  const [a, b] = [median(then), median(now)]
  return [ms(a), ms(b), ratio(b / a)]
}

/** Report §7: every endpoint's and shape's uncached p50 in the compared run and in this one, per backend. */
export const growthSection = (r: BenchResults): string => {
  const then = r.compared
  if (then === undefined) return ""
  const matched = pairs(r, then)
  const backends = BACKENDS.filter(([backend]) => matched.some((p) => p.now[backend].length > 0))
  const endpointRows = ENDPOINTS.map((e) => [
    ENDPOINT_PATHS[e],
    ...backends.flatMap(([backend]) => {
      const g = endpointGrowth(matched, e, backend)
      return [ms(g.then), ms(g.now), ratio(g.growth)]
    })
  ])
  const head = (what: string) => backends.flatMap(([, name]) => [`${name} ${what} `, `${name} now `, `${name} growth `])
  return section(
    "## 7. Growth with the data",
    `This run (${int(r.profile.rows)} records) against \`--compare-with\` (${int(then.records)} records, ` +
      `${then.date}, ${then.revision}: \`${then.command}\`). Shapes matched by endpoint and label (search terms ` +
      `aside: they are drawn from each data set); ${matched.length} of ${r.optimized.length} matched. Uncached p50, ` +
      "one connection, ms. The two runs are separate: the machine's drift between them is in these ratios " +
      `(summaries should stay within ${GROWTH_FACTOR}×: the rollups).`,
    table(["endpoint", ...head("then")], endpointRows),
    "<details><summary>Every shape</summary>\n\n" +
      table(
        ["endpoint", "shape", "rows then ", "rows now ", ...head("then")],
        matched.map((p) => [
          ENDPOINT_PATHS[p.now.endpoint],
          p.now.label,
          int(p.then.rows),
          int(p.now.rows),
          ...backends.flatMap(([backend]) => growthCells(p.then[backend], p.now[backend]))
        ])
      ) +
      "\n\n</details>"
  )
}
