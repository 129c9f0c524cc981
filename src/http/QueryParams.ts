import { Either, Schema } from "effect"
import type { DateWindow } from "../domain/DateWindow.js"
import type { IsoDate } from "../domain/IsoDate.js"
import {
  type Query,
  type QueryName,
  ItemsQuery,
  LinesQuery,
  type RecordFilters,
  RecordsQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery
} from "../query/Query.js"
import type { InvalidParameter } from "./ApiErrors.js"
import { decodeCursor } from "./Cursor.js"
import { type RawParams, parseChoice, parseLimit, parseQ, parseWindow, readParams, requireQ } from "./ParamRules.js"

/**
 * Each data endpoint: its path, the query name it is counted and logged under, the parameter names it accepts,
 * their documentation (an OpenAPI-only schema: HttpApi never decodes them) and the decoder from the raw query
 * string to the engine's query.
 */
export interface EndpointParams<A> {
  readonly path: `/${string}`
  readonly name: QueryName
  readonly fields: Schema.Struct.Fields
  readonly decode: (params: RawParams, today: IsoDate) => Either.Either<A, InvalidParameter>
}

export const decodeParams = <A>(
  endpoint: EndpointParams<A>,
  search: string | URLSearchParams,
  today: IsoDate
): Either.Either<A, InvalidParameter> =>
  Either.flatMap(readParams(search, endpoint.path, Object.keys(endpoint.fields)), (params) =>
    endpoint.decode(params, today)
  )

const text = (description: string) => Schema.optional(Schema.String.annotations({ description }))
const date = (description: string) =>
  Schema.optional(Schema.String.annotations({ jsonSchema: { type: "string", format: "date", description } }))
const limit = (max: number, byDefault: string) =>
  Schema.optional(
    Schema.Number.annotations({
      jsonSchema: { type: "integer", minimum: 1, maximum: max, description: `Rows to return (${byDefault}).` }
    })
  )

const qText = (description: string) =>
  Schema.String.annotations({ jsonSchema: { type: "string", minLength: 1, maxLength: 100, description } })

const docs = {
  from: date("Inclusive first date, 1900-01-01..2999-12-31. Default: 30 days before `to`."),
  to: date("Inclusive last date, 1900-01-01..2999-12-31. Default: today (UTC)."),
  item_code: text("Exact item code."),
  line_code: text("Exact line code."),
  lot_prefix: text("Case-sensitive literal prefix of the lot number (`AB_` is not a pattern)."),
  q: Schema.optional(qText("Case-insensitive literal substring of the item name, 1–100 characters."))
}

const filtersOf = (params: RawParams): RecordFilters => {
  const filters: { -readonly [K in keyof RecordFilters]: string } = {}
  for (const key of ["item_code", "line_code", "lot_prefix", "q"] as const) {
    const value = params.get(key)
    if (value !== undefined) filters[key] = value
  }
  return filters
}

/** Window and filters shared by `/records` and its export. */
const decodeSelection = (params: RawParams, today: IsoDate) =>
  Either.gen(function* () {
    const window = yield* parseWindow(params, today)
    yield* parseQ(params)
    return { window, filters: filtersOf(params) }
  })

export const RecordsParams: EndpointParams<RecordsQuery> = {
  path: "/records",
  name: "records",
  fields: {
    ...docs,
    limit: limit(1000, "default 100"),
    cursor: text("The `next_cursor` of the previous page, with the same filters and window.")
  },
  decode: (params, today) =>
    Either.gen(function* () {
      const selection = yield* decodeSelection(params, today)
      const pageSize = (yield* parseLimit(params, { min: 1, max: 1000 })) ?? 100
      const cursor = params.get("cursor")
      const after = cursor === undefined ? undefined : yield* decodeCursor(cursor, selection)
      return new RecordsQuery({ ...selection, limit: pageSize, after })
    })
}

export const EXPORT_FORMATS = ["csv", "ndjson"] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportRequest {
  readonly window: DateWindow
  readonly filters: RecordFilters
  readonly format: ExportFormat
}

export const ExportParams: EndpointParams<ExportRequest> = {
  path: "/records/export",
  name: "records_export",
  fields: {
    ...docs,
    format: Schema.optional(Schema.Literal(...EXPORT_FORMATS).annotations({ description: "Default `csv`." }))
  },
  decode: (params, today) =>
    Either.gen(function* () {
      const selection = yield* decodeSelection(params, today)
      const format = yield* parseChoice(params, "format", EXPORT_FORMATS)
      return { ...selection, format }
    })
}

export const ItemsParams: EndpointParams<ItemsQuery> = {
  path: "/items",
  name: "items",
  fields: {
    q: qText("Required: case-insensitive literal substring of the item name, 1–100 characters."),
    limit: limit(1000, "default 50")
  },
  decode: (params) =>
    Either.gen(function* () {
      const q = yield* requireQ(params)
      const rows = (yield* parseLimit(params, { min: 1, max: 1000 })) ?? 50
      return new ItemsQuery({ q, limit: rows })
    })
}

export const LinesParams: EndpointParams<LinesQuery> = {
  path: "/lines",
  name: "lines",
  fields: {},
  decode: () => Either.right(new LinesQuery())
}

const summary = <Q extends Query>(
  path: `/${string}`,
  name: Q["_tag"],
  fields: Schema.Struct.Fields,
  make: (window: DateWindow, params: RawParams) => Either.Either<Q, InvalidParameter>
): EndpointParams<Q> => ({
  path,
  name,
  fields: { from: docs.from, to: docs.to, ...fields },
  decode: (params, today) => Either.flatMap(parseWindow(params, today), (window) => make(window, params))
})

const codes = { item_code: docs.item_code, line_code: docs.line_code }

export const SummaryDailyParams = summary("/summary/daily", "summary_daily", codes, (window, p) =>
  Either.right(new SummaryDailyQuery({ window, item_code: p.get("item_code"), line_code: p.get("line_code") }))
)

export const SummaryMonthlyParams = summary("/summary/monthly", "summary_monthly", codes, (window, p) =>
  Either.right(new SummaryMonthlyQuery({ window, item_code: p.get("item_code"), line_code: p.get("line_code") }))
)

export const SummaryByItemParams = summary(
  "/summary/by-item",
  "summary_by_item",
  { line_code: docs.line_code, limit: limit(1000, "default: all items") },
  (window, p) =>
    Either.map(
      parseLimit(p, { min: 1, max: 1000 }),
      (rows) => new SummaryByItemQuery({ window, line_code: p.get("line_code"), limit: rows })
    )
)

export const SummaryByLineParams = summary(
  "/summary/by-line",
  "summary_by_line",
  { item_code: docs.item_code },
  (window, p) => Either.right(new SummaryByLineQuery({ window, item_code: p.get("item_code") }))
)

export const SummaryMonthlyByItemParams = summary(
  "/summary/monthly-by-item",
  "summary_monthly_by_item",
  codes,
  (window, p) =>
    Either.right(
      new SummaryMonthlyByItemQuery({ window, item_code: p.get("item_code"), line_code: p.get("line_code") })
    )
)

/** The JSON data endpoints (all but the export): what the fast path, the warm-up and the benchmark decode. */
export const QUERY_ENDPOINTS: ReadonlyArray<EndpointParams<Query>> = [
  RecordsParams,
  ItemsParams,
  LinesParams,
  SummaryDailyParams,
  SummaryMonthlyParams,
  SummaryByItemParams,
  SummaryByLineParams,
  SummaryMonthlyByItemParams
]

const BY_PATH: ReadonlyMap<string, EndpointParams<Query>> = new Map(QUERY_ENDPOINTS.map((e) => [e.path, e]))

/** The JSON data endpoint at a request path (`/summary/daily`), if any. */
export const queryEndpointAt = (path: string): EndpointParams<Query> | undefined => BY_PATH.get(path)

/** The query name a request path is counted and logged under: a data endpoint's, the export's included. */
export const queryNameAt = (path: string): QueryName | undefined =>
  path === ExportParams.path ? ExportParams.name : queryEndpointAt(path)?.name
