import type { RecordJson } from "../domain/ProductionRecord.js"
import type { RecordPosition } from "./Query.js"

export interface Totals {
  readonly good_quantity: number
  readonly defect_quantity: number
  readonly record_count: number
}

export interface RecordsPage {
  /** Each record's JSON text (`recordJson`), in the contract's order; or the rows as the database wrote them. */
  readonly rows: ReadonlyArray<RecordJson> | RenderedRows
  /** Position of the last row when more rows may follow, else null. */
  readonly next: RecordPosition | null
}

export interface ItemsResult {
  readonly rows: ReadonlyArray<{ readonly item_code: string; readonly item_name: string }>
  readonly truncated: boolean
}

export interface LinesResult {
  readonly rows: ReadonlyArray<{ readonly line_code: string }>
}

export type DailyRow = { readonly date: string } & Totals
export type MonthlyRow = { readonly month: string } & Totals
export type ByItemRow = { readonly item_code: string; readonly item_name: string } & Totals
export type ByLineRow = { readonly line_code: string } & Totals
export type MonthlyByItemRow = {
  readonly month: string
  readonly item_code: string
  readonly item_name: string
} & Totals

/**
 * Rows the database already wrote as the response's JSON (`/records` pages, the daily summary, monthly by item):
 * the rows array's elements, comma-joined, as UTF-8 pieces in order (each piece one file's part, possibly empty).
 */
export interface RenderedRows {
  readonly _tag: "RenderedRows"
  readonly count: number
  readonly pieces: ReadonlyArray<Uint8Array>
}

export interface SummaryResult<Row> {
  readonly rows: ReadonlyArray<Row> | RenderedRows
}

export const isRendered = <Row>(rows: ReadonlyArray<Row> | RenderedRows): rows is RenderedRows => !Array.isArray(rows)

/** How many rows a summary answers, whichever form they come in. */
export const rowCount = (rows: ReadonlyArray<unknown> | RenderedRows): number =>
  isRendered(rows) ? rows.count : rows.length

export type ExportFormat = "csv" | "ndjson"

/** A chunk of an export: the records' lines (CSV without header, or NDJSON), their count, where the next begins. */
export interface ExportChunk {
  /** The lines as UTF-8. */
  readonly text: Uint8Array
  readonly rows: number
  /**
   * The last line's position when the chunk is full (`limit` lines: more may follow, and the next chunk, possibly
   * empty, tells), null when it is not. Unlike a `/records` page, no extra row is read to find out.
   */
  readonly next: RecordPosition | null
}
