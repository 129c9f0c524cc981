import { Schema } from "effect"
import { DbFile } from "../domain/DbFile.js"
import type { SqlValue } from "./ReadPool.js"

export const SqlValueSchema = Schema.Union(Schema.String, Schema.Number, Schema.Null)

// Rows are produced by our own worker and may be large: checking every value would cost more than the query.
const Rows = Schema.declare((u: unknown): u is ReadonlyArray<ReadonlyArray<SqlValue>> => Array.isArray(u), {
  identifier: "Rows",
  description: "result rows as positional arrays"
})

/** A statement's answer as it crosses the thread boundary (the pool adds the worker id). */
export const QueryOutput = Schema.Struct({
  columns: Schema.Array(Schema.String),
  rows: Rows,
  startedAt: Schema.Number,
  endedAt: Schema.Number
})
export type QueryOutput = typeof QueryOutput.Type

/** The file cannot be read; the worker drops its connection and reopens it on a later request. */
export class FileUnavailable extends Schema.TaggedError<FileUnavailable>()("FileUnavailable", {
  file: DbFile,
  reason: Schema.String
}) {}

/** SQLite rejected the statement itself (a bug in the SQL, not a fault of the file). */
export class StatementFailed extends Schema.TaggedError<StatementFailed>()("StatementFailed", {
  code: Schema.String,
  message: Schema.String
}) {}

export const FileTarget = Schema.Struct({ file: DbFile, path: Schema.String })

/** Sent once when a worker starts: which files to open and how. */
export class InitialMessage extends Schema.TaggedRequest<InitialMessage>()("InitialMessage", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: {
    files: Schema.Array(FileTarget),
    pragmas: Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.Union(Schema.String, Schema.Number) })),
    fileCheckMs: Schema.Number,
    allowMmap: Schema.Boolean
  }
}) {}

export class Query extends Schema.TaggedRequest<Query>()("Query", {
  failure: Schema.Union(FileUnavailable, StatementFailed),
  success: QueryOutput,
  payload: { file: DbFile, sql: Schema.String, params: Schema.Array(SqlValueSchema) }
}) {}

/** Answered as soon as the worker is free: tells whether an abandoned statement has finished. */
export class Ping extends Schema.TaggedRequest<Ping>()("Ping", {
  failure: Schema.Never,
  success: Schema.Void,
  payload: {}
}) {}

export const WorkerRequest = Schema.Union(InitialMessage, Query, Ping)
export type WorkerRequest = typeof WorkerRequest.Type
