import type * as Http from "node:http"
import { HttpServerResponse } from "@effect/platform"

/**
 * What a data endpoint sends, an answer (200, 304) or a contract error, with its headers complete (content type
 * and length included when there is a body). The fast path writes it to `node:http`; the app hands it to the
 * platform: the same bytes and headers either way.
 */
export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | undefined
}

// Every reply varies on Accept-Encoding: a body over 1 KiB goes compressed to a client that accepts it.
// The constructors below take `headers` over (the callers make them for the reply) and complete them.

/** A reply with a JSON body. */
export const jsonReply = (status: number, headers: Record<string, string>, body: Uint8Array): Reply => {
  headers["vary"] = "Accept-Encoding"
  headers["content-type"] = "application/json"
  headers["content-length"] = String(body.length)
  return { status, headers, body }
}

/** A 304: the client's copy is current. */
export const notModifiedReply = (headers: Record<string, string>): Reply => {
  headers["vary"] = "Accept-Encoding"
  return { status: 304, headers, body: undefined }
}

export const toHttpResponse = (reply: Reply): HttpServerResponse.HttpServerResponse =>
  reply.body === undefined
    ? HttpServerResponse.empty({ status: reply.status, headers: reply.headers })
    : HttpServerResponse.uint8Array(reply.body, { status: reply.status, headers: reply.headers })

export const writeReply = (response: Http.ServerResponse, reply: Reply): void => {
  response.writeHead(reply.status, reply.headers).end(reply.body)
}
