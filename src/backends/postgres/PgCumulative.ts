/**
 * Prefix sums inside a month and a year, by item and by item+line, so that by-item over any window is a few
 * equality lookups returning at most one row per group (PgSummarySql.ts) instead of a sum over every rollup row
 * of the window. Each row carries the totals from the period's start (the month's first day, the year's January)
 * through its own day or month, and the latest record among them:
 * - `rollup_mtd_*` (`day`): a row for every day from the group's first record of that month to the month's end;
 * - `rollup_ytd_*` (`month`, a month's first day): a row for every month from the group's first month of that year
 *   to December.
 * They are recomputed from the day and month rollups for each (group, month) or (group, year) a statement touched:
 * at most 31 or 12 rollup rows each, the same statements for every kind of write.
 */
import type { Dimension } from "./PgRollups.js"

export interface PgCumulative {
  readonly table: string
  readonly dims: ReadonlyArray<Dimension>
  /** The rollup it accumulates, and that rollup's grain. */
  readonly from: string
  readonly step: "day" | "month"
  /** Its own period column, and the span it accumulates over. */
  readonly column: "day" | "month"
  readonly span: "month" | "year"
}

const dimensionSets: ReadonlyArray<ReadonlyArray<Dimension>> = [["item_code"], ["item_code", "line_code"]]

export const PG_CUMULATIVES: ReadonlyArray<PgCumulative> = dimensionSets.flatMap((dims) => {
  const suffix = dims.map((d) => d.replace("_code", "")).join("_")
  return [
    { table: `rollup_mtd_${suffix}`, dims, from: `rollup_day_${suffix}`, step: "day", column: "day", span: "month" },
    {
      table: `rollup_ytd_${suffix}`,
      dims,
      from: `rollup_month_${suffix}`,
      step: "month",
      column: "month",
      span: "year"
    }
  ] as const
})

/** The prefix sums over `span` by item, or by item and line. */
export const cumulativeTable = (span: "month" | "year", byLine: boolean): string =>
  PG_CUMULATIVES.find((c) => c.span === span && c.dims.includes("line_code") === byLine)!.table

export const createCumulativeStatements = (c: PgCumulative): ReadonlyArray<string> => [
  `CREATE TABLE ${c.table} (
${c.dims.map((d) => `  ${d} text COLLATE "C" NOT NULL,\n`).join("")}  ${c.column} date NOT NULL,
  good bigint NOT NULL,
  defect bigint NOT NULL,
  cnt bigint NOT NULL,
  last_date date NOT NULL,
  last_id bigint NOT NULL,
  last_name text COLLATE "C" NOT NULL,
  PRIMARY KEY (${[...c.dims, c.column].join(", ")})
)`,
  // Reads are `column = X` (and `line_code = L` for item+line); the key serves the refresh of one group's span.
  `CREATE INDEX ${c.table}_by_${c.column} ON ${c.table} (${[c.column, ...c.dims.filter((d) => d === "line_code")].join(", ")})`
]

const spanEnd = (c: PgCumulative, start: string) => `(${start} + interval '1 ${c.span}')::date`

/**
 * Recomputes the spans listed by `touched` (a query of the dimensions, `start`, the span's first day, and
 * `since`, the first period the statement touched in it): deletes their rows from `since` on, then inserts the
 * running totals of the rollup's rows in the span, each carried forward until the group's next rollup row or the
 * span's end, from `since` on. Rows before `since` count no touched record: a day's load rewrites the rest of the
 * month, not all of it, and expands only the rollup rows carried into it. The latest record through a period is
 * the latest of the last rollup row at or before it.
 * - Rows go in period order, so that a read of one period finds them on a few pages (scattered, the planner
 *   costs them high enough to pick a parallel plan, whose start alone is ~15 ms).
 * - The periods come from an integer series, whose row count the planner knows (a date series is guessed at
 *   1,000 rows a call, which priced a one-row statement high enough for JIT compilation: 30 ms).
 * - Columns are qualified: the trigger functions' variables include `last_date`.
 */
export const refreshCumulative = (c: PgCumulative, touched: string): ReadonlyArray<string> => {
  const dims = c.dims.join(", ")
  const sameGroup = (a: string, b: string) => c.dims.map((d) => `${a}.${d} = ${b}.${d}`).join(" AND ")
  return [
    `DELETE FROM ${c.table} AS t USING (${touched}) AS s
  WHERE ${sameGroup("t", "s")} AND t.${c.column} >= s.since AND t.${c.column} < ${spanEnd(c, "s.start")}`,
    `INSERT INTO ${c.table} (${dims}, ${c.column}, good, defect, cnt, last_date, last_id, last_name)
  SELECT ${c.dims.map((d) => `s.${d}`).join(", ")}, p.${c.column}, r.good, r.defect, r.cnt, r.last_date, r.last_id, r.last_name
  FROM (${touched}) AS s
  CROSS JOIN LATERAL (
    SELECT g.period, lead(g.period) OVER w AS next_period, sum(g.good) OVER w AS good,
      sum(g.defect) OVER w AS defect, sum(g.cnt) OVER w AS cnt, g.last_date, g.last_id, g.last_name
    FROM ${c.from} AS g
    WHERE ${sameGroup("g", "s")} AND g.period >= s.start AND g.period < ${spanEnd(c, "s.start")}
    WINDOW w AS (ORDER BY g.period)
  ) AS r
  CROSS JOIN LATERAL (SELECT (r.period + ${c.step === "day" ? "k" : "k * interval '1 month'"})::date AS ${c.column}
    FROM generate_series(0, ${c.step === "day" ? 30 : 11}) AS k) AS p
  WHERE coalesce(r.next_period, ${spanEnd(c, "s.start")}) > s.since
    AND p.${c.column} >= s.since AND p.${c.column} < coalesce(r.next_period, ${spanEnd(c, "s.start")})
  ORDER BY p.${c.column}, ${c.dims.map((d) => `s.${d}`).join(", ")}`
  ]
}

/** The spans a statement's records touch (`sources`: its transition tables), as `touched` for the refresh. */
export const touchedSpans = (c: PgCumulative, sources: ReadonlyArray<string>): string => {
  const start = `date_trunc('${c.span}', production_date)::date`
  const since = c.step === "day" ? "production_date" : "date_trunc('month', production_date)::date"
  return `SELECT ${c.dims.join(", ")}, ${start} AS start, min(${since}) AS since FROM (${sources
    .map((s) => `SELECT ${c.dims.join(", ")}, production_date FROM ${s}`)
    .join(" UNION ALL ")}) AS touched GROUP BY ${c.dims.join(", ")}, ${start}`
}

/** Every span the rollup holds, for the backfill. */
export const allSpans = (c: PgCumulative): string =>
  `SELECT DISTINCT ${c.dims.join(", ")}, date_trunc('${c.span}', period)::date AS start,
    date_trunc('${c.span}', period)::date AS since FROM ${c.from}`

/**
 * Writers go one at a time (the lock is self-conflicting, held to commit; readers are not blocked): two concurrent
 * refreshes of one span would each rebuild it from rollups without the other's records, and the second insert
 * would collide with the first's rows. Taken first in the trigger, before any rollup row: a writer waiting for
 * it holds none that the writer ahead may need next. The statements after it see the commits it waited for (each
 * statement of a READ COMMITTED trigger takes a new snapshot).
 */
export const CUMULATIVE_WRITERS_LOCK = `LOCK TABLE ${PG_CUMULATIVES.map((c) => c.table).join(", ")} IN SHARE ROW EXCLUSIVE MODE`

/** A statement's refresh of every cumulative table, after the rollups have taken it. */
export const refreshAllCumulatives = (sources: ReadonlyArray<string>): ReadonlyArray<string> =>
  PG_CUMULATIVES.flatMap((c) => refreshCumulative(c, touchedSpans(c, sources)))

export const CUMULATIVE_BACKFILL: ReadonlyArray<string> = PG_CUMULATIVES.flatMap((c) =>
  refreshCumulative(c, allSpans(c))
)
