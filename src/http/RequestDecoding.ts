import type { HttpServerRequest } from "@effect/platform"
import { Clock, Effect } from "effect"
import { type IsoDate, utcDateOf } from "../domain/IsoDate.js"
import type { InvalidParameter } from "./ApiErrors.js"
import { type EndpointParams, decodeParams } from "./QueryParams.js"

/** Today's UTC date by effect's `Clock`, so a test can set "today". */
export const today: Effect.Effect<IsoDate> = Effect.map(Clock.currentTimeMillis, utcDateOf)

/** The path of a request URL (`/path?a=1` → `/path`). */
export const pathOf = (url: string): string => {
  const at = url.indexOf("?")
  return at < 0 ? url : url.slice(0, at)
}

/** The raw query string of a request URL (`/path?a=1` → `a=1`). */
export const searchOf = (url: string): string => {
  const at = url.indexOf("?")
  return at < 0 ? "" : url.slice(at + 1)
}

/** Decodes a request's query string by the endpoint's contract rules (not by HttpApi's params schema). */
export const decodeRequest = <A>(
  params: EndpointParams<A>,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<A, InvalidParameter> =>
  Effect.flatMap(today, (day) => decodeParams(params, searchOf(request.url), day))
