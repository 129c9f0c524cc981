import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { Answer } from "./Answers.js"
import { codingFor } from "./Compression.js"

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
export const answerHeaders = (answer: Pick<Answer, "etag" | "cache" | "dbMs">): Record<string, string> => {
  const headers: Record<string, string> = {
    etag: answer.etag,
    "cache-control": "no-cache",
    "x-cache": answer.cache,
    vary: "Accept-Encoding"
  }
  if (answer.cache === "MISS") headers["server-timing"] = `db;dur=${duration(answer.dbMs)}`
  return headers
}

/**
 * An answer as an HTTP response: 304 without a body when the client's copy is current, else 200 with the JSON
 * body, compressed (once per coding where the answer is cached) when the client accepts it and it is over 1 KiB.
 */
export const answerResponse = (
  answer: Answer,
  request: { readonly headers: Readonly<Record<string, string | undefined>> }
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const headers = answerHeaders(answer)
  if (ifNoneMatches(request.headers["if-none-match"], answer.etag)) {
    return Effect.succeed(HttpServerResponse.empty({ status: 304, headers }))
  }
  const coding = codingFor(request.headers["accept-encoding"], answer.bytes.length)
  if (coding === undefined) {
    return Effect.succeed(HttpServerResponse.uint8Array(answer.bytes, { contentType: "application/json", headers }))
  }
  return Effect.map(answer.encoded(coding), (bytes) =>
    HttpServerResponse.uint8Array(bytes, {
      contentType: "application/json",
      headers: { ...headers, "content-encoding": coding }
    })
  )
}
