import { isQueryFailure } from "./FileConnection.js"
import type { SqlValue } from "./ReadPool.js"
import type { QueryFailure, QueryOutput } from "./WorkerProtocol.js"

type Outcome = QueryOutput | QueryFailure

/**
 * A statement after its prelude (`ReadRequest.prelude`), on one thread's connections: `first` is the prelude's
 * outcome, `then` runs the statement with the prelude's first value (null when it has no row) as its first
 * parameter. A failure of either is the outcome; the times span both. What a worker does, and the benchmark's
 * in-process engine as it.
 */
export const afterPrelude = (first: Outcome, then: (value: SqlValue) => Outcome): Outcome => {
  if (isQueryFailure(first)) return first
  const result = then(first.rows[0]?.[0] ?? null)
  return isQueryFailure(result) ? result : { ...result, startedAt: first.startedAt }
}
