import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { DbFile } from "../../../domain/DbFile.js"
import { type ApiRecord, recordJson } from "../../../domain/ProductionRecord.js"
import { csvLine, ndjsonLine } from "../../../domain/RecordLines.js"
import { foldedContains } from "../../../domain/TextFold.js"
import type { ItemsQuery, RecordPosition, RecordsQuery } from "../../../query/Query.js"
import { engineOf, QueryEngine } from "../../../query/QueryEngine.js"
import type { ExportChunk, ExportFormat, ItemsResult, LinesResult, RecordsPage } from "../../../query/QueryResults.js"
import { queryTimeoutMsConfig } from "../../../query/QueryTimeoutConfig.js"
import type { ReadError } from "../../../query/ReadErrors.js"
import {
  itemCandidatesStatement,
  LINES_STATEMENT,
  matchesNothing,
  type NameFilter,
  present,
  recordsStatement
} from "./PgRecordShapes.js"
import type { PgStatement } from "./PgStatement.js"
import { toReadError, withinTimeout } from "./PgReadErrors.js"
import { makePgSummaries } from "./PgSummaries.js"

type TextRow = ReadonlyArray<unknown>

// The columns of recordsStatement, in the Record's field order.
const toApiRecord = (r: TextRow): ApiRecord => ({
  source: r[0] as DbFile,
  id: Number(r[1]),
  production_date: r[2] as string,
  item_code: r[3] as string,
  item_name: r[4] as string,
  lot_number: r[5] as string,
  line_code: r[6] as string,
  good_quantity: Number(r[7]),
  defect_quantity: Number(r[8])
})

/** The most items a `q` reads one by one (a statement branch each). */
const PER_ITEM_MAX = 16

const positionOf = (r: ApiRecord): RecordPosition => ({
  production_date: r.production_date,
  source: r.source,
  id: r.id
})

const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const timeoutMs = yield* Effect.orDie(queryTimeoutMsConfig)
  const within = withinTimeout(timeoutMs)
  const rowsOf = (s: PgStatement): Effect.Effect<ReadonlyArray<TextRow>, ReadError> =>
    Effect.catchAll(sql.unsafe(s.sql, s.params).values, toReadError(timeoutMs))

  /** The (code, name) pairs whose name contains `q` under the exact fold, in the contract's order, with counts. */
  const matchingItems = (q: string) =>
    Effect.map(rowsOf(itemCandidatesStatement(q)), (rows) =>
      rows
        .map((r) => ({
          item_code: r[0] as string,
          item_name: r[1] as string,
          records: Number(r[2]),
          all: Number(r[3])
        }))
        .filter((r) => foldedContains(r.item_name, q))
    )

  /**
   * How to read the records of the pairs `q` matches: by item when reading each pair's newest rows (pairs × limit
   * at most) costs less than scanning the window in order until `limit` match (about limit / their share).
   */
  const nameFilter = (q: RecordsQuery, needle: string) =>
    Effect.map(matchingItems(needle), (items): NameFilter | undefined => {
      const code = q.filters.item_code
      const chosen = present(code) ? items.filter((i) => i.item_code === code) : items
      if (chosen.length === 0) return undefined
      const share = chosen.reduce((n, i) => n + i.records, 0) / Math.max(1, chosen[0]!.all)
      return {
        codes: chosen.map((i) => i.item_code),
        names: chosen.map((i) => i.item_name),
        read: chosen.length <= PER_ITEM_MAX && (present(code) || chosen.length * share < 1) ? "per-item" : "scan"
      }
    })

  /** Up to `limit` records of `q`; with `q`, the matching items first, then their records (two statements). */
  const recordRows = (q: RecordsQuery, limit: number): Effect.Effect<ReadonlyArray<ApiRecord>, ReadError> => {
    if (matchesNothing(q.filters)) return Effect.succeed([])
    const read = (names?: NameFilter) =>
      Effect.map(rowsOf(recordsStatement(q, limit, names)), (rows) => rows.map(toApiRecord))
    const needle = q.filters.q
    if (!present(needle)) return read()
    return Effect.flatMap(nameFilter(q, needle), (names) => (names === undefined ? Effect.succeed([]) : read(names)))
  }

  /** A `/records` page; one row more than the page tells whether more follow. */
  const records = (q: RecordsQuery): Effect.Effect<RecordsPage, ReadError> =>
    Effect.map(recordRows(q, q.limit + 1), (fetched) => {
      const rows = fetched.slice(0, q.limit)
      const last = rows.at(-1)
      return {
        rows: rows.map(recordJson),
        next: fetched.length > q.limit && last !== undefined ? positionOf(last) : null
      }
    })

  /** An export chunk: a full chunk gives its last position as `next` (no row is read ahead). */
  const exportChunk = (q: RecordsQuery, format: ExportFormat): Effect.Effect<ExportChunk, ReadError> =>
    Effect.map(recordRows(q, q.limit), (rows) => {
      const line = format === "csv" ? csvLine : ndjsonLine
      const last = rows.at(-1)
      return {
        text: Buffer.from(rows.map(line).join(""), "utf8"),
        rows: rows.length,
        next: last !== undefined && rows.length >= q.limit ? positionOf(last) : null
      }
    })

  const items = (q: ItemsQuery): Effect.Effect<ItemsResult, ReadError> =>
    q.q.includes("\u0000")
      ? Effect.succeed({ rows: [], truncated: false })
      : Effect.map(matchingItems(q.q), (rows) => ({
          rows: rows.slice(0, q.limit).map((r) => ({ item_code: r.item_code, item_name: r.item_name })),
          truncated: rows.length > q.limit
        }))

  const lines: Effect.Effect<LinesResult, ReadError> = Effect.map(rowsOf(LINES_STATEMENT), (rows) => ({
    rows: rows.map((r) => ({ line_code: r[0] as string }))
  }))

  const summary = yield* makePgSummaries
  return engineOf("postgres", {
    records: (q) => within(records(q)),
    items: (q) => within(items(q)),
    lines: () => within(lines),
    exportChunk: (q, format) => within(exportChunk(q, format)),
    summary
  })
})

/**
 * The PostgreSQL engine: `/records` pages and export chunks (one statement each, two with `q`; keyset on the
 * primary key or an index ending in `(production_date, id)`), `/items` from the items dimension and `/lines` from
 * the lines list; the summaries from PgSummaries. Each request's statements run within `QUERY_TIMEOUT_MS`.
 */
export const PgEngineLive: Layer.Layer<QueryEngine, never, SqlClient.SqlClient> = Layer.effect(QueryEngine, make)
