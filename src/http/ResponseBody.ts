import { API_RECORD_FIELDS, type ApiRecord } from "../domain/ProductionRecord.js"
import type { Query } from "../query/Query.js"
import type { ResultOf } from "../query/QueryEngine.js"
import type { ItemsResult, RecordsPage, SummaryResult } from "../query/QueryResults.js"
import { encodeCursor } from "./Cursor.js"

/**
 * Query answer → JSON body text, built once per answer (a cache stores the text). Rows are written field by
 * field in the contract's order, whatever order or extra keys the engine's objects have.
 */

const TOTALS = ["good_quantity", "defect_quantity", "record_count"] as const

/** Writes objects with a fixed key list; the key prefixes are computed once. */
const objectWriter = (fields: ReadonlyArray<string>) => {
  const prefixes = fields.map((f, i) => `${i === 0 ? "{" : ","}${JSON.stringify(f)}:`)
  return (row: object): string => {
    let out = ""
    for (let i = 0; i < fields.length; i++) {
      const value = (row as Record<string, unknown>)[fields[i]!]
      out += prefixes[i] + (value === undefined ? "null" : JSON.stringify(value))
    }
    return out + "}"
  }
}

export const writeRecord: (record: ApiRecord) => string = objectWriter(API_RECORD_FIELDS)

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
      return `{"rows":${rowsJson(page.rows, writeRecord as (row: object) => string)},"next_cursor":${JSON.stringify(next)}}`
    }
    case "items": {
      const items = result as ItemsResult
      return `{"rows":${rowsJson(items.rows, writers.items)},"truncated":${items.truncated ? "true" : "false"}}`
    }
    default:
      return `{"rows":${rowsJson((result as SummaryResult<object>).rows, writers[query._tag])}}`
  }
}
