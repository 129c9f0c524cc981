import type { DateWindow } from "../../../../domain/DateWindow.js"
import { CUM_ITEM_BY_ITEM_SQL } from "../../migration/DenseTotals.js"
import { type Dimension, rollupFor } from "../../migration/Rollups.js"
import type { SummaryDailyQuery, SummaryQuery } from "../../../../query/Query.js"
import { joinedRowsSql } from "./JoinedRows.js"
import type { SqlStatement } from "./RecordsSql.js"
import { NO_RANGE, daysIn, edgeRanges, scansDays } from "./DayRanges.js"
import { runningBranch } from "./RunningBranch.js"
import { splitWindow } from "../../../../domain/WindowSplit.js"

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
 *
 * By item over all lines reads the dense per-day totals by item (`CUM_ITEM_BY_ITEM_SQL`). By item for one line,
 * by line and monthly by item read day ranges (the whole window; each ragged edge month of monthly by
 * item, whose whole months are one monthly row per output group) from the running totals, a couple of seeks per
 * group however many days the range spans, or, for a range of a few days, by summing its day rows. Both branches
 * are in the text and the parameters give one of them an empty range, so each shape keeps one SQL text.
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
    // `? <= ?` (from <= to), constant, is tested once before the loop: an empty range reads nothing, where a
    // range search alone would still skip-scan every group for it.
    return `SELECT ${keys.join(", ")}, ${values} FROM ${table} WHERE ? <= ? AND period BETWEEN ? AND ?${filterSql}${group}`
  }
  const scanned = (r: readonly [string, string]) => [r[0], r[1], r[0], r[1], ...filterParams]
  if (q._tag === "summary_daily") return { sql: branch("day"), params: scanned([window.from, window.to]) }
  // By item over all lines: the dense running totals (schema v9), two runs of one table whatever the window.
  if (q._tag === "summary_by_item" && q.line_code === undefined)
    return { sql: CUM_ITEM_BY_ITEM_SQL, params: [window.from, window.to] }
  const split = splitWindow(window)
  const monthRange = split.months === undefined ? NO_RANGE : ([split.months.from, split.months.to] as const)
  if (q._tag === "summary_monthly") {
    const days = [0, 1].map((i) => split.days[i])
    return {
      sql: [branch("month"), branch("day"), branch("day")].join("\nUNION ALL "),
      params: [monthRange, ...days.map((d) => (d === undefined ? NO_RANGE : ([d.from, d.to] as const)))].flatMap(
        scanned
      )
    }
  }
  const ranges = plan.byMonth ? edgeRanges(window) : [window]
  const slots = plan.byMonth ? 2 : 1
  if (ranges.length > slots) throw new Error(`expected at most ${slots} day ranges, got ${ranges.length}`)
  const parts = Array.from({ length: slots }, (_, i) => {
    const r = ranges[i]
    const scan = r !== undefined && scansDays(daysIn(r))
    const running = runningBranch(
      `t${i}`,
      plan.groupDims,
      plan.filters,
      plan.latest,
      plan.byMonth,
      r === undefined || scan ? NO_RANGE : [r.from, r.to]
    )
    return { running, scanRange: r !== undefined && scan ? ([r.from, r.to] as const) : NO_RANGE }
  })
  const selects = [
    ...(plan.byMonth ? [branch("month")] : []),
    ...parts.flatMap((p) => [p.running.select, branch("day")])
  ]
  return {
    sql: `WITH ${parts.map((p) => p.running.cte).join(",\n")}\n${selects.join("\nUNION ALL ")}`,
    params: [
      ...parts.flatMap((p) => p.running.cteParams),
      ...(plan.byMonth ? scanned(monthRange) : []),
      ...parts.flatMap((p) => [...p.running.selectParams, ...scanned(p.scanRange)])
    ]
  }
}

/**
 * The daily summary of one file's part as the text of its JSON rows and their count (one row `[text, count]`):
 * a part's days are its own, so the parts' texts only need joining.
 */
export const dailyTextSql = (q: SummaryDailyQuery, window: DateWindow): SqlStatement => {
  const days = summarySql(q, window)
  return {
    sql: `WITH days(day, good, defect, cnt) AS (${days.sql})
${joinedRowsSql(
  `printf('{"date":%s,"good_quantity":%d,"defect_quantity":%d,"record_count":%d}', json_quote(day), good, defect, cnt)`,
  "days",
  "day"
)}`,
    params: days.params
  }
}
