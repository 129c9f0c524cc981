import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Clock, Effect } from "effect"
import { ChatAccess } from "../access/ChatAccess.js"
import { Api } from "../http/Api.js"
import type { ChatFailure } from "../http/ApiErrors.js"
import { type SseEncoding, chatAnswer, chatEncoding, sseEvent, sseResponse } from "./ChatEvents.js"
import type { ChatReply } from "./ChatLoop.js"
import { ChatLoop } from "./ChatLoop.js"
import { decodeChatRequest, decodeCompletionsRequest, readJsonObject } from "./ChatRequest.js"

const OWNER = "production-analytics"

const json = (body: unknown) =>
  HttpServerResponse.text(JSON.stringify(body), {
    contentType: "application/json",
    headers: { "cache-control": "no-store" }
  })

const usageOf = (reply: ChatReply) => ({
  prompt_tokens: reply.usage.inputTokens,
  completion_tokens: reply.usage.outputTokens,
  total_tokens: reply.usage.inputTokens + reply.usage.outputTokens
})

/** OpenAI's `chat.completion.chunk` events; tool calls stay inside the service (the answer is what streams). */
const completionChunks = (id: string, created: number, model: string): SseEncoding => {
  const chunk = (delta: object, finish: "stop" | null) =>
    sseEvent({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }]
    })
  return {
    start: [chunk({ role: "assistant", content: "" }, null)],
    event: (event) => (event._tag === "TextDelta" ? [chunk({ content: event.text }, null)] : []),
    done: () => [chunk({}, "stop"), sseEvent("[DONE]")],
    error: (error: ChatFailure) => [
      sseEvent({ error: { code: error.code, message: error.message } }),
      sseEvent("[DONE]")
    ]
  }
}

export const ChatHandlers = HttpApiBuilder.group(Api, "chat", (handlers) =>
  Effect.gen(function* () {
    const loop = yield* ChatLoop
    const access = yield* ChatAccess
    const started = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const models = [loop.modelAlias]

    return handlers
      .handle("chat", ({ request }) =>
        Effect.gen(function* () {
          yield* access.admit(request)
          const chat = yield* decodeChatRequest(yield* readJsonObject(request))
          yield* loop.available
          if (chat.stream) return sseResponse((emit) => loop.replyStreaming(chat.messages, emit), chatEncoding)
          return json(chatAnswer(yield* loop.reply(chat.messages)))
        })
      )
      .handle("completions", ({ request }) =>
        Effect.gen(function* () {
          yield* access.admit(request)
          const chat = yield* decodeCompletionsRequest(yield* readJsonObject(request), models)
          yield* loop.available
          const id = `chatcmpl-${crypto.randomUUID()}`
          const created = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          if (chat.stream) {
            return sseResponse(
              (emit) => loop.replyStreaming(chat.messages, emit),
              completionChunks(id, created, chat.model)
            )
          }
          const reply = yield* loop.reply(chat.messages)
          return json({
            id,
            object: "chat.completion",
            created,
            model: chat.model,
            choices: [{ index: 0, message: { role: "assistant", content: reply.text }, finish_reason: "stop" }],
            usage: usageOf(reply)
          })
        })
      )
      .handle("models", () =>
        Effect.succeed(
          json({
            object: "list",
            data: models.map((id) => ({ id, object: "model", created: started, owned_by: OWNER }))
          })
        )
      )
  })
)
