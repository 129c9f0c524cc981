import { type HttpApp, HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { Effect, FiberRef, LogLevel } from "effect"
import { queryNameAt } from "./QueryParams.js"
import { pathOf } from "./RequestDecoding.js"

/**
 * One structured log line per error answer (status ≥ 400): the request, the query name, the status and code, and
 * the cause. The client sees only the contract's `{code, message}`; the internal cause (which read error, the
 * SQLite code, a defect's stack) reaches the log through `noteCause`, set where the error is translated.
 */

/** The internal cause behind the current request's error answer: for its log line, never for the client. */
export const errorCause = FiberRef.unsafeMake<string | undefined>(undefined)

export const noteCause = (cause: string): Effect.Effect<void> => FiberRef.set(errorCause, cause)

/** Long enough for any URL Node accepts (16 KiB of headers), short enough to keep a line readable. */
const MAX_LOGGED_URL = 2048

const decoder = new TextDecoder()

/** `code`, `message` and `parameter` of a contract error body (or `status` of `/health`'s). */
const bodyFields = (response: HttpServerResponse.HttpServerResponse): Record<string, string> => {
  const body = response.body
  if (body._tag !== "Uint8Array" || body.body.length > 16_384) return {}
  try {
    const value: unknown = JSON.parse(decoder.decode(body.body))
    if (typeof value !== "object" || value === null) return {}
    const fields: Record<string, string> = {}
    for (const [key, field] of Object.entries(value)) {
      if (typeof field === "string" && ["code", "message", "parameter", "status"].includes(key)) fields[key] = field
    }
    return fields
  } catch {
    return {}
  }
}

export const logErrors = <E, R>(
  app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>
): HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.tap(app, (response) => {
    if (response.status < 400) return Effect.void
    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = request.url.length > MAX_LOGGED_URL ? `${request.url.slice(0, MAX_LOGGED_URL)}…` : request.url
      const path = pathOf(url)
      const { code, message, parameter, status } = bodyFields(response)
      const cause = (yield* FiberRef.get(errorCause)) ?? message ?? status ?? "-"
      yield* Effect.logWithLevel(response.status >= 500 ? LogLevel.Error : LogLevel.Warning, "request failed").pipe(
        Effect.annotateLogs({
          method: request.method,
          url,
          query: queryNameAt(path) ?? path,
          status: response.status,
          code: code ?? status ?? "-",
          ...(parameter === undefined ? {} : { parameter }),
          cause
        })
      )
    })
  })
