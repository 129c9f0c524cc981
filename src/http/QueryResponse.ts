import { Effect } from "effect"
import type { Outcome } from "../cache/CacheEntry.js"
import type { Coding } from "../compression/Coding.js"
import type { AnswerBody, QueryAnswer } from "./Answers.js"
import { codingFor } from "./Compression.js"
import { type Reply, jsonReply, notModifiedReply } from "./Reply.js"

/** Whether an `If-None-Match` header (a list, `*`, weak or strong tags) matches `etag` (weak comparison). */
export const ifNoneMatches = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false
  for (const part of header.split(",")) {
    const tag = part.trim()
    if (tag === "*" || tag === etag || (tag.startsWith("W/") && tag.slice(2) === etag)) return true
  }
  return false
}

/** Milliseconds with microsecond precision, as `Server-Timing` shows them. */
const duration = (ms: number): string => (Math.round(ms * 1000) / 1000).toString()

/** The validator and cache headers every answer carries, 200 or 304. */
const answerHeaders = (etag: string, cache: Outcome, dbMs: number): Record<string, string> => {
  const headers: Record<string, string> = { etag, "cache-control": "no-cache", "x-cache": cache }
  if (cache === "MISS") headers["server-timing"] = `db;dur=${duration(dbMs)}`
  return headers
}

const encodedReply = (headers: Record<string, string>, coding: Coding, bytes: Uint8Array): Reply => {
  headers["content-encoding"] = coding
  return jsonReply(200, headers, bytes)
}

/** A request's headers, as `node:http` or the platform holds them. */
export type RequestHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const header = (headers: RequestHeaders, name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" ? value : undefined
}

/**
 * The reply to a request for an answer: 304 without a body when the client's copy is current, else 200 with the
 * JSON body, compressed when the client accepts it and it is over 1 KiB. Ready at once (the fast path sends a
 * cached answer without a fiber) unless that coding of the body has to be made first, off the event loop.
 */
export const replyTo = (
  body: AnswerBody,
  cache: Outcome,
  dbMs: number,
  request: RequestHeaders
): Reply | Effect.Effect<Reply> => {
  const headers = answerHeaders(body.etag, cache, dbMs)
  if (ifNoneMatches(header(request, "if-none-match"), body.etag)) return notModifiedReply(headers)
  const coding = codingFor(header(request, "accept-encoding"), body.bytes.length)
  if (coding === undefined) return jsonReply(200, headers, body.bytes)
  const kept = body.cachedEncoding(coding)
  if (kept !== undefined) return encodedReply(headers, coding, kept)
  return body.encoded(coding).pipe(
    Effect.map((bytes) => encodedReply(headers, coding, bytes)),
    // zlib fails only on memory exhaustion: the body goes as it is rather than not at all.
    Effect.catchAllDefect(() => Effect.succeed(jsonReply(200, headers, body.bytes)))
  )
}

/** `replyTo` for a fiber. */
export const answerReply = (answer: QueryAnswer, request: RequestHeaders): Effect.Effect<Reply> => {
  const reply = replyTo(answer.body, answer.cache, answer.dbMs, request)
  return Effect.isEffect(reply) ? reply : Effect.succeed(reply)
}
