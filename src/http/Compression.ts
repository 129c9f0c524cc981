import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, type Stream } from "effect"
import { type Coding, compress, compressor } from "../compression/Coding.js"

/** Bodies up to this size are sent as they are. */
export const COMPRESS_MIN_BYTES = 1024

/** The coding to use for an `Accept-Encoding` header: br when offered, else gzip, else none (q=0 refuses). */
export const negotiate = (acceptEncoding: string | undefined): Coding | undefined => {
  if (acceptEncoding === undefined || acceptEncoding === "") return undefined
  const q = new Map<string, number>()
  for (const part of acceptEncoding.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";")
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="))
    const weight = qParam === undefined ? 1 : Number(qParam.slice(2))
    q.set(name.trim(), Number.isFinite(weight) ? weight : 0)
  }
  const accepts = (coding: Coding) => (q.get(coding) ?? q.get("*") ?? 0) > 0
  return accepts("br") ? "br" : accepts("gzip") ? "gzip" : undefined
}

const compressible = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^(application\/(json|x-ndjson)|text\/)/.test(contentType)

/** `bytes` compressed off the event loop. zlib fails only on bad options or memory exhaustion: a defect. */
export const compressBytes = (bytes: Uint8Array, coding: Coding): Effect.Effect<Uint8Array> =>
  Effect.promise(() => compress(bytes, coding))

export const compressStream = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  coding: Coding
): Stream.Stream<Uint8Array, E | Error, R> =>
  NodeStream.pipeThroughDuplex(
    stream,
    () => compressor(coding),
    (error) => (error instanceof Error ? error : new Error(String(error)))
  )

/** `Vary` with `value` added to what the response already varies on. */
export const addVary = (
  response: HttpServerResponse.HttpServerResponse,
  value: string
): HttpServerResponse.HttpServerResponse => {
  const current = response.headers["vary"]
  if (current === undefined || current === "") return HttpServerResponse.setHeader(response, "vary", value)
  const present = current.split(",").some((v) => v.trim().toLowerCase() === value.toLowerCase())
  return present ? response : HttpServerResponse.setHeader(response, "vary", `${current}, ${value}`)
}

/** How a body of `size` bytes goes to a client sending `acceptEncoding`: compressed only above 1 KiB. */
export const codingFor = (acceptEncoding: string | undefined, size: number): Coding | undefined =>
  size > COMPRESS_MIN_BYTES ? negotiate(acceptEncoding) : undefined

/**
 * Compresses in-memory bodies over 1 KiB of a textual type when the client accepts it. Streamed bodies (the
 * export) are compressed by their handler, which also owns their failure handling.
 */
export const compression = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.gen(function* () {
    const response = yield* app
    const body = response.body
    if (response.status === 304) return addVary(response, "Accept-Encoding")
    if (body._tag !== "Uint8Array" || response.headers["content-encoding"] !== undefined) return response
    if (!compressible(body.contentType)) return response
    const varied = addVary(response, "Accept-Encoding")
    if (body.body.length <= COMPRESS_MIN_BYTES) return varied
    const request = yield* HttpServerRequest.HttpServerRequest
    const coding = negotiate(request.headers["accept-encoding"])
    if (coding === undefined) return varied
    const compressed = yield* compressBytes(body.body, coding)
    return HttpServerResponse.setHeader(
      HttpServerResponse.uint8Array(compressed, {
        status: varied.status,
        headers: varied.headers,
        cookies: varied.cookies,
        contentType: body.contentType
      }),
      "content-encoding",
      coding
    )
  })
