import { Effect, Layer } from "effect"
import { StartupError } from "../../domain/StartupError.js"
import { DbTargets } from "../../config/DbTargets.js"
import { routeWindow, type RoutedPart } from "../../domain/DateRouter.js"
import type { DbFile } from "../../domain/DbFile.js"
import { compareText } from "../../domain/TextOrder.js"
import { inspectFile } from "../../db/FileInspection.js"
import type { ReadError } from "../../pool/ReadErrors.js"
import { ReadPool, type SqlValue } from "../../pool/ReadPool.js"
import type { ItemsQuery, RecordPosition, RecordsQuery, SummaryQuery } from "../Query.js"
import { QueryEngine, engineOf } from "../QueryEngine.js"
import { recordRead } from "../QueryTrace.js"
import type { ExportChunk, ExportFormat, ItemsResult, LinesResult, RecordsPage } from "../QueryResults.js"
import { LINES_SQL, itemsSql, type RecordFormat, recordTextsSql, type SqlStatement } from "./RecordsSql.js"
import { summarySql } from "./SummarySql.js"
import { mergeSummary } from "./SummaryMerge.js"

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

  const run = (file: DbFile, statement: SqlStatement) =>
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
   * A keyset page in the contract's order: live rows all sort before archive rows, so the parts are read in
   * order and reading stops once the page is full (limit + 1 rows tell whether more follow).
   */
  const pageOf = <Row>(
    q: RecordsQuery,
    statement: (part: RoutedPart, after: RecordPosition | undefined, limit: number) => SqlStatement,
    decode: (file: DbFile, row: ReadonlyArray<SqlValue>) => { readonly row: Row; readonly position: RecordPosition }
  ) =>
    Effect.gen(function* () {
      const rows: Array<{ readonly row: Row; readonly position: RecordPosition }> = []
      for (const part of partsOf(q.window)) {
        if (rows.length > q.limit) break
        if (q.after !== undefined && part.file === "live" && q.after.source === "archive") continue
        const after = q.after !== undefined && q.after.source === part.file ? q.after : undefined
        const result = yield* run(part.file, statement(part, after, q.limit + 1 - rows.length))
        for (const r of result.rows) rows.push(decode(part.file, r))
      }
      const page = rows.slice(0, q.limit)
      const next = rows.length > q.limit ? (page[page.length - 1]?.position ?? null) : null
      return { rows: page.map((r) => r.row), next }
    })

  /** A page of records as SQLite rendered them (`[text, production_date, id]` rows). */
  const textsOf = (q: RecordsQuery, format: RecordFormat) =>
    pageOf(
      q,
      (part, after, limit) => recordTextsSql(part.window, q.filters, after, limit, format, part.file),
      (file, r) => ({
        row: r[0] as string,
        position: { production_date: r[1] as string, source: file, id: r[2] as number }
      })
    )

  const records = (q: RecordsQuery): Effect.Effect<RecordsPage, ReadError> => textsOf(q, "json")

  const exportChunk = (q: RecordsQuery, format: ExportFormat) =>
    Effect.map(textsOf(q, format), (page): ExportChunk => ({
      text: page.rows.join(""),
      rows: page.rows.length,
      next: page.next
    }))

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

  /** Each file's part is pre-aggregated from its rollups, the parts run concurrently, then merge exactly. */
  const summary = (q: SummaryQuery) =>
    Effect.map(
      Effect.all(
        partsOf(q.window).map((p) => run(p.file, summarySql(q, p.window))),
        { concurrency: "unbounded" }
      ),
      (results) => ({
        rows: mergeSummary(
          q,
          results.map((r) => r.rows)
        )
      })
    )

  return engineOf("optimized", { records, items, lines: () => lines, summary, exportChunk })
})

/** The optimized engine: needs the read pool and the targets; refuses to build on unusable or un-migrated files. */
export const OptimizedEngineLive = Layer.effect(QueryEngine, make)
