import type { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { QueryMetrics } from "../metrics/QueryMetrics.js"
import type { Query, QueryName } from "../query/Query.js"
import { type InvalidParameter, type ReadFailure, fromReadError } from "./ApiErrors.js"
import type { Answers, QueryAnswer } from "./Answers.js"
import { type EndpointParams, decodeParams } from "./QueryParams.js"
import { type RequestHeaders, answerReply } from "./QueryResponse.js"
import { type Reply, toHttpResponse } from "./Reply.js"
import { searchOf, today } from "./RequestDecoding.js"

/** Counts one answer of a data endpoint: every 200 and 304; a 304 from a cached entry counts as served from it. */
export const recordAnswer = (
  metrics: QueryMetrics,
  name: QueryName,
  started: number,
  answer: Pick<QueryAnswer, "rows" | "cache">,
  notModified: boolean
): void =>
  metrics.recordSync(name, {
    durationMs: performance.now() - started,
    rows: notModified ? 0 : answer.rows,
    outcome: notModified && answer.cache !== "MISS" ? "NOT_MODIFIED_HIT" : answer.cache
  })

/**
 * A request of a JSON data endpoint, answered: its parameters decoded by the endpoint's contract rules, the
 * answer (`Answers`: the cache or the engine), the URL remembered for the fast path's next time, the reply (200
 * or 304). The one way through both the fast path and the app take; a failure is the contract error to send.
 */
export const answerRequest = (
  answers: Answers["Type"],
  endpoint: EndpointParams<Query>,
  url: string,
  headers: RequestHeaders
): Effect.Effect<{ readonly answer: QueryAnswer; readonly reply: Reply }, InvalidParameter | ReadFailure> =>
  Effect.gen(function* () {
    const query = yield* decodeParams(endpoint, searchOf(url), yield* today)
    const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
    yield* answers.remember(url, answer.key)
    return { answer, reply: yield* answerReply(answer, headers) }
  })

/**
 * The handler of a JSON data endpoint in the Effect app: `answerRequest`, then the answer counted in the metrics.
 * Most requests are answered by the fast path (QueryFastPath.ts) the same way; the app gets those with a CORS
 * origin.
 */
export const queryHandler =
  (answers: Answers["Type"], metrics: QueryMetrics) =>
  (endpoint: EndpointParams<Query>) =>
  ({
    request
  }: {
    readonly request: HttpServerRequest.HttpServerRequest
  }): Effect.Effect<HttpServerResponse.HttpServerResponse, InvalidParameter | ReadFailure> =>
    Effect.gen(function* () {
      const started = performance.now()
      const { answer, reply } = yield* answerRequest(answers, endpoint, request.url, request.headers)
      recordAnswer(metrics, endpoint.name, started, answer, reply.status === 304)
      return toHttpResponse(reply)
    })
