import type { DateWindow } from "../../../../domain/DateWindow.js"
import type { IsoDate } from "../../../../domain/IsoDate.js"
import type { RecordFilters } from "../../../../query/Query.js"
import { subsets, summaryExamples } from "../../../../query/SummaryExamples.js"
import { LINES_SQL, type SqlStatement, choosesLotPlan, itemsSql, lotProbeSql, recordTextsSql } from "./RecordsSql.js"
import { latestNamesJsonSql, monthlyByItemTextSql } from "./MonthlyByItemSql.js"
import { dailyTextSql, summarySql } from "./SummarySql.js"

/** One shape of statement the optimized engine issues, with example values to plan it. */
export interface QueryShape {
  readonly name: string
  readonly statement: SqlStatement
}

const window: DateWindow = { from: "2026-01-10" as IsoDate, to: "2026-03-20" as IsoDate }
const example = { item_code: "ITM-0001", line_code: "L01", lot_prefix: "ABC", q: "bolt" } as const

/**
 * Every statement shape the optimized engine sends to a file: `/records` with each combination of filters,
 * first page and keyset page, `q` long enough for the trigram index and too short for it; `/items`; `/lines`;
 * every summary with each filter combination it accepts (the daily summary and monthly-by-item over all items as
 * JSON text, monthly-by-item's names and its row merge too). `scripts/analyze-indexes.ts` plans them all. A summary
 * read from running totals has its seek branch and its short-range scan branch in one text (the parameters empty
 * one of them), so one window plans both.
 */
export const queryShapes = (): ReadonlyArray<QueryShape> => {
  const shapes: Array<QueryShape> = []
  for (const keys of subsets(["item_code", "line_code", "lot_prefix", "q"] as const)) {
    for (const q of keys.includes("q") ? ["bolt", "bo"] : [undefined]) {
      const filters: RecordFilters = Object.fromEntries(keys.map((k) => [k, k === "q" ? q : example[k]]))
      const label = keys.map((k) => (k === "q" ? `q(${q?.length})` : k)).join("+") || "none"
      const after = { production_date: "2026-02-01", id: 1000 }
      // A lot prefix alone is read by either plan the engine chooses between, after its probe.
      const plans = choosesLotPlan(filters) ? (["newest", "lot", "date"] as const) : [undefined]
      for (const plan of plans) {
        const name = `records[${label}]${plan === undefined ? "" : ` by ${plan}`}`
        shapes.push(
          { name, statement: recordTextsSql(window, filters, undefined, 101, "json-list", "live", plan) },
          { name: `${name} after`, statement: recordTextsSql(window, filters, after, 101, "json-list", "live", plan) }
        )
      }
      if (choosesLotPlan(filters)) {
        shapes.push({
          name: `records[${label}] probe`,
          statement: lotProbeSql(window, filters.lot_prefix!, undefined)
        })
      }
    }
  }
  shapes.push(
    { name: "items[q(4)]", statement: itemsSql("bolt", 51) },
    { name: "items[q(2)]", statement: itemsSql("bo", 51) }
  )
  shapes.push({ name: "lines", statement: LINES_SQL })
  for (const { name: label, query: s } of summaryExamples(window, example)) {
    if (s._tag === "summary_daily") shapes.push({ name: label, statement: dailyTextSql(s, window) })
    else if (s._tag === "summary_monthly_by_item" && s.item_code === undefined) {
      shapes.push(
        { name: label, statement: monthlyByItemTextSql(s, window) },
        { name: `${label} given the latest part's names`, statement: monthlyByItemTextSql(s, window, "[]") },
        { name: `${label} names`, statement: latestNamesJsonSql(s, window) },
        { name: `${label} rows (a cutover inside a month)`, statement: summarySql(s, window) }
      )
    } else shapes.push({ name: label, statement: summarySql(s, window) })
  }
  return shapes
}
