import type { DateWindow } from "../../../domain/DateWindow.js"
import { addDays, firstDayOfMonth } from "../../../domain/IsoDate.js"
import type { SummaryQuery } from "../../../query/Query.js"
import { splitWindow } from "../../../domain/WindowSplit.js"
import { type Dimension, rollupTable } from "../PgRollups.js"
import { pgByItemSql } from "./PgByItemSql.js"
import { pgMonthlyByItemSql } from "./PgMonthlyByItemSql.js"

import type { PgStatement } from "./PgStatement.js"

const DIMENSIONS: ReadonlyArray<Dimension> = ["item_code", "line_code"]

interface Plan {
  readonly group: Dimension | undefined
  readonly filters: ReadonlyArray<readonly [Dimension, string]>
}

const planOf = (q: Exclude<SummaryQuery, { _tag: "summary_monthly_by_item" }>): Plan => {
  const filters = (entries: ReadonlyArray<readonly [Dimension, string | undefined]>) =>
    entries.filter((e): e is readonly [Dimension, string] => e[1] !== undefined && e[1] !== "")
  switch (q._tag) {
    case "summary_daily":
    case "summary_monthly":
      return {
        group: undefined,
        filters: filters([
          ["item_code", q.item_code],
          ["line_code", q.line_code]
        ])
      }
    case "summary_by_item":
      return { group: "item_code", filters: filters([["line_code", q.line_code]]) }
    case "summary_by_line":
      return { group: "line_code", filters: filters([["item_code", q.item_code]]) }
  }
}

const sums = (of = "") => `sum(${of}good)::float8, sum(${of}defect)::float8, sum(${of}cnt)::float8`
const LATEST_NAME = "(array_agg(last_name ORDER BY last_date DESC, last_id DESC))[1]"

/** Up to this many days, by item sums the day rollup (a row per item and day): fewer rows than two prefix sums. */
const SHORT_BY_ITEM_DAYS = 2

/**
 * A summary as one statement over the rollups: the window's whole months from the month grain, its ragged
 * edges (at most two day ranges) from the day grain, summed per output group in SQL and returned in the
 * contract's order. Absent ranges bind NULL (the planner drops their branch), so each shape keeps one text
 * whatever the window. Rows: the output keys (`item_name` after `item_code`), then good, defect, count. By item
 * over more than two days reads the month- and year-to-date totals instead (PgByItemSql.ts): a few rows per
 * item whatever the window; monthly by item reads rows already one per month and item (PgMonthlyByItemSql.ts).
 */
export const pgSummarySql = (q: SummaryQuery): PgStatement => {
  if (q._tag === "summary_monthly_by_item") return pgMonthlyByItemSql(q.window, q.item_code, q.line_code)
  const plan = planOf(q)
  const dims = new Set(DIMENSIONS.filter((d) => d === plan.group || plan.filters.some(([f]) => f === d)))
  const params: Array<string | number | null> = []
  const bind = (v: string | number | null, type: "date" | "int" = "date") => `$${params.push(v)}::${type}`
  const filterParams = plan.filters.map(([, v]) => v)
  const filterSql = (first: number) => plan.filters.map(([d], i) => ` AND ${d} = $${first + i}`).join("")
  const window: DateWindow = q.window
  if (q._tag === "summary_by_item" && window.from < addDays(window.to, 1 - SHORT_BY_ITEM_DAYS)) {
    return pgByItemSql(window, q.line_code, q.limit)
  }

  if (q._tag === "summary_daily") {
    const from = bind(window.from)
    const to = bind(window.to)
    const where = filterSql(params.length + 1)
    params.push(...filterParams)
    return {
      sql: `SELECT to_char(period, 'YYYY-MM-DD'), good::float8, defect::float8, cnt::float8
FROM ${rollupTable("day", dims)} WHERE period BETWEEN ${from} AND ${to}${where} ORDER BY period`,
      params
    }
  }

  const split = splitWindow(window)
  const [head, tail] = [split.days[0], split.days[1]]
  const monthFrom = bind(split.months === undefined ? null : firstDayOfMonth(split.months.from))
  const monthTo = bind(split.months === undefined ? null : firstDayOfMonth(split.months.to))
  const headFrom = bind(head?.from ?? null)
  const headTo = bind(head?.to ?? null)
  const tailFrom = bind(tail?.from ?? null)
  const tailTo = bind(tail?.to ?? null)
  const where = filterSql(params.length + 1)
  params.push(...filterParams)
  const latest = plan.group === "item_code" ? ", last_date, last_id, last_name" : ""
  const keyCols = plan.group === undefined ? "" : `, ${plan.group}`
  const parts = `SELECT period AS month${keyCols}, good, defect, cnt${latest} FROM ${rollupTable("month", dims)}
  WHERE period BETWEEN ${monthFrom} AND ${monthTo}${where}
UNION ALL
SELECT date_trunc('month', period)::date${keyCols}, good, defect, cnt${latest} FROM ${rollupTable("day", dims)}
  WHERE (period BETWEEN ${headFrom} AND ${headTo} OR period BETWEEN ${tailFrom} AND ${tailTo})${where}`

  switch (q._tag) {
    case "summary_monthly":
      return {
        sql: `SELECT to_char(month, 'YYYY-MM'), ${sums()} FROM (${parts}) AS p GROUP BY month ORDER BY month`,
        params
      }
    case "summary_by_line":
      return {
        sql: `SELECT line_code, ${sums()} FROM (${parts}) AS p GROUP BY line_code ORDER BY line_code`,
        params
      }
    case "summary_by_item": {
      const limit = bind(q.limit ?? null, "int")
      return {
        sql: `SELECT item_code, ${LATEST_NAME}, ${sums()} FROM (${parts}) AS p
GROUP BY item_code ORDER BY sum(good) DESC, item_code LIMIT ${limit}`,
        params
      }
    }
  }
}
