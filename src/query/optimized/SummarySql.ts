import type { DateWindow } from "../../domain/DateWindow.js"
import { type Dimension, rollupFor } from "../../migration/Rollups.js"
import type { SqlValue } from "../../pool/ReadPool.js"
import type { SummaryQuery } from "../Query.js"
import type { SqlStatement } from "./RecordsSql.js"
import { splitWindow } from "./WindowSplit.js"

/** A range no period falls in: keeps one SQL text per shape whatever the window's ragged edges are. */
const NO_RANGE: readonly [string, string] = ["1", "0"]

interface Plan {
  readonly groupDims: ReadonlyArray<Dimension>
  readonly filters: ReadonlyArray<readonly [Dimension, string]>
  readonly byMonth: boolean
  readonly latest: boolean
}

const present = (entries: ReadonlyArray<readonly [Dimension, string | undefined]>) =>
  entries.filter((e): e is readonly [Dimension, string] => e[1] !== undefined)

const planOf = (q: SummaryQuery): Plan => {
  switch (q._tag) {
    case "summary_daily":
      return {
        groupDims: [],
        filters: present([
          ["item_code", q.item_code],
          ["line_code", q.line_code]
        ]),
        byMonth: false,
        latest: false
      }
    case "summary_monthly":
      return {
        groupDims: [],
        filters: present([
          ["item_code", q.item_code],
          ["line_code", q.line_code]
        ]),
        byMonth: true,
        latest: false
      }
    case "summary_by_item":
      return { groupDims: ["item_code"], filters: present([["line_code", q.line_code]]), byMonth: false, latest: true }
    case "summary_by_line":
      return { groupDims: ["line_code"], filters: present([["item_code", q.item_code]]), byMonth: false, latest: false }
    case "summary_monthly_by_item":
      return {
        groupDims: ["item_code"],
        filters: present([
          ["item_code", q.item_code],
          ["line_code", q.line_code]
        ]),
        byMonth: true,
        latest: true
      }
  }
}

/** The outer grouping key expressions, in output order. */
const outerKeys = (q: SummaryQuery, plan: Plan): ReadonlyArray<string> => {
  if (q._tag === "summary_daily") return ["period"]
  return [...(plan.byMonth ? ["substr(period, 1, 7)"] : []), ...plan.groupDims]
}

/**
 * One file's part of a summary, read from the rollups: whole months from the monthly grain, the ragged days at
 * either end from the daily grain (the daily summary reads only the daily grain). Sums are exact integers;
 * where `item_name` is answered, each group also yields its latest record's key and name.
 */
export const summarySql = (q: SummaryQuery, window: DateWindow): SqlStatement => {
  const plan = planOf(q)
  const dims = [...new Set([...plan.groupDims, ...plan.filters.map(([d]) => d)])]
  const cols = [
    "period",
    ...plan.groupDims,
    "good",
    "defect",
    "cnt",
    ...(plan.latest ? ["last_date", "last_id", "last_name"] : [])
  ]
  const filterSql = plan.filters.map(([d]) => ` AND ${d} = ?`).join("")
  const filterParams = plan.filters.map(([, v]) => v)
  const branch = (table: string) => `SELECT ${cols.join(", ")} FROM ${table} WHERE period BETWEEN ? AND ?${filterSql}`
  const ranges: Array<readonly [string, string]> = []
  const branches: Array<string> = []
  if (q._tag === "summary_daily") {
    branches.push(branch(rollupFor("day", dims).table))
    ranges.push([window.from, window.to])
  } else {
    const split = splitWindow(window)
    branches.push(
      branch(rollupFor("month", dims).table),
      branch(rollupFor("day", dims).table),
      branch(rollupFor("day", dims).table)
    )
    ranges.push(
      split.months === undefined ? NO_RANGE : [split.months.from, split.months.to],
      ...[0, 1].map((i): readonly [string, string] => {
        const days = split.days[i]
        return days === undefined ? NO_RANGE : [days.from, days.to]
      })
    )
  }
  const params: Array<SqlValue> = ranges.flatMap((r) => [r[0], r[1], ...filterParams])
  const keys = outerKeys(q, plan)
  const latest = plan.latest ? `, max(last_date || printf('%020d', last_id)) AS latest_key, last_name` : ""
  return {
    sql: `SELECT ${keys.join(", ")}, sum(good) AS good, sum(defect) AS defect, sum(cnt) AS cnt${latest}
  FROM (${branches.join("\n    UNION ALL ")})
  GROUP BY ${keys.join(", ")} ORDER BY ${keys.join(", ")}`,
    params
  }
}
