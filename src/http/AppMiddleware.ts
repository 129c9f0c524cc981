import {
  HttpApiBuilder,
  type HttpApp,
  HttpServerError,
  HttpServerRequest,
  type HttpServerResponse
} from "@effect/platform"
import { Cause, Effect, Option } from "effect"
import type { ApiKeys } from "../access/ApiKeys.js"
import { type ApiError, NotFound, errorReply, isApiError, noteCause } from "./ApiErrors.js"
import { compression } from "./Compression.js"
import { type CorsPolicy, cors } from "./Cors.js"
import { logErrors } from "./ErrorLog.js"
import { type Reply, jsonReply, toHttpResponse } from "./Reply.js"

const NOT_FOUND = new NotFound({ message: "There is no endpoint at this path and method." })

const INTERNAL_ERROR = JSON.stringify({ code: "internal_error", message: "The service failed to answer this request." })

/** The contract error a failure is, if it is one (an unmatched route is 404 `not_found`). */
const contractError = (cause: Cause.Cause<unknown>): ApiError | undefined => {
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) return undefined
  const error = failure.value
  if (isApiError(error)) return error
  return HttpServerError.isServerError(error) && error._tag === "RouteNotFound" ? NOT_FOUND : undefined
}

/**
 * The reply to whatever ended a request: a contract error as `errorReply` writes it; anything else (a bug, never
 * client input) a JSON 500 whose details go to the log only. A client abort stays an interrupt. The fast path
 * answers its failures with it, the app what escapes its HttpApi.
 */
export const replyToFailure = (cause: Cause.Cause<unknown>): Effect.Effect<Reply, never> => {
  const error = contractError(cause)
  if (error !== undefined) return Effect.succeed(errorReply(error))
  if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  return Effect.as(noteCause(`unexpected: ${Cause.pretty(cause)}`), jsonReply(500, {}, Buffer.from(INTERNAL_ERROR)))
}

/**
 * HttpApi middleware: a handler's contract errors answered by `errorReply` (the fast path's encoder) before
 * HttpApi's own encoding of the same schemas would; what else fails goes on as it was.
 */
export const ContractErrorsLive = HttpApiBuilder.middleware((app) =>
  Effect.catchAllCause(app, (cause) => {
    const error = contractError(cause)
    return error === undefined ? Effect.failCause(cause) : Effect.succeed(toHttpResponse(errorReply(error)))
  })
)

/** What escapes the HttpApi app (an unmatched route, a defect) as the contract's reply (`logErrors` logs it). */
export const contractFailures = <E, R>(
  app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>
): HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, never, R> =>
  Effect.catchAllCause(app, (cause) => Effect.map(replyToFailure(cause), toHttpResponse))

/**
 * `API_KEYS` over every route of the app, those outside the HttpApi (`/docs`, `/openapi.json`, routes added
 * through `HttpApiBuilder.Router`) included: a request the keys refuse gets the 401 the fast path sends.
 */
export const requireKey =
  (keys: ApiKeys) =>
  <E, R>(
    app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>
  ): HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
    keys.required
      ? Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const refusal = keys.refusal(request)
          return refusal === undefined ? app : Effect.succeed(toHttpResponse(errorReply(refusal)))
        })
      : app

/**
 * Everything around the HttpApi app, outermost last: CORS answers preflights before the key check and marks its
 * 401s; compression sees the final headers and body.
 */
export const appMiddleware =
  (policy: CorsPolicy, keys: ApiKeys) =>
  <E, R>(app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>) =>
    compression(cors(policy)(logErrors(requireKey(keys)(contractFailures(app)))))
