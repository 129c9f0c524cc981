import type { DbFile } from "../../../domain/DbFile.js"
import type { Pragma } from "../db/Pragmas.js"
import type { ReadOutput, SqlValue } from "./ReadPool.js"

/**
 * The messages between the pool and its worker threads: plain arrays, structured-cloned by `postMessage`, with no
 * schema step on either side. Both ends are this code base, and a decode (or a fiber) per message would be most
 * of a small statement's round trip (docs/benchmark-notes.md).
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
      /** `ReadRequest.output`, as the request gave it (`Rows` when it gave none). */
      output: ReadOutput,
      /** `ReadRequest.prelude`: run first, its first value bound as the statement's first parameter. */
      prelude: readonly [file: DbFile, sql: string, params: ReadonlyArray<SqlValue>] | undefined
    ]
  | readonly [kind: typeof PING, request: number]
  | readonly [kind: typeof CLOSE]

/**
 * A statement's answer on the wire: its rows as one JSON text, which costs less than structured-cloning the arrays
 * (docs/benchmark-notes.md) and keeps SQLite's values (strings, finite numbers, nulls) exactly.
 */
export interface WireOutput extends Omit<QueryOutput, "rows"> {
  readonly rows: string
  /** For `Json` and `Text` output: the text as UTF-8 bytes, their buffer transferred. */
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
