import { Context, Data, type Effect } from "effect"
import type { DbFile } from "../../../domain/DbFile.js"
import type { PoolStats } from "../../../query/EngineStats.js"
import type { ReadError } from "../../../query/ReadErrors.js"

export type SqlValue = string | number | null

/** A statement whose one value another statement needs: see `ReadRequest.prelude`. */
export interface PreludeStatement {
  readonly file: DbFile
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/**
 * How a statement's rows come back, a tagged value that crosses to the worker as it is:
 * - `Rows` (the default): better-sqlite3's values, as one JSON text the worker writes;
 * - `Json`: SQLite writes them as one JSON text (`json_group_array`) that crosses as bytes and is parsed here, so
 *   no row becomes JavaScript values in the worker (exact for integers, text and nulls; not for BLOBs): cheaper
 *   for hundreds of rows, dearer for a handful;
 * - `Text`: the first column of the first `maxRows` rows (all without it) concatenated into `ReadResult.text`
 *   (UTF-8, its buffer transferred, not copied), and `rows` holds one row, `[row count, ...the other columns of
 *   the last row in the text]` (just the count when none is): for statements whose rows are finished text
 *   (export lines, JSON rows), so that one string crosses the thread boundary, not one a row.
 */
export type ReadOutput = Data.TaggedEnum<{
  Rows: object
  Json: object
  Text: { readonly maxRows?: number }
}>
export const ReadOutput = Data.taggedEnum<ReadOutput>()

/** One read statement against one file. The worker caches the prepared statement by its SQL text. */
export interface ReadRequest {
  readonly file: DbFile
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
  /**
   * A statement the same worker runs first, on its own file's connection: the first value of its first row (null
   * if none) is bound as this statement's first parameter, before `params`. For a statement that needs a small
   * answer from the other file (monthly-by-item's earlier part takes the later part's item names) without a
   * round trip through the main thread between the two. A failure of either is the request's failure; the
   * result's times span both.
   */
  readonly prelude?: PreludeStatement
  /** `Rows` when absent. */
  readonly output?: ReadOutput
}

/** Rows as positional arrays (cheap to move between threads), with who ran them and when. */
export interface ReadResult {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<SqlValue>>
  /** The concatenated first column as UTF-8, for `Text` output. */
  readonly text?: Uint8Array
  /** Which worker thread ran the statement (stable id for the thread's life). */
  readonly workerId: number
  /** `performance.timeOrigin + performance.now()` in the worker when the statement started and ended. */
  readonly startedAt: number
  readonly endedAt: number
}

/**
 * A pool of worker threads, each with its own read-only connections to both files. `run` waits (FIFO, at most
 * `QUEUE_LIMIT` waiters) for an idle worker and runs the statement there, within `QUERY_TIMEOUT_MS` counted from
 * the call.
 */
export class ReadPool extends Context.Tag("ReadPool")<
  ReadPool,
  {
    readonly run: (request: ReadRequest) => Effect.Effect<ReadResult, ReadError>
    readonly stats: Effect.Effect<PoolStats>
  }
>() {}
