import { Clock, Context, Effect, Layer } from "effect"
import { DbTargets } from "../config/DbTargets.js"
import { type CacheEntry, type Computed, type Outcome, etagOf, metaOf } from "../cache/CacheEntry.js"
import type { AnswerScope } from "../cache/AnswerScope.js"
import { ResponseCache } from "../cache/ResponseCache.js"
import { utcDateOf } from "../domain/IsoDate.js"
import type { ReadError } from "../query/ReadErrors.js"
import type { Query } from "../query/Query.js"
import { QueryEngine } from "../query/QueryEngine.js"
import type { Coding } from "../compression/Coding.js"
import { compressBytes } from "./Compression.js"
import { rowCount } from "../query/QueryResults.js"
import { serializeResult } from "./ResponseBody.js"

/** An answer's JSON body, its validator and its compressed forms (a cache entry keeps each once). */
export interface AnswerBody {
  /** The JSON body as UTF-8 (what is sent). */
  readonly bytes: Uint8Array
  /** Strong ETag: a hash of the body, quoted. */
  readonly etag: string
  /** The body compressed with `coding`, if it is at hand. */
  cachedEncoding(coding: Coding): Uint8Array | undefined
  /** The body compressed with `coding`, made off the event loop when not at hand. */
  encoded(coding: Coding): Effect.Effect<Uint8Array>
}

/** One query's answer, ready to send: its body and how it was obtained. */
export interface QueryAnswer {
  /** The query name and its normalized parameters: what the cache keys answers by. */
  readonly key: string
  readonly body: AnswerBody
  /** Milliseconds spent in the engine (0 when no database work was done). */
  readonly dbMs: number
  readonly rows: number
  readonly cache: Outcome
}

/** The cache key of a query: its name and every parameter after defaults were applied. */
export const queryKey = (query: Query): string => JSON.stringify(query)

const windowOf = (query: Query) => ("window" in query ? query.window : undefined)

/** Which records an answer is made of: its item and line filters, or the dimensions (`/items`, `/lines`). */
export const scopeOf = (query: Query): AnswerScope => {
  switch (query._tag) {
    case "items":
    case "lines":
      return { _tag: "Dimensions" }
    case "records":
      return { _tag: "Records", item_code: query.filters.item_code, line_code: query.filters.line_code }
    case "summary_by_item":
      return { _tag: "Records", item_code: undefined, line_code: query.line_code }
    case "summary_by_line":
      return { _tag: "Records", item_code: query.item_code, line_code: undefined }
    default:
      return { _tag: "Records", item_code: query.item_code, line_code: query.line_code }
  }
}

/** Asks the engine and serializes its result once: what a cache miss computes. */
export const computeAnswer = (
  engine: Context.Tag.Service<QueryEngine>,
  query: Query
): Effect.Effect<Computed, ReadError> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeNanos
    const result = yield* engine.run(query)
    const dbMs = Number((yield* Clock.currentTimeNanos) - started) / 1e6
    return { body: serializeResult(query, result), rows: rowCount(result.rows), dbMs }
  })

const fromEntry = (entry: CacheEntry, cache: Outcome): QueryAnswer => ({
  key: entry.key,
  body: entry,
  dbMs: entry.dbMs,
  rows: entry.rows,
  cache
})

/** A body sent once: compressed for each request that wants it. */
const oneOffBody = (bytes: Uint8Array): AnswerBody => ({
  bytes,
  etag: etagOf(bytes),
  cachedEncoding: () => undefined,
  encoded: (coding) => compressBytes(bytes, coding)
})

/**
 * How the JSON endpoints (and the assistant tools) get their answers. `Cached` goes through the response cache
 * (which the synchronous fast path then serves by exact URL); `Uncached` always asks the engine.
 */
export class Answers extends Context.Tag("Answers")<
  Answers,
  {
    readonly answer: (query: Query) => Effect.Effect<QueryAnswer, ReadError>
    /** Records that a request URL resolved to an answer's key (today's defaults), for the fast path. */
    readonly remember: (url: string, key: string) => Effect.Effect<void>
  }
>() {
  static readonly Uncached = Layer.effect(
    Answers,
    Effect.map(QueryEngine, (engine) =>
      Answers.of({
        answer: (query) =>
          Effect.map(computeAnswer(engine, query), (c) => ({
            key: queryKey(query),
            body: oneOffBody(c.body),
            rows: c.rows,
            dbMs: c.dbMs,
            cache: "MISS"
          })),
        remember: () => Effect.void
      })
    )
  )

  static readonly Cached = Layer.effect(
    Answers,
    Effect.gen(function* () {
      const engine = yield* QueryEngine
      const cache = yield* ResponseCache
      const { cutover } = yield* DbTargets
      return Answers.of({
        answer: (query) => {
          const key = queryKey(query)
          return Effect.map(
            cache.get(key, metaOf(windowOf(query), cutover, scopeOf(query)), computeAnswer(engine, query)),
            ({ entry, outcome }) => fromEntry(entry, outcome)
          )
        },
        // URLs without explicit dates resolve by today's date: the mapping holds for today only.
        remember: (url, key) =>
          Effect.map(Clock.currentTimeMillis, (now) => cache.rememberUrl(url, key, utcDateOf(now)))
      })
    })
  )
}
