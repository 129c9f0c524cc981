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

/** The output key columns of a branch reading `grain`, in output order (what the merge groups by). */
const branchKeys = (q: SummaryQuery, plan: Plan, grain: "day" | "month"): ReadonlyArray<string> => {
  if (q._tag === "summary_daily") return ["period"]
  const month = grain === "month" ? "period" : "substr(period, 1, 7)"
  return [...(plan.byMonth ? [month] : []), ...plan.groupDims]
}

/**
 * One file's part of a summary, read from the rollups: whole months from the monthly grain, the ragged days at
 * either end from the daily grain (the daily summary reads only the daily grain). Each branch aggregates to the
 * output's keys (reading its rollup in key order: the rollups' keys lead with their dimensions) or, when a row is
 * already one output group, not at all; the caller merges the branches' rows exactly. Where `item_name` is
 * answered, each row also carries its latest record's key and name.
 */
export const summarySql = (q: SummaryQuery, window: DateWindow): SqlStatement => {
  const plan = planOf(q)
  const dims = [...new Set([...plan.groupDims, ...plan.filters.map(([d]) => d)])]
  const filterSql = plan.filters.map(([d]) => ` AND ${d} = ?`).join("")
  const filterParams = plan.filters.map(([, v]) => v)
  const branch = (grain: "day" | "month") => {
    const keys = branchKeys(q, plan, grain)
    const rowIsGroup = q._tag === "summary_daily" || (plan.byMonth && grain === "month")
    const latestKey = "last_key"
    const values = rowIsGroup
      ? `good, defect, cnt${plan.latest ? `, ${latestKey}, last_name` : ""}`
      : `sum(good), sum(defect), sum(cnt)${plan.latest ? `, max(${latestKey}), last_name` : ""}`
    const table = rollupFor(grain, dims).table
    const group = rowIsGroup ? "" : ` GROUP BY ${keys.join(", ")}`
    return `SELECT ${keys.join(", ")}, ${values} FROM ${table} WHERE period BETWEEN ? AND ?${filterSql}${group}`
  }
  const ranges: Array<readonly [string, string]> = []
  const branches: Array<string> = []
  if (q._tag === "summary_daily") {
    branches.push(branch("day"))
    ranges.push([window.from, window.to])
  } else {
    const split = splitWindow(window)
    branches.push(branch("month"), branch("day"), branch("day"))
    ranges.push(
      split.months === undefined ? NO_RANGE : [split.months.from, split.months.to],
      ...[0, 1].map((i): readonly [string, string] => {
        const days = split.days[i]
        return days === undefined ? NO_RANGE : [days.from, days.to]
      })
    )
  }
  const params: Array<SqlValue> = ranges.flatMap((r) => [r[0], r[1], ...filterParams])
  return { sql: branches.join("\nUNION ALL "), params }
}
