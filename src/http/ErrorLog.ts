import { type HttpApp, HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { Effect, LogLevel } from "effect"
import { notedCause } from "./ApiErrors.js"
import { queryNameAt } from "./QueryParams.js"
import { pathOf } from "./RequestDecoding.js"

/**
 * One structured log line per error answer (status ≥ 400): the request, the query name, the status and code, and
 * the cause. The client sees only the contract's `{code, message}`; the internal cause (which read error, the
 * SQLite code, a defect's stack) reaches the log through `noteCause`, called where the error is translated.
 */

/** Long enough for any URL Node accepts (16 KiB of headers), short enough to keep a line readable. */
const MAX_LOGGED_URL = 2048

const decoder = new TextDecoder()

/** `code`, `message` and `parameter` of a contract error body (or `status` of `/health`'s). */
const bodyFields = (body: Uint8Array | undefined): Record<string, string> => {
  if (body === undefined || body.length > 16_384) return {}
  try {
    const value: unknown = JSON.parse(decoder.decode(body))
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

/** The log line of an error answer with `status` and `body` to `request`; the fast path and the app write it. */
export const logErrorAnswer = (
  request: { readonly method: string; readonly url: string },
  status: number,
  body: Uint8Array | undefined
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const url = request.url.length > MAX_LOGGED_URL ? `${request.url.slice(0, MAX_LOGGED_URL)}…` : request.url
    const path = pathOf(url)
    const { code, message, parameter, status: reported } = bodyFields(body)
    const cause = (yield* notedCause) ?? message ?? reported ?? "-"
    yield* Effect.logWithLevel(status >= 500 ? LogLevel.Error : LogLevel.Warning, "request failed").pipe(
      Effect.annotateLogs({
        method: request.method,
        url,
        query: queryNameAt(path) ?? path,
        status,
        code: code ?? reported ?? "-",
        ...(parameter === undefined ? {} : { parameter }),
        cause
      })
    )
  })

export const logErrors = <E, R>(
  app: HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R>
): HttpApp.HttpApp<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.tap(app, (response) => {
    if (response.status < 400) return Effect.void
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      logErrorAnswer(request, response.status, response.body._tag === "Uint8Array" ? response.body.body : undefined)
    )
  })
