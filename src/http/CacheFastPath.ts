import type * as Http from "node:http"
import { Effect, Layer } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { COMPRESS_MIN_BYTES, negotiate } from "./Compression.js"
import { CorsConfig } from "./Cors.js"
import { FastPath } from "./NodeServer.js"
import { QUERY_BY_PATH } from "./QueryPaths.js"
import { ifNoneMatches } from "./QueryResponse.js"

/**
 * Answers a GET whose exact URL maps to a fresh cache entry straight from the `node:http` listener, with the
 * same headers, validators and metrics as the Effect app, and without a fiber (the exact URL was decoded and
 * answered by the Effect app once already, when the entry was remembered): the platform's per-request
 * fiber alone caps cache hits near a fifth of bare `node:http` (performance.md). Everything else (stale or
 * missing entries, CORS requests, other methods) goes on to the Effect app.
 */
export const CacheFastPathLive = Layer.effect(
  FastPath,
  Effect.gen(function* () {
    const cache = yield* ResponseCache
    const metrics = yield* QueryMetrics
    const cors = yield* CorsConfig
    const tryServe = (request: Http.IncomingMessage, response: Http.ServerResponse): boolean => {
      const url = request.url
      if (request.method !== "GET" || url === undefined) return false
      const query = url.indexOf("?")
      const name = QUERY_BY_PATH[query < 0 ? url : url.slice(0, query)]
      if (name === undefined || (cors._tag !== "Off" && request.headers.origin !== undefined)) return false
      const started = performance.now()
      const entry = cache.lookupUrl(url, Date.now())
      if (entry === undefined) return false
      const headers: Record<string, string | number> = {
        etag: entry.etag,
        "cache-control": "no-cache",
        "x-cache": "HIT",
        vary: "Accept-Encoding"
      }
      if (ifNoneMatches(request.headers["if-none-match"], entry.etag)) {
        response.writeHead(304, headers).end()
        metrics.recordSync(name, { durationMs: performance.now() - started, rows: 0, outcome: "NOT_MODIFIED_HIT" })
        return true
      }
      const coding = entry.bytes.length > COMPRESS_MIN_BYTES ? negotiate(request.headers["accept-encoding"]) : undefined
      const body = coding === undefined ? entry.bytes : entry.encodedSync(coding)
      if (coding !== undefined) headers["content-encoding"] = coding
      headers["content-type"] = "application/json"
      headers["content-length"] = body.length
      response.writeHead(200, headers).end(body)
      metrics.recordSync(name, { durationMs: performance.now() - started, rows: entry.rows, outcome: "HIT" })
      return true
    }
    return { tryServe }
  })
)
