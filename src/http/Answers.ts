import { createHash } from "node:crypto"
import { Clock, type Context, Effect } from "effect"
import type { ReadError } from "../pool/ReadErrors.js"
import type { Query } from "../query/Query.js"
import { QueryEngine } from "../query/QueryEngine.js"
import { serializeResult } from "./ResponseBody.js"

/** One query's answer, ready to send: the body text, its validator and how it was obtained. */
export interface Answer {
  readonly body: string
  /** Strong ETag: a hash of the body, quoted. */
  readonly etag: string
  /** Milliseconds spent in the engine (0 when no database work was done). */
  readonly dbMs: number
  readonly cache: "HIT" | "STALE" | "MISS"
}

export const etagOf = (body: string): string => `"${createHash("sha1").update(body).digest("base64url")}"`

/** Asks the engine and serializes its result once: the uncached way to answer. */
export const computeAnswer = (
  engine: Context.Tag.Service<QueryEngine>,
  query: Query
): Effect.Effect<Answer, ReadError> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeNanos
    const result = yield* engine.run(query)
    const dbMs = Number((yield* Clock.currentTimeNanos) - started) / 1e6
    const body = serializeResult(query, result)
    return { body, etag: etagOf(body), dbMs, cache: "MISS" } as const
  })

/**
 * How the JSON endpoints get their answers. This implementation always asks the engine (`X-Cache: MISS`); a
 * response cache provides another layer of this service, falling back to `computeAnswer`.
 */
export class Answers extends Effect.Service<Answers>()("Answers", {
  effect: Effect.map(QueryEngine, (engine) => ({
    answer: (query: Query): Effect.Effect<Answer, ReadError> => computeAnswer(engine, query)
  }))
}) {}
