import type { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { Query } from "../query/Query.js"
import { type InvalidParameter, type ReadFailure, fromReadError } from "./ApiErrors.js"
import type { Answers } from "./Answers.js"
import type { EndpointParams } from "./QueryParams.js"
import { answerResponse } from "./QueryResponse.js"
import { decodeRequest } from "./RequestDecoding.js"

/** The handler of a JSON data endpoint: decode the params, get the answer, send it (or 304). */
export const queryHandler =
  (answers: Answers) =>
  <Q extends Query>(params: EndpointParams<Q>) =>
  ({
    request
  }: {
    readonly request: HttpServerRequest.HttpServerRequest
  }): Effect.Effect<HttpServerResponse.HttpServerResponse, InvalidParameter | ReadFailure> =>
    Effect.gen(function* () {
      const query = yield* decodeRequest(params, request)
      const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
      return answerResponse(answer, request.headers["if-none-match"])
    })
