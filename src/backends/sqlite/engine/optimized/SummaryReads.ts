import { Effect } from "effect"
import type { RoutedPart } from "../../../../domain/DateRouter.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import { monthOf } from "../../../../domain/IsoDate.js"
import type { ReadError } from "../../../../query/ReadErrors.js"
import { ReadOutput, type ReadRequest, type ReadResult } from "../../pool/ReadPool.js"
import type { SummaryMonthlyByItemQuery, SummaryQuery } from "../../../../query/Query.js"
import type { SummaryRow } from "../../../../query/QueryEngine.js"
import type { SummaryResult } from "../../../../query/QueryResults.js"
import { earlierMonthlyByItemTextSql, monthlyByItemTextSql } from "./MonthlyByItemSql.js"
import type { SqlStatement } from "./RecordsSql.js"
import { mergeSummary } from "./SummaryMerge.js"
import { dailyTextSql, summarySql } from "./SummarySql.js"
import { allParts } from "./AllParts.js"

/** Runs one statement on one file: the engine's read (the pool, traced). */
export type RunStatement = (
  file: DbFile,
  statement: SqlStatement & Pick<ReadRequest, "output" | "prelude">
) => Effect.Effect<ReadResult, ReadError>

/** Whether the files' parts share a month (a cutover that is not the 1st): their months then need merging. */
const splitsAMonth = (parts: ReadonlyArray<RoutedPart>): boolean =>
  parts.length > 1 && parts.some((p) => parts.some((o) => o !== p && monthOf(o.window.to) === monthOf(p.window.from)))

/** By item answers up to every item (hundreds) per part: SQLite writes them as JSON (`ReadOutput`). */
const manyRows = (q: SummaryQuery): boolean => q._tag === "summary_by_item" || q._tag === "summary_monthly_by_item"

/**
 * The summaries of the optimized engine over a window's routed parts (latest first). Each file's part is
 * pre-aggregated from its rollups and the parts run concurrently; where the parts cannot share a row (days, and
 * monthly by item when the cutover is a month's first day), SQLite writes the JSON rows and the parts' texts are
 * joined, else the parts' rows are merged exactly.
 */
export const readSummary = (run: RunStatement) => {
  /** A part's rows as the JSON text its statement wrote (`JoinedRows`), handed over as bytes. */
  const textPart = (part: RoutedPart, statement: SqlStatement & Pick<ReadRequest, "prelude">) =>
    Effect.map(run(part.file, { ...statement, output: ReadOutput.Text({}) }), (r) => ({
      bytes: r.text ?? new Uint8Array(0),
      count: Number(r.rows[0]?.[1] ?? 0)
    }))
  type TextPart = Effect.Effect.Success<ReturnType<typeof textPart>>

  /** Parts' texts, earliest first (the routed parts come latest first), as the rows of a summary. */
  const rendered = (texts: ReadonlyArray<TextPart>): SummaryResult<never> => ({
    rows: {
      _tag: "RenderedRows",
      count: texts.reduce((n, t) => n + t.count, 0),
      pieces: texts.map((t) => t.bytes).reverse()
    }
  })

  /**
   * Monthly by item written as JSON by SQLite, each file's part on its own worker. The earlier part's items take
   * their names from the latest part where they have records (their latest record is there), so its worker
   * first reads the latest part's names (a few hundred, one JSON text) and binds them to the earlier part's text.
   */
  const monthlyByItemText = (q: SummaryMonthlyByItemQuery, parts: ReadonlyArray<RoutedPart>) => {
    const [latest, earlier] = parts as [RoutedPart, RoutedPart | undefined]
    const latestText = textPart(latest, monthlyByItemTextSql(q, latest.window))
    if (earlier === undefined) return Effect.map(latestText, (t) => rendered([t]))
    const earlierText = textPart(earlier, earlierMonthlyByItemTextSql(q, earlier.window, latest))
    return Effect.map(allParts([latestText, earlierText]), rendered)
  }

  return (q: SummaryQuery, parts: ReadonlyArray<RoutedPart>): Effect.Effect<SummaryResult<SummaryRow>, ReadError> => {
    // Days never repeat across parts: each part's rows come as text.
    if (q._tag === "summary_daily") {
      return Effect.map(allParts(parts.map((p) => textPart(p, dailyTextSql(q, p.window)))), rendered)
    }
    // One item answers a row a month: merging rows costs less than the text path's round trip for its names.
    if (q._tag === "summary_monthly_by_item" && q.item_code === undefined && !splitsAMonth(parts)) {
      return monthlyByItemText(q, parts)
    }
    return Effect.map(
      allParts(
        parts.map((p) =>
          run(p.file, { ...summarySql(q, p.window), output: manyRows(q) ? ReadOutput.Json() : ReadOutput.Rows() })
        )
      ),
      (results) => ({
        rows: mergeSummary(
          q,
          results.map((r) => r.rows)
        )
      })
    )
  }
}
