import type { EndpointParams } from "../http/QueryParams.js"
import {
  ItemsParams,
  LinesParams,
  RecordsParams,
  SummaryByItemParams,
  SummaryByLineParams,
  SummaryDailyParams,
  SummaryMonthlyByItemParams,
  SummaryMonthlyParams
} from "../http/QueryParams.js"
import type { Query } from "../query/Query.js"
import { type ParametersSchema, parametersOf } from "./ToolParameters.js"

/**
 * The queries as function-calling tools. Each wraps one endpoint's `EndpointParams`: its `parameters` are
 * generated from the endpoint's fields and its calls decoded by the endpoint's own rules, so the two cannot
 * drift apart. Descriptions are written for a model.
 */

export interface ToolDefinition {
  readonly name: string
  readonly description: string
  readonly parameters: ParametersSchema
}

export interface Tool extends ToolDefinition {
  readonly endpoint: EndpointParams<Query>
  /** Raw values for arguments the call leaves out, where the tool's default differs from the endpoint's. */
  readonly defaults: Readonly<Record<string, string>>
}

interface ToolOptions {
  /** A field's description for this tool, replacing the endpoint's. */
  readonly arguments?: Readonly<Record<string, string>>
  readonly defaults?: Readonly<Record<string, string>>
}

const tool = (name: string, endpoint: EndpointParams<Query>, description: string, options: ToolOptions = {}): Tool => ({
  name,
  description,
  parameters: parametersOf(endpoint.fields, options.arguments),
  endpoint,
  defaults: options.defaults ?? {}
})

const WINDOW = "Dates are YYYY-MM-DD (UTC). `from` and `to` are inclusive and default to the 30 days up to today."
const TOTALS =
  "Totals are integer counts: good_quantity (good units), defect_quantity (defective units) and record_count " +
  "(production records counted)."
const OMITTED = "Periods, items or lines without matching records are left out."

export const TOOLS: ReadonlyArray<Tool> = [
  tool(
    "search_records",
    RecordsParams,
    "Find individual production records (one per produced lot), newest first. Each record has source, id, " +
      "production_date, item_code, item_name, lot_number, line_code, good_quantity and defect_quantity (integer " +
      `units). Filters: item_code and line_code (exact), lot_prefix (start of the lot number, case-sensitive), q ` +
      `(part of the item name, case-insensitive). ${WINDOW} Returns 20 records unless \`limit\` asks for more ` +
      "(at most 1000). When the result's `next_cursor` is not null there are more records: call again with the " +
      "same arguments plus `cursor` set to that value. For totals use the summary tools instead of adding up " +
      "records.",
    {
      arguments: {
        limit: "Records to return, 1–1000. Default 20.",
        cursor:
          "The `next_cursor` of the previous result, to get the next page. Keep every other argument the same " +
          "(only `limit` may change). Omit for the first page."
      },
      defaults: { limit: "20" }
    }
  ),
  tool(
    "get_daily_summary",
    SummaryDailyParams,
    `Production totals per day (\`date\`, YYYY-MM-DD), oldest first. ${TOTALS} Optional exact item_code and ` +
      `line_code filters. ${WINDOW} ${OMITTED} For windows longer than a few months use get_monthly_summary.`
  ),
  tool(
    "get_monthly_summary",
    SummaryMonthlyParams,
    `Production totals per calendar month (\`month\`, YYYY-MM), oldest first. ${TOTALS} Optional exact ` +
      `item_code and line_code filters. ${WINDOW} A month cut by the window counts only its days inside the ` +
      `window. ${OMITTED}`
  ),
  tool(
    "get_summary_by_item",
    SummaryByItemParams,
    `Production totals per item over the window, largest good_quantity first: item_code, item_name (the ` +
      `item's latest name in the window) and totals. ${TOTALS} Optional exact line_code filter. ${WINDOW} ` +
      "Returns the top 20 items unless `limit` asks for more (at most 1000); exactly `limit` rows means there " +
      "may be more items.",
    {
      arguments: { limit: "Items to return (the top ones by good_quantity), 1–1000. Default 20." },
      defaults: { limit: "20" }
    }
  ),
  tool(
    "get_summary_by_line",
    SummaryByLineParams,
    `Production totals per production line (line_code), ordered by line_code. ${TOTALS} Optional exact ` +
      `item_code filter. ${WINDOW} ${OMITTED}`
  ),
  tool(
    "get_monthly_summary_by_item",
    SummaryMonthlyByItemParams,
    `Production totals per calendar month (YYYY-MM) and item, ordered by month then item_code: month, ` +
      `item_code, item_name (latest name in the window) and totals. ${TOTALS} Optional exact item_code and ` +
      `line_code filters. ${WINDOW} ${OMITTED} One row per item and month, so the result can be large: filter ` +
      "by item_code or line_code, or keep the window short; for a ranking of items use get_summary_by_item."
  ),
  tool(
    "search_items",
    ItemsParams,
    "Look up items by name: the distinct (item_code, item_name) pairs whose name contains `q` " +
      "(case-insensitive, every character literal), from any date, ordered by item_code. Use it to find the " +
      "item_code of a product before filtering the other tools. An item renamed over time appears once per " +
      "name. `truncated: true` means more items matched than `limit` (default 50): refine `q` or raise `limit`.",
    { arguments: { limit: "Rows to return, 1–1000. Default 50." } }
  ),
  tool(
    "list_lines",
    LinesParams,
    "Every production line code (line_code) found in the data, ordered. Takes no arguments. Use the codes as " +
      "the line_code filter of the other tools."
  )
]
