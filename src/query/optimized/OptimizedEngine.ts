import { Effect, Layer } from "effect"
import { StartupError } from "../../domain/StartupError.js"
import { DbTargets } from "../../config/DbTargets.js"
import { routeWindow, type RoutedPart } from "../../domain/DateRouter.js"
import type { DbFile } from "../../domain/DbFile.js"
import { compareText } from "../../domain/TextOrder.js"
import { inspectFile } from "../../db/FileInspection.js"
import type { ReadError } from "../../pool/ReadErrors.js"
import { ReadPool, type ReadRequest, type SqlValue } from "../../pool/ReadPool.js"
import { monthOf } from "../../domain/IsoDate.js"
import type { ItemsQuery, RecordPosition, RecordsQuery, SummaryMonthlyByItemQuery, SummaryQuery } from "../Query.js"
import { QueryEngine, type SummaryRow, engineOf } from "../QueryEngine.js"
import { recordRead } from "../QueryTrace.js"
import type {
  ExportChunk,
  ExportFormat,
  ItemsResult,
  LinesResult,
  RecordsPage,
  SummaryResult
} from "../QueryResults.js"
import { latestNamesJsonSql, monthlyByItemTextSql } from "./MonthlyByItemSql.js"
import { LINES_SQL, itemsSql, recordTextsSql, type SqlStatement } from "./RecordsSql.js"
import { dailyTextSql, summarySql } from "./SummarySql.js"
import { mergeSummary } from "./SummaryMerge.js"

/** Whether the files' parts share a month (a cutover that is not the 1st): their months then need merging. */
const splitsAMonth = (parts: ReadonlyArray<RoutedPart>): boolean =>
  parts.length > 1 && parts.some((p) => parts.some((o) => o !== p && monthOf(o.window.to) === monthOf(p.window.from)))

const distinctSorted = <T>(rows: ReadonlyArray<T>, key: (t: T) => string, compare: (a: T, b: T) => number) =>
  [...new Map(rows.map((r) => [key(r), r])).values()].sort(compare)

export const make = Effect.gen(function* () {
  const pool = yield* ReadPool
  const targets = yield* DbTargets
  const files: Array<DbFile> = []
  for (const target of [targets.live, targets.archive]) {
    const state = inspectFile(target.path)
    if (state._tag === "Absent" && target.file === "archive" && !target.explicit) continue
    const where = `${target.file} file ${target.path}`
    if (state._tag === "Absent") return yield* new StartupError({ message: `${where} does not exist` })
    if (state._tag === "Unusable") return yield* new StartupError({ message: `${where} ${state.reason}` })
    if (!state.migrated) {
      return yield* new StartupError({ message: `${where} is not migrated: run npm run migrate` })
    }
    files.push(target.file)
  }

  const run = (file: DbFile, statement: SqlStatement & Pick<ReadRequest, "output" | "textRows">) =>
    Effect.tap(pool.run({ file, ...statement }), (r) =>
      recordRead({ file, workerId: r.workerId, startedAt: r.startedAt, endedAt: r.endedAt })
    )
  const partsOf = (window: RecordsQuery["window"]): ReadonlyArray<RoutedPart> =>
    routeWindow(window, targets.cutover).filter((p) => files.includes(p.file))
  const onEveryFile = (statement: SqlStatement) =>
    Effect.all(
      files.map((file) => run(file, statement)),
      { concurrency: "unbounded" }
    )

  /**
   * Reads a keyset page in the contract's order: live rows all sort before archive rows, so the parts are read in
   * order, each from the position after `q.after` in its file, and reading stops once `wanted` rows are in.
   * `read` gets the part, where to start in it and how many rows are still wanted, and says how many it got.
   */
  const readParts = <E>(
    q: RecordsQuery,
    wanted: number,
    read: (part: RoutedPart, after: RecordPosition | undefined, limit: number) => Effect.Effect<number, E>
  ) =>
    Effect.gen(function* () {
      let got = 0
      for (const part of partsOf(q.window)) {
        if (got >= wanted) break
        if (q.after !== undefined && part.file === "live" && q.after.source === "archive") continue
        const after = q.after !== undefined && q.after.source === part.file ? q.after : undefined
        got += yield* read(part, after, wanted - got)
      }
    })

  const positionOf = (file: DbFile, date: SqlValue | undefined, id: SqlValue | undefined): RecordPosition => ({
    production_date: date as string,
    source: file,
    id: id as number
  })

  /**
   * A `/records` page as the JSON text SQLite wrote (each part's rows handed over as bytes); limit + 1 rows tell
   * whether more follow, and only the first `limit` go into the text.
   */
  const records = (q: RecordsQuery): Effect.Effect<RecordsPage, ReadError> => {
    const pieces: Array<Uint8Array> = []
    let taken = 0
    let read = 0
    let last: RecordPosition | null = null
    return Effect.map(
      readParts(q, q.limit + 1, (part, after, limit) =>
        Effect.map(
          run(part.file, {
            ...recordTextsSql(part.window, q.filters, after, limit, "json-list", part.file),
            output: "text",
            textRows: q.limit - taken
          }),
          (r) => {
            const [count, date, id] = r.rows[0] ?? [0]
            const n = Number(count)
            const inText = Math.min(n, q.limit - taken)
            // Each row's text starts with a comma: the part's list is what follows the first byte.
            if (inText > 0) {
              pieces.push(r.text!.subarray(1))
              last = positionOf(part.file, date, id)
            }
            taken += inText
            read += n
            return n
          }
        )
      ),
      (): RecordsPage => ({
        rows: { _tag: "RenderedRows", count: taken, pieces },
        next: read > q.limit ? last : null
      })
    )
  }

  /**
   * An export chunk: up to `limit` lines, concatenated by the worker (one string per part crosses the thread
   * boundary). A full chunk gives its last position as `next`; one more, possibly empty, chunk then ends the export.
   */
  const exportChunk = (q: RecordsQuery, format: ExportFormat): Effect.Effect<ExportChunk, ReadError> => {
    const parts: Array<Uint8Array> = []
    let rows = 0
    let last: RecordPosition | null = null
    return Effect.map(
      readParts(q, q.limit, (part, after, limit) =>
        Effect.map(
          run(part.file, {
            ...recordTextsSql(part.window, q.filters, after, limit, format, part.file),
            output: "text"
          }),
          (r) => {
            const [count, date, id] = r.rows[0] ?? [0]
            const n = Number(count)
            if (r.text !== undefined) parts.push(r.text)
            rows += n
            if (n > 0) last = positionOf(part.file, date, id)
            return n
          }
        )
      ),
      (): ExportChunk => ({
        text: parts.length === 1 ? parts[0]! : Buffer.concat(parts),
        rows,
        next: rows >= q.limit ? last : null
      })
    )
  }

  const items = (q: ItemsQuery) =>
    Effect.map(onEveryFile(itemsSql(q.q, q.limit + 1)), (results): ItemsResult => {
      const all = results.flatMap((r) =>
        r.rows.map((row) => ({ item_code: String(row[0]), item_name: String(row[1]) }))
      )
      const rows = distinctSorted(
        all,
        (r) => `${r.item_code}\u0000${r.item_name}`,
        (a, b) => compareText(a.item_code, b.item_code) || compareText(a.item_name, b.item_name)
      )
      return { rows: rows.slice(0, q.limit), truncated: rows.length > q.limit }
    })

  const lines = Effect.map(onEveryFile(LINES_SQL), (results): LinesResult => {
    const all = results.flatMap((r) => r.rows.map((row) => ({ line_code: String(row[0]) })))
    return {
      rows: distinctSorted(
        all,
        (r) => r.line_code,
        (a, b) => compareText(a.line_code, b.line_code)
      )
    }
  })

  /** A part's rows as the JSON text its statement wrote (`JoinedRows`), handed over as bytes. */
  const textPart = (part: RoutedPart, statement: SqlStatement) =>
    Effect.map(run(part.file, { ...statement, output: "text" }), (r) => ({
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
   * their names from the latest part where they have records (their latest record is there), so it is given the
   * latest part's names (a few hundred, read first) as they come, a JSON text.
   */
  const monthlyByItemText = (q: SummaryMonthlyByItemQuery, parts: ReadonlyArray<RoutedPart>) => {
    const [latest, earlier] = parts as [RoutedPart, RoutedPart | undefined]
    const latestText = textPart(latest, monthlyByItemTextSql(q, latest.window, "[]"))
    if (earlier === undefined) return Effect.map(latestText, (t) => rendered([t]))
    const earlierText = Effect.flatMap(run(latest.file, latestNamesJsonSql(q, latest.window)), (r) =>
      textPart(earlier, monthlyByItemTextSql(q, earlier.window, String(r.rows[0]?.[0] ?? "[]")))
    )
    return Effect.map(Effect.all([latestText, earlierText], { concurrency: "unbounded" }), rendered)
  }

  /** Each file's part is pre-aggregated from its rollups, the parts run concurrently, then merge exactly. */
  const summary = (q: SummaryQuery): Effect.Effect<SummaryResult<SummaryRow>, ReadError> => {
    const parts = partsOf(q.window)
    // Days never repeat across parts: each part's rows come as text.
    if (q._tag === "summary_daily") {
      return Effect.map(
        Effect.all(
          parts.map((p) => textPart(p, dailyTextSql(q, p.window))),
          { concurrency: "unbounded" }
        ),
        rendered
      )
    }
    // One item answers a row a month: merging rows costs less than the text path's round trip for its names.
    if (q._tag === "summary_monthly_by_item" && q.item_code === undefined && !splitsAMonth(parts)) {
      return monthlyByItemText(q, parts)
    }
    return Effect.map(
      Effect.all(
        parts.map((p) => run(p.file, summarySql(q, p.window))),
        { concurrency: "unbounded" }
      ),
      (results) => ({
        rows: mergeSummary(
          q,
          results.map((r) => r.rows)
        )
      })
    )
  }

  return engineOf("optimized", { records, items, lines: () => lines, summary, exportChunk })
})

/** The optimized engine: needs the read pool and the targets; refuses to build on unusable or un-migrated files. */
export const OptimizedEngineLive = Layer.effect(QueryEngine, make)
