import { Effect, Layer } from "effect"
import { StartupError } from "../../../../domain/StartupError.js"
import { DbTargets } from "../../../../config/DbTargets.js"
import { routeWindow, type RoutedPart } from "../../../../domain/DateRouter.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import { compareText } from "../../../../domain/TextOrder.js"
import { inspectFile } from "../../db/FileInspection.js"
import type { ReadError } from "../../../../query/ReadErrors.js"
import { ReadOutput, ReadPool, type SqlValue } from "../../pool/ReadPool.js"
import type { ItemsQuery, RecordPosition, RecordsQuery } from "../../../../query/Query.js"
import { QueryEngine, engineOf } from "../../../../query/QueryEngine.js"
import { recordRead } from "../../../../query/QueryTrace.js"
import type {
  ExportChunk,
  ExportFormat,
  ItemsResult,
  LinesResult,
  RecordsPage
} from "../../../../query/QueryResults.js"
import {
  LINES_SQL,
  type LotPlan,
  type RecordFormat,
  type SqlStatement,
  choosesLotPlan,
  itemsSql,
  lotPlanOf,
  lotProbeSql,
  newestMayHold,
  recordTextsSql
} from "./RecordsSql.js"
import { type RunStatement, readSummary } from "./SummaryReads.js"
import { allParts } from "./AllParts.js"

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

  const run: RunStatement = (file, statement) =>
    Effect.tap(pool.run({ file, ...statement }), (r) =>
      recordRead({ file, workerId: r.workerId, startedAt: r.startedAt, endedAt: r.endedAt })
    )
  const partsOf = (window: RecordsQuery["window"]): ReadonlyArray<RoutedPart> =>
    routeWindow(window, targets.cutover).filter((p) => files.includes(p.file))
  const onEveryFile = (statement: SqlStatement) => allParts(files.map((file) => run(file, statement)))

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

  /**
   * One file's part of a page: its statement's rows as text. A lot prefix alone is read from the window's newest
   * records first (when they can hold the part); when they do not, a probe of the lot+date index chooses how.
   */
  const readPart = (
    part: RoutedPart,
    q: RecordsQuery,
    after: RecordPosition | undefined,
    limit: number,
    format: RecordFormat,
    output: ReadOutput
  ) => {
    const read = (plan?: LotPlan) =>
      run(part.file, { ...recordTextsSql(part.window, q.filters, after, limit, format, part.file, plan), output })
    if (!choosesLotPlan(q.filters)) return read()
    const probed = Effect.flatMap(run(part.file, lotProbeSql(part.window, q.filters.lot_prefix!, after)), (probe) =>
      read(lotPlanOf(probe.rows[0], limit))
    )
    if (!newestMayHold(limit)) return probed
    return Effect.flatMap(read("newest"), (newest) =>
      Number(newest.rows[0]?.[0] ?? 0) >= limit ? Effect.succeed(newest) : probed
    )
  }

  const positionOf = (file: DbFile, date: SqlValue | undefined, id: SqlValue | undefined): RecordPosition => ({
    production_date: date as string,
    source: file,
    id: id as number
  })

  /**
   * The texts of up to `q.limit` records in the contract's order, as each part's worker joined them (one UTF-8
   * buffer a part), after reading `lookAhead` more rows, counted only, to tell whether more follow; with how
   * many rows were read and the position of the last one in the texts.
   */
  const recordTexts = (q: RecordsQuery, format: RecordFormat, lookAhead: number) =>
    Effect.suspend(() => {
      // The effect may be run more than once: each run gathers its own pieces.
      const pieces: Array<Uint8Array> = []
      let taken = 0
      let read = 0
      let last: RecordPosition | null = null
      return Effect.map(
        readParts(q, q.limit + lookAhead, (part, after, limit) =>
          Effect.map(readPart(part, q, after, limit, format, ReadOutput.Text({ maxRows: q.limit - taken })), (r) => {
            const [count, date, id] = r.rows[0] ?? [0]
            const n = Number(count)
            const inText = Math.min(n, q.limit - taken)
            if (inText > 0) {
              pieces.push(r.text!)
              last = positionOf(part.file, date, id)
            }
            taken += inText
            read += n
            return n
          })
        ),
        () => ({ pieces, taken, read, last })
      )
    })

  /** A `/records` page as the JSON text SQLite wrote; one row more than the page tells whether more follow. */
  const records = (q: RecordsQuery): Effect.Effect<RecordsPage, ReadError> =>
    Effect.map(recordTexts(q, "json-list", 1), ({ pieces, taken, read, last }) => ({
      // Each row's text starts with a comma: a part's list is what follows its first byte.
      rows: { _tag: "RenderedRows", count: taken, pieces: pieces.map((p) => p.subarray(1)) },
      next: read > q.limit ? last : null
    }))

  /**
   * An export chunk: up to `limit` lines, joined by the workers. A full chunk gives its last position as `next`;
   * one more, possibly empty, chunk then ends the export (no row is read ahead).
   */
  const exportChunk = (q: RecordsQuery, format: ExportFormat): Effect.Effect<ExportChunk, ReadError> =>
    Effect.map(recordTexts(q, format, 0), ({ pieces, taken, last }) => ({
      text: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces),
      rows: taken,
      next: taken >= q.limit ? last : null
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

  const summary = readSummary(run)

  return engineOf("optimized", {
    records,
    items,
    lines: () => lines,
    summary: (q) => summary(q, partsOf(q.window)),
    exportChunk
  })
})

/** The optimized engine: needs the read pool and the targets; refuses to build on unusable or un-migrated files. */
export const OptimizedEngineLive = Layer.effect(QueryEngine, make)
