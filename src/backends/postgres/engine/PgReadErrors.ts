import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import { QueryTimeout, type ReadError, ServerUnavailable } from "../../../query/ReadErrors.js"

/** SQLSTATE of a statement cancelled by `statement_timeout` (or a cancel request). */
const QUERY_CANCELED = "57014"

const sqlStateOf = (error: SqlError): string | undefined => {
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/**
 * A statement's error as the client may see it: a cancelled statement is the query timeout; a statement the
 * server rejects as written (syntax, data: classes 42 and 22) is a defect of the engine; anything else (no
 * connection, a connection lost or terminated, the server shutting down or out of resources) makes the database
 * unavailable, as an unreadable file does on SQLite.
 */
export const toReadError =
  (timeoutMs: number) =>
  (error: SqlError): Effect.Effect<never, ReadError> => {
    const state = sqlStateOf(error)
    if (state === QUERY_CANCELED) return Effect.fail(new QueryTimeout({ timeoutMs }))
    if (state !== undefined && (state.startsWith("42") || state.startsWith("22"))) return Effect.die(error)
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ""
    return Effect.fail(new ServerUnavailable({ reason: `${error.message}${cause}` }))
  }

/**
 * Runs a request's statements within `timeoutMs` in all: past it the fiber is interrupted, which makes
 * @effect/sql-pg send the server a cancel request for the running statement, and the request fails with
 * `QueryTimeout`.
 */
export const withinTimeout =
  (timeoutMs: number) =>
  <A>(work: Effect.Effect<A, ReadError>): Effect.Effect<A, ReadError> =>
    Effect.timeoutFail(work, { duration: timeoutMs, onTimeout: () => new QueryTimeout({ timeoutMs }) })
