import { HttpServerResponse } from "@effect/platform"
import type { Answer } from "./Answers.js"

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

/**
 * An answer as an HTTP response: 200 with the JSON body, or 304 without one when the client's copy is current.
 * Both carry the validator and the cache headers.
 */
export const answerResponse = (
  answer: Answer,
  ifNoneMatch: string | undefined
): HttpServerResponse.HttpServerResponse => {
  const headers: Record<string, string> = {
    etag: answer.etag,
    "cache-control": "no-cache",
    "x-cache": answer.cache
  }
  if (answer.cache === "MISS") headers["server-timing"] = `db;dur=${duration(answer.dbMs)}`
  if (ifNoneMatches(ifNoneMatch, answer.etag)) return HttpServerResponse.empty({ status: 304, headers })
  return HttpServerResponse.text(answer.body, { contentType: "application/json", headers })
}
