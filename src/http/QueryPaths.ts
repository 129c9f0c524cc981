import type { QueryName } from "../query/Query.js"

/** The query name (the metrics name) each data endpoint answers, by path. */
export const QUERY_BY_PATH: Readonly<Record<string, QueryName>> = {
  "/records": "records",
  "/records/export": "records_export",
  "/items": "items",
  "/lines": "lines",
  "/summary/daily": "summary_daily",
  "/summary/monthly": "summary_monthly",
  "/summary/by-item": "summary_by_item",
  "/summary/by-line": "summary_by_line",
  "/summary/monthly-by-item": "summary_monthly_by_item"
}
