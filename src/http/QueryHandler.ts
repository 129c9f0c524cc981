import type { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { QueryMetrics } from "../metrics/QueryMetrics.js"
import type { Query, QueryName } from "../query/Query.js"
import { type InvalidParameter, type ReadFailure, fromReadError } from "./ApiErrors.js"
import type { Answer, Answers } from "./Answers.js"
import type { HandedOverFailures } from "./HandedOverFailures.js"
import type { EndpointParams } from "./QueryParams.js"
import { answerResponse } from "./QueryResponse.js"
import { decodeRequest } from "./RequestDecoding.js"

/** Counts one answer of a data endpoint: every 200 and 304; a 304 from a cached entry counts as served from it. */
export const recordAnswer = (
  metrics: QueryMetrics,
  name: QueryName,
  started: number,
  answer: Pick<Answer, "rows" | "cache">,
  notModified: boolean
): void =>
  metrics.recordSync(name, {
    durationMs: performance.now() - started,
    rows: notModified ? 0 : answer.rows,
    outcome: notModified && answer.cache !== "MISS" ? "NOT_MODIFIED_HIT" : answer.cache
  })

/**
 * The handler of a JSON data endpoint: decode the params, get the answer, send it (or 304), then count it in the
 * metrics and remember which answer the exact URL resolved to, so the fast path can serve it next time. Most
 * valid requests are answered by the fast path (QueryFastPath.ts) and arrive here only with a read failure it
 * handed over (answered without reading again), or with a CORS origin.
 */
export const queryHandler =
  (answers: Answers["Type"], metrics: QueryMetrics, handedOver: HandedOverFailures) =>
  <Q extends Query>(params: EndpointParams<Q>) =>
  ({
    request
  }: {
    readonly request: HttpServerRequest.HttpServerRequest
  }): Effect.Effect<HttpServerResponse.HttpServerResponse, InvalidParameter | ReadFailure> =>
    Effect.gen(function* () {
      const started = performance.now()
      const query = yield* decodeRequest(params, request)
      const failed = handedOver.take(request.source)
      const answer = yield* Effect.catchAll(
        failed === undefined ? answers.answer(query) : Effect.fail(failed),
        fromReadError
      )
      const response = yield* answerResponse(answer, request)
      yield* answers.remember(request.url, answer.key)
      recordAnswer(metrics, query._tag, started, answer, response.status === 304)
      return response
    })
