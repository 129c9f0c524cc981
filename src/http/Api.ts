import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ApiRecord } from "../domain/ProductionRecord.js"
import { HealthReport } from "../health/DatabaseHealth.js"
import { ChatGroup } from "../assistant/ChatApi.js"
import { ToolsGroup } from "../tools/ToolsApi.js"
import { documented, withBearerAccess, withoutDecodeError } from "./ApiDocs.js"
import { DatabaseUnavailableBody, InvalidParameterBody, OverloadedBody, QueryTimedOutBody } from "./ApiErrors.js"
import { MetricsGroup } from "./MetricsApi.js"
import {
  type EndpointParams,
  ExportParams,
  ItemsParams,
  LinesParams,
  RecordsParams,
  SummaryByItemParams,
  SummaryByLineParams,
  SummaryDailyParams,
  SummaryMonthlyByItemParams,
  SummaryMonthlyParams
} from "./QueryParams.js"

/**
 * The HTTP contract as an `HttpApi`: routing, the OpenAPI document and the typed errors. Query parameters are
 * documented here but decoded by the handlers with the contract's own rules (see `QueryParams`).
 */

const Totals = {
  good_quantity: Schema.Int,
  defect_quantity: Schema.Int,
  record_count: Schema.Int.annotations({ description: "Records counted." })
}
const rowsOf = <F extends Schema.Struct.Fields>(identifier: string, fields: F) =>
  Schema.Struct({ rows: Schema.Array(Schema.Struct(fields)) }).annotations({ identifier })

const NotModified = HttpApiSchema.Empty(304).annotations({
  description: "Not modified: `If-None-Match` matches the current ETag."
})

/** A JSON data endpoint: documented params, its 200 body and the 304 of a matching `If-None-Match`. */
const data = <const Name extends string, S extends Schema.Schema.Any>(
  name: Name,
  params: EndpointParams<unknown>,
  success: S,
  summary: string
) =>
  HttpApiEndpoint.get(name, params.path)
    .addSuccess(success)
    .addSuccess(NotModified)
    .annotate(OpenApi.Summary, summary)
    .pipe(documented(params, { validated: true }))

export const RecordsPageSchema = Schema.Struct({
  rows: Schema.Array(ApiRecord),
  next_cursor: Schema.NullOr(Schema.String).annotations({
    description: "Pass as `cursor` (same filters and window) for the next page; null on the last page."
  })
}).annotations({ identifier: "RecordsPage" })

const ExportBody = Schema.String.pipe(
  HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/csv" })
).annotations({
  description:
    "Every matching record in `/records` order: RFC 4180 CSV with a header line (default), or NDJSON " +
    "(`application/x-ndjson`, one Record per line) with `format=ndjson`. A transfer cut short means a failure."
})

export class RecordsGroup extends HttpApiGroup.make("records")
  .add(data("list", RecordsParams, RecordsPageSchema, "Records, newest first, a page at a time"))
  .add(
    HttpApiEndpoint.get("export", ExportParams.path)
      .addSuccess(ExportBody)
      .annotate(OpenApi.Summary, "Every matching record, streamed")
      .pipe(documented(ExportParams, { validated: false }))
  )
  .addError(InvalidParameterBody)
  .addError(OverloadedBody)
  .addError(DatabaseUnavailableBody)
  .addError(QueryTimedOutBody)
  .annotate(OpenApi.Description, "Production records: paged and exported.") {}

export class CatalogGroup extends HttpApiGroup.make("catalog")
  .add(
    data(
      "items",
      ItemsParams,
      Schema.Struct({
        rows: Schema.Array(Schema.Struct({ item_code: Schema.String, item_name: Schema.String })),
        truncated: Schema.Boolean.annotations({ description: "Whether `limit` cut the list." })
      }).annotations({ identifier: "Items" }),
      "Item codes and names whose name contains `q`"
    )
  )
  .add(
    data("lines", LinesParams, rowsOf("Lines", { line_code: Schema.String }), "Every line code in either file, ordered")
  )
  .addError(InvalidParameterBody)
  .addError(OverloadedBody)
  .addError(DatabaseUnavailableBody)
  .addError(QueryTimedOutBody)
  .annotate(OpenApi.Description, "Items and production lines.") {}

const month = Schema.String.annotations({ description: "YYYY-MM" })
const itemFields = { item_code: Schema.String, item_name: Schema.String.annotations({ description: "Latest name." }) }

export class SummaryGroup extends HttpApiGroup.make("summary")
  .add(data("daily", SummaryDailyParams, rowsOf("DailyTotals", { date: Schema.String, ...Totals }), "Totals per day"))
  .add(data("monthly", SummaryMonthlyParams, rowsOf("MonthlyTotals", { month, ...Totals }), "Totals per month"))
  .add(
    data(
      "byItem",
      SummaryByItemParams,
      rowsOf("ItemTotals", { ...itemFields, ...Totals }),
      "Totals per item, largest good quantity first"
    )
  )
  .add(
    data(
      "byLine",
      SummaryByLineParams,
      rowsOf("LineTotals", { line_code: Schema.String, ...Totals }),
      "Totals per line"
    )
  )
  .add(
    data(
      "monthlyByItem",
      SummaryMonthlyByItemParams,
      rowsOf("MonthlyItemTotals", { month, ...itemFields, ...Totals }),
      "Totals per month and item"
    )
  )
  .addError(InvalidParameterBody)
  .addError(OverloadedBody)
  .addError(DatabaseUnavailableBody)
  .addError(QueryTimedOutBody)
  .annotate(OpenApi.Description, "Totals (good, defect, record count) over a date window.") {}

export class HealthGroup extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(HealthReport.annotations({ description: "`ok` or `degraded` (the archive cannot be read)." }))
      .addError(
        HealthReport.annotations({
          identifier: "HealthUnavailable",
          description: "`unavailable`: the live file cannot be read."
        }),
        { status: 503 }
      )
      .annotate(OpenApi.Summary, "State of both database files")
  )
  .annotate(OpenApi.Description, "Service health.") {}

/** The contract's version: the OpenAPI document's and the MCP server's. */
export const API_VERSION = "1.0.0"

export class Api extends HttpApi.make("production-analytics")
  .add(RecordsGroup)
  .add(CatalogGroup)
  .add(SummaryGroup)
  .add(HealthGroup)
  .add(MetricsGroup)
  .add(ToolsGroup)
  .add(ChatGroup)
  .annotate(OpenApi.Title, "Production analytics API")
  .annotate(OpenApi.Version, API_VERSION)
  .annotate(OpenApi.Transform, (spec) => withBearerAccess(withoutDecodeError(spec)))
  .annotate(
    OpenApi.Description,
    "Production records over a live and an archive SQLite file. Every error is JSON `{code, message}` " +
      "(plus `parameter` for a 400 about one parameter); an unknown path is 404 `not_found`. Data endpoints " +
      "accept only their listed parameters (names starting with `_` are ignored); an empty value is the same " +
      "as an absent one; a repeated parameter is an error."
  ) {}
