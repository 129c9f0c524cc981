import type { ShapeRun } from "./Latency.js"
import { section, table } from "./Markdown.js"
import type { MixedResult } from "./Mixed.js"
import type { PgBuild } from "./PgData.js"
import { LOAD_COLUMNS, runsTable } from "./ReportLoad.js"
import { type BenchResults, endpointStats, shapeP50, uncachedLimitMs } from "./Results.js"
import { ENDPOINT_PATHS, ENDPOINTS } from "./Shapes.js"
import { int, mb, ms, ratio } from "./Stats.js"
import type { TargetRow } from "./Targets.js"

/** What `--backend postgres` measured: the PostgreSQL service's runs, index-aligned with the SQLite service's. */
export interface PostgresResults {
  readonly runs: ReadonlyArray<ShapeRun>
  readonly build: PgBuild
  /** False when this run built the database (the times below are this run's). */
  readonly cached: boolean
  /** One mixed-workload run on the PostgreSQL service, cache on. */
  readonly mixed: MixedResult
}

/** The spec's bound: every endpoint's PostgreSQL p50 within this factor of SQLite's. */
export const POSTGRES_FACTOR = 3

interface ShapeComparison {
  readonly sqlite: ShapeRun
  readonly postgres: ShapeRun
  readonly sqliteP50: number
  readonly postgresP50: number
  readonly limit: number
}

/** What §6 reads of a run. */
export type PostgresView = Pick<BenchResults, "optimized" | "postgres">

const comparisons = (r: PostgresView, pg: PostgresResults): ReadonlyArray<ShapeComparison> =>
  r.optimized.map((sqlite, k) => {
    const postgres = pg.runs[k]!
    return {
      sqlite,
      postgres,
      sqliteP50: shapeP50(sqlite),
      postgresP50: shapeP50(postgres),
      limit: uncachedLimitMs(sqlite.shape.endpoint, sqlite.rows)
    }
  })

const perEndpoint = (r: PostgresView, pg: PostgresResults) =>
  ENDPOINTS.map((endpoint) => {
    const sqlite = endpointStats(r.optimized, endpoint)
    const postgres = endpointStats(pg.runs, endpoint)
    return { endpoint, sqlite, postgres, ratio: postgres.p50 / sqlite.p50 }
  }).filter((e) => e.sqlite.n > 0)

/** The two PostgreSQL targets of the spec, judged on this run. */
export const postgresTargets = (r: PostgresView): ReadonlyArray<TargetRow> => {
  const pg = r.postgres
  if (pg === undefined) return []
  const endpoints = perEndpoint(r, pg)
  const worstEndpoint = [...endpoints].sort((a, b) => b.ratio - a.ratio)[0]
  const shapes = comparisons(r, pg)
  const within = shapes.filter((s) => s.postgresP50 <= s.limit)
  const worstShape = [...shapes].sort((a, b) => b.postgresP50 / b.limit - a.postgresP50 / a.limit)[0]
  return [
    {
      what: "PostgreSQL backend: every endpoint vs the SQLite backend, uncached (§6)",
      target: `p50 within ${POSTGRES_FACTOR}× of SQLite's`,
      measured:
        `${endpoints.filter((e) => e.ratio <= POSTGRES_FACTOR).length}/${endpoints.length} endpoints within` +
        (worstEndpoint === undefined
          ? ""
          : `; worst: ${ENDPOINT_PATHS[worstEndpoint.endpoint]} ${ms(worstEndpoint.postgres.p50)} vs ` +
            `${ms(worstEndpoint.sqlite.p50)} ms = ${ratio(worstEndpoint.ratio)}`),
      pass: endpoints.length > 0 && endpoints.every((e) => e.ratio <= POSTGRES_FACTOR)
    },
    {
      what: "PostgreSQL backend: uncached limits (§6)",
      target: "p50 ≤ 5 ms up to 1,000 rows (+2 µs a row beyond); `/records` page p50 ≤ 2 ms",
      measured:
        `${within.length}/${shapes.length} shapes within their limit` +
        (worstShape === undefined
          ? ""
          : `; worst: ${worstShape.sqlite.shape.endpoint} ${worstShape.sqlite.shape.label} p50 ` +
            `${ms(worstShape.postgresP50)} ms vs ${ms(worstShape.limit)} ms`),
      pass: shapes.length > 0 && within.length === shapes.length
    }
  ]
}

const buildText = (pg: PostgresResults): string => {
  const b = pg.build
  return (
    `PostgreSQL ${b.server}, a cluster of this machine's server binaries (fsync off; other settings the ` +
    `defaults: shared_buffers 128 MB), database \`bench\`: ${int(b.records)} records. ` +
    `\`npm run migrate -- --postgres\` took **${b.migrateS.toFixed(1)} s**, \`npm run import\` (COPY from both ` +
    `un-migrated files, rollups kept by the triggers, ANALYZE) **${b.importS.toFixed(1)} s**; ` +
    `\`pg_database_size\` after the import: **${mb(b.databaseBytes)}**. ` +
    (pg.cached
      ? `Built by an earlier run at ${b.builtAt} (these are its times) and reused: same data, schema and server.`
      : "Built by this run.")
  )
}

/** Report §6: the PostgreSQL service beside the SQLite one, uncached, shape by shape; then its mixed workload. */
export const postgresSection = (r: PostgresView): string => {
  const pg = r.postgres
  if (pg === undefined) return ""
  const endpointRows = perEndpoint(r, pg).map((e) => [
    ENDPOINT_PATHS[e.endpoint],
    ms(e.sqlite.p50),
    ms(e.postgres.p50),
    ratio(e.ratio),
    e.ratio <= POSTGRES_FACTOR ? "yes" : "**no**"
  ])
  const shapeRows = comparisons(r, pg).map((s) => [
    ENDPOINT_PATHS[s.sqlite.shape.endpoint],
    s.sqlite.shape.label,
    int(s.sqlite.rows),
    ms(s.sqliteP50),
    ms(s.postgresP50),
    ratio(s.postgresP50 / s.sqliteP50),
    s.postgresP50 <= POSTGRES_FACTOR * s.sqliteP50 ? "yes" : "**no**",
    ms(s.limit),
    s.postgresP50 <= s.limit ? "yes" : "**no**"
  ])
  return section(
    "## 6. PostgreSQL beside SQLite (uncached, one connection, cache off)",
    buildText(pg),
    "The service with `QUERY_BACKEND=postgres` (`DATABASE_URL` on that database, cache off) is a fourth subject " +
      "of §1-2's passes: pass by pass, the SQLite service (cache off and on), the HTTP floor and it are each asked " +
      "every shape in turn, the order rotated, so both backends meet the same machine. Client round trips, ms; " +
      "p50 over every sample of the endpoint's shapes.",
    table(
      ["endpoint", "SQLite p50 ", "PostgreSQL p50 ", "PostgreSQL / SQLite ", `within ${POSTGRES_FACTOR}×`],
      endpointRows
    ),
    "<details><summary>Every shape (p50 of its samples; limit: the uncached target for its row count)</summary>\n\n" +
      table(
        [
          "endpoint",
          "shape",
          "rows ",
          "SQLite ",
          "PostgreSQL ",
          "PostgreSQL / SQLite ",
          `within ${POSTGRES_FACTOR}×`,
          "limit ",
          "within limit"
        ],
        shapeRows
      ) +
      "\n\n</details>",
    "### Mixed workload on PostgreSQL, cache on",
    `One run of §3's workload (${pg.mixed.distinct} distinct URLs) on a second PostgreSQL service with the cache ` +
      "on: the cache and the HTTP layer are the same code on both backends, so this shows what the misses (and " +
      "the LISTEN feed) cost under load, not a different hot path.",
    runsTable(pg.mixed.runs, LOAD_COLUMNS)
  )
}
