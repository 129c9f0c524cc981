import { type ConfigError, Effect, Layer } from "effect"
import { csvLine, ndjsonLine } from "../../../../domain/RecordLines.js"
import { DbTargets } from "../../../../config/DbTargets.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import { type ApiRecord, recordJson } from "../../../../domain/ProductionRecord.js"
import type { ReadError } from "../../../../query/ReadErrors.js"
import type {
  ItemsQuery,
  Query,
  RecordsQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery
} from "../../../../query/Query.js"
import { QueryEngine, type ResultOf } from "../../../../query/QueryEngine.js"
import type {
  ByItemRow,
  ByLineRow,
  DailyRow,
  ItemsResult,
  LinesResult,
  MonthlyByItemRow,
  MonthlyRow,
  RecordsPage,
  SummaryResult,
  Totals
} from "../../../../query/QueryResults.js"
import { ReferenceConnection } from "./ReferenceConnection.js"
import {
  byItemSql,
  groupedTotalsSql,
  itemsSql,
  linesSql,
  monthlyByItemSql,
  recordsSql,
  windowBranches
} from "./ReferenceSql.js"

type StoredRecord = Omit<ApiRecord, "source"> & { readonly source: DbFile }
type GroupRow = { readonly grp: string } & Totals

const BOTH_FILES = { live: true, archive: true } as const

// Builds each row in the API's field order, whatever order SQLite returned the columns in.
const toApiRecord = (r: StoredRecord): ApiRecord => ({
  source: r.source,
  id: r.id,
  production_date: r.production_date,
  item_code: r.item_code,
  item_name: r.item_name,
  lot_number: r.lot_number,
  line_code: r.line_code,
  good_quantity: r.good_quantity,
  defect_quantity: r.defect_quantity
})

const totals = (r: Totals): Totals => ({
  good_quantity: r.good_quantity,
  defect_quantity: r.defect_quantity,
  record_count: r.record_count
})

const make = Effect.gen(function* () {
  const { cutover } = yield* DbTargets
  const { all } = yield* ReferenceConnection

  /** A page of records as objects (`records` renders them as the contract's JSON, exports as lines). */
  const recordObjects = (q: RecordsQuery) =>
    all<StoredRecord>(windowBranches(q.window, cutover), (b) =>
      recordsSql(q.window, cutover, b, q.filters, q.limit, q.after)
    ).pipe(
      Effect.map((fetched) => {
        const rows = fetched.slice(0, q.limit).map(toApiRecord)
        const last = rows.at(-1)
        const next =
          fetched.length > q.limit && last !== undefined
            ? { production_date: last.production_date, source: last.source, id: last.id }
            : null
        return { rows, next }
      })
    )

  const records = (q: RecordsQuery): Effect.Effect<RecordsPage, ReadError> =>
    Effect.map(recordObjects(q), (page) => ({ rows: page.rows.map(recordJson), next: page.next }))

  const items = (q: ItemsQuery): Effect.Effect<ItemsResult, ReadError> =>
    all<{ item_code: string; item_name: string }>(BOTH_FILES, (b) => itemsSql(b, q.q, q.limit)).pipe(
      Effect.map((fetched) => ({
        rows: fetched.slice(0, q.limit).map((r) => ({ item_code: r.item_code, item_name: r.item_name })),
        truncated: fetched.length > q.limit
      }))
    )

  const lines: Effect.Effect<LinesResult, ReadError> = all<{ line_code: string }>(BOTH_FILES, linesSql).pipe(
    Effect.map((fetched) => ({ rows: fetched.map((r) => ({ line_code: r.line_code })) }))
  )

  const grouped = (
    q: SummaryDailyQuery | SummaryMonthlyQuery | SummaryByLineQuery,
    key: "day" | "month" | "line"
  ): Effect.Effect<ReadonlyArray<GroupRow>, ReadError> => {
    const filters = {
      item_code: q.item_code,
      line_code: q._tag === "summary_by_line" ? undefined : q.line_code
    }
    return all<GroupRow>(windowBranches(q.window, cutover), (b) => groupedTotalsSql(q.window, cutover, b, filters, key))
  }

  const daily = (q: SummaryDailyQuery): Effect.Effect<SummaryResult<DailyRow>, ReadError> =>
    Effect.map(grouped(q, "day"), (rows) => ({ rows: rows.map((r) => ({ date: r.grp, ...totals(r) })) }))

  const monthly = (q: SummaryMonthlyQuery): Effect.Effect<SummaryResult<MonthlyRow>, ReadError> =>
    Effect.map(grouped(q, "month"), (rows) => ({ rows: rows.map((r) => ({ month: r.grp, ...totals(r) })) }))

  const byLine = (q: SummaryByLineQuery): Effect.Effect<SummaryResult<ByLineRow>, ReadError> =>
    Effect.map(grouped(q, "line"), (rows) => ({ rows: rows.map((r) => ({ line_code: r.grp, ...totals(r) })) }))

  const byItem = (q: SummaryByItemQuery): Effect.Effect<SummaryResult<ByItemRow>, ReadError> =>
    all<ByItemRow>(windowBranches(q.window, cutover), (b) =>
      byItemSql(q.window, cutover, b, { line_code: q.line_code }, q.limit)
    ).pipe(
      Effect.map((fetched) => ({
        rows: fetched.map((r) => ({ item_code: r.item_code, item_name: r.item_name, ...totals(r) }))
      }))
    )

  const monthlyByItem = (q: SummaryMonthlyByItemQuery): Effect.Effect<SummaryResult<MonthlyByItemRow>, ReadError> =>
    all<MonthlyByItemRow>(windowBranches(q.window, cutover), (b) =>
      monthlyByItemSql(q.window, cutover, b, { item_code: q.item_code, line_code: q.line_code })
    ).pipe(
      Effect.map((fetched) => ({
        rows: fetched.map((r) => ({ month: r.month, item_code: r.item_code, item_name: r.item_name, ...totals(r) }))
      }))
    )

  const dispatch = (query: Query): Effect.Effect<ResultOf<Query>, ReadError> => {
    switch (query._tag) {
      case "records":
        return records(query)
      case "items":
        return items(query)
      case "lines":
        return lines
      case "summary_daily":
        return daily(query)
      case "summary_monthly":
        return monthly(query)
      case "summary_by_item":
        return byItem(query)
      case "summary_by_line":
        return byLine(query)
      case "summary_monthly_by_item":
        return monthlyByItem(query)
    }
  }

  return QueryEngine.of({
    name: "reference",
    // Each case above returns exactly `ResultOf` of its query class; TypeScript cannot narrow `Q` through a switch.
    run: <Q extends Query>(query: Q) => dispatch(query) as Effect.Effect<ResultOf<Q>, ReadError>,
    exportChunk: (query, format) =>
      Effect.map(recordObjects(query), (page) => {
        const line = format === "csv" ? csvLine : ndjsonLine
        const last = page.rows.at(-1)
        const full = last !== undefined && page.rows.length === query.limit
        return {
          text: Buffer.from(page.rows.map(line).join(""), "utf8"),
          rows: page.rows.length,
          next: full ? { production_date: last.production_date, source: last.source, id: last.id } : null
        }
      })
  })
})

/**
 * The reference `QueryEngine`: one read-only connection to the live file with the archive attached, `UNION ALL`
 * of both tables each cut to its side of the cutover, then plain-scan filters and aggregation. Needs `DbTargets`
 * and reads `SQLITE_PRAGMAS` from the Config provider.
 */
export const ReferenceEngineLive: Layer.Layer<QueryEngine, ConfigError.ConfigError, DbTargets> = Layer.effect(
  QueryEngine,
  make
).pipe(Layer.provide(ReferenceConnection.Default))
