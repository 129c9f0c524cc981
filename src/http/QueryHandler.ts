import type { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { QueryMetrics } from "../metrics/QueryMetrics.js"
import type { Query } from "../query/Query.js"
import { type InvalidParameter, type ReadFailure, fromReadError } from "./ApiErrors.js"
import type { Answers } from "./Answers.js"
import type { EndpointParams } from "./QueryParams.js"
import { answerResponse } from "./QueryResponse.js"
import { decodeRequest } from "./RequestDecoding.js"

/**
 * The handler of a JSON data endpoint: decode the params, get the answer, send it (or 304), then count it in the
 * metrics (every 200 and 304; a 304 from a cached entry counts as served from the cache) and remember which
 * answer the exact URL resolved to, so the synchronous fast path can serve it next time.
 */
export const queryHandler =
  (answers: Answers["Type"], metrics: QueryMetrics) =>
  <Q extends Query>(params: EndpointParams<Q>) =>
  ({
    request
  }: {
    readonly request: HttpServerRequest.HttpServerRequest
  }): Effect.Effect<HttpServerResponse.HttpServerResponse, InvalidParameter | ReadFailure> =>
    Effect.gen(function* () {
      const started = performance.now()
      const query = yield* decodeRequest(params, request)
      const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
      const response = yield* answerResponse(answer, request)
      const notModified = response.status === 304
      yield* answers.remember(request.url, answer.key)
      metrics.recordSync(query._tag, {
        durationMs: performance.now() - started,
        rows: notModified ? 0 : answer.rows,
        outcome: notModified && answer.cache !== "MISS" ? "NOT_MODIFIED_HIT" : answer.cache
      })
      return response
    })
