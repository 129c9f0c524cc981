import { jsonArray, objectWriter } from "../domain/JsonWriter.js"
import type { Query } from "../query/Query.js"
import type { ResultOf } from "../query/QueryEngine.js"
import {
  type ItemsResult,
  type RecordsPage,
  type RenderedRows,
  type SummaryResult,
  isRendered
} from "../query/QueryResults.js"
import { encodeCursor } from "./Cursor.js"

/**
 * Query answer → JSON body as UTF-8, built once per answer (a cache stores it). Rows are written field by field
 * in the contract's order, whatever order or extra keys the engine's objects have; records and rendered summary
 * rows come as JSON already.
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

const ROWS_OPEN = Buffer.from(`{"rows":[`)
const ROWS_END = Buffer.from("]}")
const COMMA = Buffer.from(",")

/** `{"rows":[...]` + `rest` around rendered rows: their non-empty pieces joined by commas, copied once. */
const renderedBody = (rows: RenderedRows, rest: Buffer = ROWS_END): Buffer => {
  const pieces = rows.pieces.filter((p) => p.length > 0)
  return Buffer.concat([ROWS_OPEN, ...pieces.flatMap((p, i) => (i === 0 ? [p] : [COMMA, p])), rest])
}

export const serializeResult = <Q extends Query>(query: Q, result: ResultOf<Q>): Buffer => {
  switch (query._tag) {
    case "records": {
      const page = result as RecordsPage
      const next = JSON.stringify(page.next === null ? null : encodeCursor(page.next, query))
      return isRendered(page.rows)
        ? renderedBody(page.rows, Buffer.from(`],"next_cursor":${next}}`))
        : Buffer.from(`{"rows":${jsonArray(page.rows)},"next_cursor":${next}}`)
    }
    case "items": {
      const items = result as ItemsResult
      return Buffer.from(
        `{"rows":${rowsJson(items.rows, writers.items)},"truncated":${items.truncated ? "true" : "false"}}`
      )
    }
    default: {
      const rows = (result as SummaryResult<object>).rows
      return isRendered(rows) ? renderedBody(rows) : Buffer.from(`{"rows":${rowsJson(rows, writers[query._tag])}}`)
    }
  }
}
