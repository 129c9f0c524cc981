import { type HttpApp, HttpServerError, type HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option, Schema } from "effect"
import { NotFound, NotFoundBody, errorResponse } from "./ApiErrors.js"
import { compression } from "./Compression.js"
import { type CorsPolicy, cors } from "./Cors.js"
import { logErrors, noteCause } from "./ErrorLog.js"

const NOT_FOUND = Schema.encodeSync(NotFoundBody)(
  new NotFound({ message: "There is no endpoint at this path and method." })
)

/**
 * Turns what escapes the HttpApi into contract errors: an unmatched route is 404 `not_found`; anything else (a
 * bug, never client input) is a JSON 500 whose details go to the log only (`logErrors` writes the line). A client
 * abort stays an interrupt.
 */
export const contractFailures = <E, R>(
  app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>
): HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, never, R> =>
  Effect.catchAllCause(app, (cause) => {
    const failure = Cause.failureOption(cause)
    if (
      Option.isSome(failure) &&
      HttpServerError.isServerError(failure.value) &&
      failure.value._tag === "RouteNotFound"
    ) {
      return Effect.succeed(errorResponse(404, NOT_FOUND))
    }
    if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
    return Effect.as(
      noteCause(`unexpected: ${Cause.pretty(cause)}`),
      errorResponse(500, { code: "internal_error", message: "The service failed to answer this request." })
    )
  })

/** Everything around the HttpApi app, outermost last: compression sees the final headers and body. */
export const appMiddleware =
  (policy: CorsPolicy) =>
  <E, R>(app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>) =>
    compression(cors(policy)(logErrors(contractFailures(app))))
