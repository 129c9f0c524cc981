import { jsonArray, objectWriter } from "../domain/JsonWriter.js"
import type { Query } from "../query/Query.js"
import type { ResultOf } from "../query/QueryEngine.js"
import type { ItemsResult, RecordsPage, SummaryResult } from "../query/QueryResults.js"
import { encodeCursor } from "./Cursor.js"

/**
 * Query answer → JSON body text, built once per answer (a cache stores the text). Rows are written field by
 * field in the contract's order, whatever order or extra keys the engine's objects have; records come as JSON.
 */

const TOTALS = ["good_quantity", "defect_quantity", "record_count"] as const

const rowsJson = (rows: ReadonlyArray<object>, write: (row: object) => string): string => {
  let out = "["
  for (let i = 0; i < rows.length; i++) out += (i === 0 ? "" : ",") + write(rows[i]!)
  return out + "]"
}

const writers = {
  items: objectWriter(["item_code", "item_name"]),
  lines: objectWriter(["line_code"]),
  summary_daily: objectWriter(["date", ...TOTALS]),
  summary_monthly: objectWriter(["month", ...TOTALS]),
  summary_by_item: objectWriter(["item_code", "item_name", ...TOTALS]),
  summary_by_line: objectWriter(["line_code", ...TOTALS]),
  summary_monthly_by_item: objectWriter(["month", "item_code", "item_name", ...TOTALS])
} as const

export const serializeResult = <Q extends Query>(query: Q, result: ResultOf<Q>): string => {
  switch (query._tag) {
    case "records": {
      const page = result as RecordsPage
      const next = page.next === null ? null : encodeCursor(page.next, query)
      return `{"rows":${jsonArray(page.rows)},"next_cursor":${JSON.stringify(next)}}`
    }
    case "items": {
      const items = result as ItemsResult
      return `{"rows":${rowsJson(items.rows, writers.items)},"truncated":${items.truncated ? "true" : "false"}}`
    }
    default:
      return `{"rows":${rowsJson((result as SummaryResult<object>).rows, writers[query._tag])}}`
  }
}
