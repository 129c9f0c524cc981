import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { SummaryQuery } from "../../../query/Query.js"
import type { SummaryRow } from "../../../query/QueryEngine.js"
import type { SummaryResult, Totals } from "../../../query/QueryResults.js"
import { DatabaseUnavailable, type ReadError } from "../../../query/ReadErrors.js"
import { monthlyByItemRowsOf } from "./PgMonthlyByItemSql.js"
import { pgSummarySql } from "./PgSummarySql.js"

type Row = ReadonlyArray<unknown>

const totalsAt = (row: Row, i: number): Totals => ({
  good_quantity: row[i] as number,
  defect_quantity: row[i + 1] as number,
  record_count: row[i + 2] as number
})

/** The statement's rows (keys, then totals) as the contract's row objects; monthly by item's as JSON text. */
const rowsOf = (q: SummaryQuery, rows: ReadonlyArray<Row>): SummaryResult<SummaryRow>["rows"] => {
  switch (q._tag) {
    case "summary_daily":
      return rows.map((r) => ({ date: r[0] as string, ...totalsAt(r, 1) }))
    case "summary_monthly":
      return rows.map((r) => ({ month: r[0] as string, ...totalsAt(r, 1) }))
    case "summary_by_line":
      return rows.map((r) => ({ line_code: r[0] as string, ...totalsAt(r, 1) }))
    case "summary_by_item":
      return rows.map((r) => ({ item_code: r[0] as string, item_name: r[1] as string, ...totalsAt(r, 2) }))
    case "summary_monthly_by_item":
      return monthlyByItemRowsOf(rows)
  }
}

/**
 * The five summaries on PostgreSQL: one statement per request over the rollups (PgSummarySql.ts), read as
 * positional rows (no column-name transforms). The one database stands for both files: a failure reads as the
 * live file unavailable.
 */
export const makePgSummaries: Effect.Effect<
  (q: SummaryQuery) => Effect.Effect<SummaryResult<SummaryRow>, ReadError>,
  never,
  SqlClient.SqlClient
> = Effect.map(SqlClient.SqlClient, (sql) => (q: SummaryQuery) => {
  const statement = pgSummarySql(q)
  return sql.unsafe(statement.sql, statement.params).values.pipe(
    Effect.map((rows) => ({ rows: rowsOf(q, rows) })),
    Effect.mapError((e) => new DatabaseUnavailable({ file: "live", reason: String(e.cause) })),
    Effect.withSpan("PgSummaries.run", { attributes: { query: q._tag } })
  )
})
