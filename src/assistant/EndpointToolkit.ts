import { Tool, Toolkit } from "@effect/ai"
import { Effect, Layer, Schema } from "effect"
import { Answers } from "../http/Answers.js"
import { fromReadError } from "../http/ApiErrors.js"
import { today } from "../http/RequestDecoding.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { decodeCall } from "../tools/ToolCall.js"
import { TOOLS, type Tool as EndpointTool } from "../tools/ToolDefinitions.js"
import { ChatTools } from "./ChatTools.js"

/**
 * The `/tools` tools as an `@effect/ai` toolkit for the chat: each call decoded by its endpoint's rules and
 * answered through `Answers` (the response cache), counted in the endpoint's metrics, like `POST /tools/{name}`.
 */

const ToolFailure = Schema.Struct({ message: Schema.String })

const toolOf = (tool: EndpointTool) =>
  Tool.make(tool.name, {
    description: tool.description,
    parameters: tool.endpoint.fields,
    success: Schema.Unknown,
    failure: ToolFailure
  })

export const EndpointToolkit = Toolkit.make(...TOOLS.map(toolOf))

const handlers = Effect.gen(function* () {
  const answers = yield* Answers
  const metrics = yield* QueryMetrics
  const handle = (tool: EndpointTool) => (args: Readonly<Record<string, unknown>>) =>
    Effect.gen(function* () {
      const started = performance.now()
      const query = yield* decodeCall(tool, args, yield* today)
      const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
      metrics.recordSync(query._tag, {
        durationMs: performance.now() - started,
        rows: answer.rows,
        outcome: answer.cache
      })
      return JSON.parse(Buffer.from(answer.body.bytes).toString("utf8")) as unknown
    }).pipe(Effect.mapError((error) => ({ message: error.message })))
  return Object.fromEntries(TOOLS.map((tool) => [tool.name, handle(tool)]))
})

/** `ChatTools` over the endpoint toolkit. */
export const EndpointChatTools = Layer.effect(ChatTools, Effect.map(EndpointToolkit, ChatTools.fromToolkit)).pipe(
  Layer.provide(EndpointToolkit.toLayer(handlers))
)
