import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Config, Effect } from "effect"
import { addVary } from "./Compression.js"

/** Who may call from a browser: nobody (no CORS headers), any origin, or the listed origins. */
export type CorsPolicy =
  { readonly _tag: "Off" } | { readonly _tag: "Any" } | { readonly _tag: "List"; readonly origins: ReadonlySet<string> }

/** `CORS_ORIGINS`: empty (default) = off, `*` = any origin, else a comma-separated list of origins. */
export const CorsConfig: Config.Config<CorsPolicy> = Config.string("CORS_ORIGINS").pipe(
  Config.withDefault(""),
  Config.map((spec): CorsPolicy => {
    const origins = spec
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter((o) => o !== "")
    if (origins.length === 0) return { _tag: "Off" }
    if (origins.includes("*")) return { _tag: "Any" }
    return { _tag: "List", origins: new Set(origins) }
  })
)

export const EXPOSED_HEADERS = "ETag, X-Cache, Server-Timing, Retry-After"
// POST: the assistant tools (`POST /tools/{name}`) may be called from a browser-based chat front end.
const ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
const PREFLIGHT_MAX_AGE_SECONDS = "600"

/** The `Access-Control-Allow-Origin` value for a request's `Origin`, or undefined when it is not allowed. */
export const allowedOrigin = (policy: CorsPolicy, origin: string | undefined): string | undefined => {
  if (origin === undefined || policy._tag === "Off") return undefined
  if (policy._tag === "Any") return "*"
  return policy.origins.has(origin) ? origin : undefined
}

/**
 * CORS for the whole app: answers preflights (any path) and marks the responses of allowed origins, exposing
 * the validator, cache and timing headers to scripts.
 */
export const cors =
  (policy: CorsPolicy) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    policy._tag === "Off"
      ? app
      : Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const allow = allowedOrigin(policy, request.headers["origin"])
          const isPreflight =
            request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined
          if (isPreflight) {
            const headers: Record<string, string> = {}
            if (allow !== undefined) {
              headers["access-control-allow-origin"] = allow
              headers["access-control-allow-methods"] = ALLOWED_METHODS
              const requested = request.headers["access-control-request-headers"]
              if (requested !== undefined) headers["access-control-allow-headers"] = requested
              headers["access-control-max-age"] = PREFLIGHT_MAX_AGE_SECONDS
            }
            const response = HttpServerResponse.empty({ status: 204, headers })
            return policy._tag === "List"
              ? addVary(addVary(response, "Origin"), "Access-Control-Request-Headers")
              : response
          }
          const response = yield* app
          const varied = policy._tag === "List" ? addVary(response, "Origin") : response
          if (allow === undefined) return varied
          return HttpServerResponse.setHeaders(varied, {
            "access-control-allow-origin": allow,
            "access-control-expose-headers": EXPOSED_HEADERS
          })
        })
