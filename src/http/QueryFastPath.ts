import type * as Http from "node:http"
import { Cause, Effect, Either, Exit, Layer, Option, Runtime } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import type { QueryName } from "../query/Query.js"
import { type Answer, Answers } from "./Answers.js"
import type { Coding } from "../compression/Coding.js"
import { codingFor } from "./Compression.js"
import { CorsConfig } from "./Cors.js"
import { HandedOverFailures } from "./HandedOverFailures.js"
import { FastPath } from "./NodeServer.js"
import { recordAnswer } from "./QueryHandler.js"
import { decodeParams, queryEndpointAt } from "./QueryParams.js"
import { answerHeaders, ifNoneMatches } from "./QueryResponse.js"
import { pathOf, searchOf, today } from "./RequestDecoding.js"

/** Writes an answer (or 304) with the headers the Effect app gives it. */
const send = (
  response: Http.ServerResponse,
  answer: Pick<Answer, "etag" | "cache" | "dbMs">,
  body: Uint8Array | undefined,
  coding: Coding | undefined
): void => {
  const headers: Record<string, string | number> = answerHeaders(answer)
  if (body === undefined) return void response.writeHead(304, headers).end()
  if (coding !== undefined) headers["content-encoding"] = coding
  headers["content-type"] = "application/json"
  headers["content-length"] = body.length
  response.writeHead(200, headers).end(body)
}

/**
 * Answers GETs of the JSON data endpoints from the `node:http` listener, with the same headers, validators and
 * metrics as the Effect app, without its router, middleware and response encoding (performance.md: the
 * platform's per-request fiber alone caps cache hits near a fifth of bare `node:http`, and costs an uncached
 * answer a few hundred µs). A cached answer for the exact URL is sent without a fiber (a stale one has its
 * refresh forked; a coding not compressed yet is compressed once, off the event loop). Any
 * other valid request runs one fiber: decode (the endpoint's own contract decoder), `Answers` (cache or engine),
 * send. What it does not answer goes on to the Effect app: invalid parameters (the app writes the 400), CORS
 * requests, other methods and paths, and read failures (handed over with the failure, so the app writes the
 * contract error without reading again).
 */
export const QueryFastPathLive = Layer.effect(
  FastPath,
  Effect.gen(function* () {
    const cache = yield* ResponseCache
    const metrics = yield* QueryMetrics
    const answers = yield* Answers
    const handedOver = yield* HandedOverFailures
    const cors = yield* CorsConfig
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())

    const serveFresh = (
      request: Http.IncomingMessage,
      response: Http.ServerResponse,
      url: string,
      name: QueryName
    ): boolean => {
      const started = performance.now()
      const found = cache.serveUrl(url, Date.now())
      if (found === undefined) return false
      const { entry, outcome } = found
      if (outcome === "STALE") runFork(found.refresh)
      const notModified = ifNoneMatches(request.headers["if-none-match"], entry.etag)
      const coding = notModified ? undefined : codingFor(request.headers["accept-encoding"], entry.bytes.length)
      const answer = { etag: entry.etag, cache: outcome, dbMs: 0 } as const
      const sent = () => recordAnswer(metrics, name, started, { rows: entry.rows, cache: outcome }, notModified)
      const kept = coding === undefined ? undefined : entry.cachedEncoding(coding)
      if (coding !== undefined && kept === undefined) {
        // Compressed once, off the event loop (a large body takes ms); requests meanwhile wait for the same one.
        void entry.compressed(coding).then(
          (bytes) => (send(response, answer, bytes, coding), sent()),
          // zlib fails only on memory exhaustion: the body goes as it is rather than not at all.
          () => (send(response, answer, entry.bytes, undefined), sent())
        )
        return true
      }
      const body = notModified ? undefined : (kept ?? entry.bytes)
      send(response, answer, body, coding)
      sent()
      return true
    }

    const serve = (request: Http.IncomingMessage, response: Http.ServerResponse, next: () => void): void => {
      const url = request.url
      if (request.method !== "GET" || url === undefined) return next()
      const endpoint = queryEndpointAt(pathOf(url))
      if (endpoint === undefined) return next()
      if (cors._tag !== "Off" && request.headers.origin !== undefined) return next()
      if (serveFresh(request, response, url, endpoint.name)) return
      const started = performance.now()
      const fiber = runFork(
        Effect.gen(function* () {
          const query = Either.getOrUndefined(decodeParams(endpoint, searchOf(url), yield* today))
          if (query === undefined) return undefined
          const answer = yield* answers.answer(query)
          yield* answers.remember(url, answer.key)
          const notModified = ifNoneMatches(request.headers["if-none-match"], answer.etag)
          const coding = notModified ? undefined : codingFor(request.headers["accept-encoding"], answer.bytes.length)
          const body = notModified ? undefined : coding === undefined ? answer.bytes : yield* answer.encoded(coding)
          return { name: query._tag, answer, body, coding, notModified }
        })
      )
      fiber.addObserver((exit) => {
        if (Exit.isSuccess(exit) && exit.value !== undefined) {
          const { name, answer, body, coding, notModified } = exit.value
          send(response, answer, body, coding)
          return recordAnswer(metrics, name, started, answer, notModified)
        }
        if (Exit.isFailure(exit)) Option.map(Cause.failureOption(exit.cause), (error) => handedOver.put(request, error))
        next()
      })
    }
    return { serve }
  })
)
