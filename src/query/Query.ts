import { Data } from "effect"
import type { DateWindow } from "../domain/DateWindow.js"
import type { DbFile } from "../domain/DbFile.js"

/** Optional exact/prefix/substring filters; an absent key means "no filter". */
export interface RecordFilters {
  readonly item_code?: string | undefined
  readonly line_code?: string | undefined
  /** Case-sensitive literal prefix of `lot_number`. */
  readonly lot_prefix?: string | undefined
  /** Case-insensitive (simple Unicode folding) literal substring of `item_name`. */
  readonly q?: string | undefined
}

/** Where a `/records` page ends: the last row's sort key (date desc, source live-first, id desc). */
export interface RecordPosition {
  readonly production_date: string
  readonly source: DbFile
  readonly id: number
}

export class RecordsQuery extends Data.TaggedClass("records")<{
  readonly window: DateWindow
  readonly filters: RecordFilters
  readonly limit: number
  readonly after: RecordPosition | undefined
}> {}

export class ItemsQuery extends Data.TaggedClass("items")<{
  readonly q: string
  readonly limit: number
}> {}

export class LinesQuery extends Data.TaggedClass("lines")<object> {}

export class SummaryDailyQuery extends Data.TaggedClass("summary_daily")<{
  readonly window: DateWindow
  readonly item_code: string | undefined
  readonly line_code: string | undefined
}> {}

export class SummaryMonthlyQuery extends Data.TaggedClass("summary_monthly")<{
  readonly window: DateWindow
  readonly item_code: string | undefined
  readonly line_code: string | undefined
}> {}

export class SummaryByItemQuery extends Data.TaggedClass("summary_by_item")<{
  readonly window: DateWindow
  readonly line_code: string | undefined
  readonly limit: number | undefined
}> {}

export class SummaryByLineQuery extends Data.TaggedClass("summary_by_line")<{
  readonly window: DateWindow
  readonly item_code: string | undefined
}> {}

export class SummaryMonthlyByItemQuery extends Data.TaggedClass("summary_monthly_by_item")<{
  readonly window: DateWindow
  readonly item_code: string | undefined
  readonly line_code: string | undefined
}> {}

export type SummaryQuery =
  SummaryDailyQuery | SummaryMonthlyQuery | SummaryByItemQuery | SummaryByLineQuery | SummaryMonthlyByItemQuery

/** Every query whose answer is one JSON body (all but the streamed export). Its `_tag` is the metrics name. */
export type Query = RecordsQuery | ItemsQuery | LinesQuery | SummaryQuery

export type QueryName = Query["_tag"] | "records_export"
