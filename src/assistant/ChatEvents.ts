import { HttpServerResponse } from "@effect/platform"
import { Effect, Mailbox, Stream } from "effect"
import type { ChatFailure } from "../http/ApiErrors.js"
import type { ChatEvent, ChatReply } from "./ChatLoop.js"

/**
 * A chat turn as `text/event-stream`: the turn runs in a fiber of the response's stream (a client that goes
 * away interrupts it, and with it the upstream request) and each event is written as it happens. Once the
 * status is sent a failure can only be an event, so each encoding has its own error event.
 */
export interface SseEncoding {
  /** Written before the turn starts. */
  readonly start: ReadonlyArray<string>
  readonly event: (event: ChatEvent) => ReadonlyArray<string>
  readonly done: (reply: ChatReply) => ReadonlyArray<string>
  readonly error: (error: ChatFailure) => ReadonlyArray<string>
}

export const sseEvent = (data: unknown, name?: string): string =>
  `${name === undefined ? "" : `event: ${name}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`

export const sseResponse = (
  turn: (emit: (event: ChatEvent) => Effect.Effect<void>) => Effect.Effect<ChatReply, ChatFailure>,
  encoding: SseEncoding
): HttpServerResponse.HttpServerResponse => {
  const encoder = new TextEncoder()
  const body = Stream.unwrapScoped(
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<string>()
      const offer = (texts: ReadonlyArray<string>) => Effect.asVoid(mailbox.offerAll(texts))
      yield* offer(encoding.start)
      yield* turn((event) => offer(encoding.event(event))).pipe(
        Effect.matchEffect({
          onSuccess: (reply) => offer(encoding.done(reply)),
          onFailure: (error) => offer(encoding.error(error))
        }),
        Effect.zipRight(mailbox.end),
        Effect.forkScoped
      )
      return Mailbox.toStream(mailbox)
    })
  ).pipe(Stream.map((text) => encoder.encode(text)))
  return HttpServerResponse.stream(body, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-store", "x-accel-buffering": "no" }
  })
}

/** `POST /chat` with `stream: true`: `tool_call`, `delta`, then `done` (or `error`). */
export const chatEncoding: SseEncoding = {
  start: [],
  event: (event) =>
    event._tag === "ToolCall" ? [sseEvent(event.call, "tool_call")] : [sseEvent({ content: event.text }, "delta")],
  done: (reply) => [sseEvent(chatAnswer(reply), "done")],
  error: (error) => [sseEvent({ code: error.code, message: error.message }, "error")]
}

/** The `POST /chat` body of a reply. */
export const chatAnswer = (reply: ChatReply) => ({
  message: { role: "assistant" as const, content: reply.text },
  tool_calls: reply.toolCalls
})
