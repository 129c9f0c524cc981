import type { DbFile } from "../domain/DbFile.js"
import type { Pragma } from "../db/Pragmas.js"
import type { SqlValue } from "./ReadPool.js"

/**
 * The messages between the pool and its worker threads: plain arrays, structured-cloned by `postMessage`, with no
 * schema step on either side. Both ends are this code base, and a decode (or a fiber) per message is what the
 * round trip would otherwise spend most of its time on (measured in BENCHMARKS.md's notes).
 */

/** Given to a worker at start (as `workerData.init`): which files to open and how. */
export interface WorkerInit {
  readonly files: ReadonlyArray<{ readonly file: DbFile; readonly path: string }>
  readonly pragmas: ReadonlyArray<Pragma>
  /** How long a connection is trusted before `stat` checks that its path still names the same file. */
  readonly fileCheckMs: number
  /** Whether `mmap_size` from the pragma set is honoured (see `ConnectionOptions.allowMmap`). */
  readonly allowMmap: boolean
  /** The process's reconnect counters (`Reconnects.buffer`), shared with the main thread. */
  readonly reconnects: SharedArrayBuffer
  /** `ConnectionOptions.staleIndexWaitMs`. */
  readonly staleIndexWaitMs: number
}

/** A statement's answer as it crosses the thread boundary (the pool adds the worker id). */
export interface QueryOutput {
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<SqlValue>>
  /** `performance.timeOrigin + performance.now()` in the worker when the statement started and ended. */
  readonly startedAt: number
  readonly endedAt: number
}

/** The file cannot be read; the worker drops its connection and reopens it on a later request. */
export interface FileUnavailable {
  readonly _tag: "FileUnavailable"
  readonly file: DbFile
  readonly reason: string
}

/** SQLite rejected the statement itself (a bug in the SQL, not a fault of the file). */
export interface StatementFailed {
  readonly _tag: "StatementFailed"
  readonly code: string
  readonly message: string
}

export type QueryFailure = FileUnavailable | StatementFailed

/** A `QUERY`'s `textRows` asking for rows, not text. */
export const ROWS = -1
/** A `QUERY`'s `textRows` asking for the rows as one JSON text written by SQLite (`FileConnection.runAsJson`). */
export const JSON_ROWS = -2
/** A `QUERY`'s `textRows` putting every row into the text. */
export const ALL_ROWS = Number.MAX_SAFE_INTEGER

export const QUERY = 0
export const PING = 1
export const CLOSE = 2

/** Pool → worker. `PING` is answered as soon as the worker is free: it tells that an abandoned statement ended. */
export type ToWorker =
  | readonly [
      kind: typeof QUERY,
      request: number,
      file: DbFile,
      sql: string,
      params: ReadonlyArray<SqlValue>,
      /** `ROWS` for rows, `JSON_ROWS` for rows as SQLite's JSON; else how many rows at most go into the text. */
      textRows: number,
      /** `ReadRequest.prelude`: run first, its first value bound as the statement's first parameter. */
      prelude: readonly [file: DbFile, sql: string, params: ReadonlyArray<SqlValue>] | undefined
    ]
  | readonly [kind: typeof PING, request: number]
  | readonly [kind: typeof CLOSE]

/**
 * A statement's answer on the wire: its rows as one JSON text. For summary rows `JSON.stringify` in the worker plus
 * `JSON.parse` here costs less than structured-cloning the same arrays (measured in one thread: 500 rows 0.29 vs
 * 0.42 ms, 5,500 rows 3.5 vs 5.2 ms); for 1,000 record texts the two are even (0.69 vs 0.57 ms), and either way
 * the main thread's share, the parse, is the smaller part. Values are strings, finite numbers and nulls: JSON
 * keeps them exactly.
 */
export interface WireOutput extends Omit<QueryOutput, "rows"> {
  readonly rows: string
  /** The first column of the rows asked for, concatenated, as UTF-8 (its buffer transferred), for text. */
  readonly text?: Uint8Array
}

export const READY = 0
export const DONE = 1
export const FAILED = 2

/** Worker → pool. */
export type FromWorker =
  | readonly [kind: typeof READY]
  | readonly [kind: typeof DONE, request: number, output?: WireOutput]
  | readonly [kind: typeof FAILED, request: number, failure: QueryFailure]
