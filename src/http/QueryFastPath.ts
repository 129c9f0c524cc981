import type * as Http from "node:http"
import { Effect, Exit, Layer, Runtime } from "effect"
import { ApiKeys } from "../access/ApiKeys.js"
import { ResponseCache } from "../cache/ResponseCache.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { Answers } from "./Answers.js"
import { errorReply } from "./ApiErrors.js"
import { replyToFailure } from "./AppMiddleware.js"
import { CorsConfig } from "./Cors.js"
import { logErrorAnswer } from "./ErrorLog.js"
import { FastPath } from "./NodeServer.js"
import { answerRequest, recordAnswer } from "./QueryHandler.js"
import { queryEndpointAt } from "./QueryParams.js"
import { replyTo } from "./QueryResponse.js"
import { type Reply, writeReply } from "./Reply.js"
import { pathOf } from "./RequestDecoding.js"

/**
 * Answers GETs of the JSON data endpoints from the `node:http` listener, the same way as the Effect app
 * (`answerRequest`, `replyToFailure`: the same replies, error log lines and metrics) without its router,
 * middleware and response encoding, which would cost a cache hit most of its time (docs/architecture.md, "The
 * request path"). A cached answer for the exact URL is sent without a fiber (a stale one has its refresh forked;
 * a coding not compressed yet is compressed once, off the event loop). Any other request of those endpoints runs
 * one fiber and gets its answer or its contract error from it. With `API_KEYS` set, the key is checked first
 * (`ApiKeys`, as the app does). CORS requests, other methods and paths go on to the Effect app.
 */
export const QueryFastPathLive = Layer.effect(
  FastPath,
  Effect.gen(function* () {
    const cache = yield* ResponseCache
    const metrics = yield* QueryMetrics
    const answers = yield* Answers
    const cors = yield* CorsConfig
    const keys = yield* ApiKeys
    // The edge of the runtime: its clock (the one the cache and TestClock use) and its fibers, read and started
    // from a plain listener.
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())

    const write = (response: Http.ServerResponse, reply: Reply | Effect.Effect<Reply>, sent: (r: Reply) => void) => {
      if (!Effect.isEffect(reply)) return void (writeReply(response, reply), sent(reply))
      runFork(reply).addObserver((exit) =>
        Exit.isSuccess(exit) ? (writeReply(response, exit.value), sent(exit.value)) : response.destroy()
      )
    }

    const serve = (request: Http.IncomingMessage, response: Http.ServerResponse, next: () => void): void => {
      const url = request.url
      if (request.method !== "GET" || url === undefined) return next()
      const endpoint = queryEndpointAt(pathOf(url))
      if (endpoint === undefined) return next()
      if (cors._tag !== "Off" && request.headers.origin !== undefined) return next()
      const refusal = keys.refusal(request)
      if (refusal !== undefined) {
        const reply = errorReply(refusal)
        writeReply(response, reply)
        return void runFork(logErrorAnswer({ method: "GET", url }, reply.status, reply.body))
      }
      const started = performance.now()
      const found = cache.serveUrl(url, clock.unsafeCurrentTimeMillis())
      if (found !== undefined) {
        const { entry, outcome } = found
        if (outcome === "STALE") runFork(found.refresh)
        const counted = { rows: entry.rows, cache: outcome }
        return write(response, replyTo(entry, outcome, 0, request.headers), (reply) =>
          recordAnswer(metrics, endpoint.name, started, counted, reply.status === 304)
        )
      }
      const answered = answerRequest(answers, endpoint, url, request.headers).pipe(
        Effect.catchAllCause((cause) =>
          Effect.map(
            Effect.tap(replyToFailure(cause), (reply) =>
              logErrorAnswer({ method: "GET", url }, reply.status, reply.body)
            ),
            (reply) => ({ reply, answer: undefined })
          )
        )
      )
      runFork(answered).addObserver((exit) => {
        // Interrupted only (the runtime closing): there is nothing to send.
        if (Exit.isFailure(exit)) return response.destroy()
        const { reply, answer } = exit.value
        writeReply(response, reply)
        if (answer !== undefined) recordAnswer(metrics, endpoint.name, started, answer, reply.status === 304)
      })
    }
    return { serve }
  })
)
