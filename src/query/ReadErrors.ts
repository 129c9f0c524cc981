import { Data } from "effect"
import type { DbFile } from "../domain/DbFile.js"

/** More requests are waiting for a worker than `QUEUE_LIMIT` allows (or too many retired threads linger). */
export class PoolOverloaded extends Data.TaggedError("PoolOverloaded")<{ readonly reason: string }> {}

/** The request's database work passed `QUERY_TIMEOUT_MS`. */
export class QueryTimeout extends Data.TaggedError("QueryTimeout")<{ readonly timeoutMs: number }> {}

/** A file the query needs cannot be read (absent, deleted, truncated, corrupt, not SQLite). */
export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly file: DbFile
  readonly reason: string
}> {}

/** The database server (PostgreSQL) cannot be reached, or the connection was lost or terminated mid-query. */
export class ServerUnavailable extends Data.TaggedError("ServerUnavailable")<{ readonly reason: string }> {}

export type ReadError = PoolOverloaded | QueryTimeout | DatabaseUnavailable | ServerUnavailable
