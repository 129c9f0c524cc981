import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { JSONSchema, Schema } from "effect"
import {
  ChatUnavailableBody,
  ForbiddenBody,
  InvalidParameterBody,
  QueryTimedOutBody,
  RateLimitedBody,
  UpstreamErrorBody
} from "../http/ApiErrors.js"

/**
 * `POST /chat`, `POST /v1/chat/completions` and `GET /v1/models` as an HttpApi group. The request bodies are
 * decoded by `ChatRequest` (so a 400 names the field), documented here.
 */

const Message = Schema.Struct({
  role: Schema.Literal("user", "assistant", "system"),
  content: Schema.String
})

const ToolCall = Schema.Struct({
  name: Schema.String,
  arguments: Schema.Unknown.annotations({ description: "The arguments the model called the tool with." }),
  rows: Schema.optional(Schema.Int.annotations({ description: "Rows of the tool's result, when it has `rows`." }))
}).annotations({ identifier: "ChatToolCall" })

export const ChatAnswer = Schema.Struct({
  message: Schema.Struct({ role: Schema.Literal("assistant"), content: Schema.String }),
  tool_calls: Schema.Array(ToolCall).annotations({ description: "Every tool call the answer is based on, in order." })
}).annotations({ identifier: "ChatAnswer" })

const ChatBody = Schema.Struct({
  messages: Schema.NonEmptyArray(Message).annotations({ description: "The conversation; the last is the user's." }),
  stream: Schema.optional(Schema.Boolean.annotations({ description: "true: `text/event-stream` (docs/assistant.md)." }))
})

const CompletionsBody = Schema.Struct({
  model: Schema.String.annotations({ description: "A model id of GET /v1/models." }),
  messages: Schema.Array(Schema.Struct({ role: Schema.String, content: Schema.Unknown })),
  stream: Schema.optional(Schema.Boolean)
}).annotations({ description: "OpenAI's request; other fields are ignored." })

const Completion = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("chat.completion"),
  created: Schema.Int,
  model: Schema.String,
  choices: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      message: Schema.Struct({ role: Schema.Literal("assistant"), content: Schema.String }),
      finish_reason: Schema.Literal("stop")
    })
  ),
  usage: Schema.Struct({ prompt_tokens: Schema.Int, completion_tokens: Schema.Int, total_tokens: Schema.Int })
}).annotations({
  identifier: "ChatCompletion",
  description: "With `stream: true`, `chat.completion.chunk` SSE events ending with `data: [DONE]`."
})

export const ModelList = Schema.Struct({
  object: Schema.Literal("list"),
  data: Schema.Array(
    Schema.Struct({ id: Schema.String, object: Schema.Literal("model"), created: Schema.Int, owned_by: Schema.String })
  )
}).annotations({ identifier: "ModelList" })

/** Documents a body that the handler decodes itself (its schema has no identifiers, so no `$ref`). */
const documentBody = (body: Schema.Schema.AnyNoContext) => {
  const { $schema: _, ...schema } = JSONSchema.make(body)
  return (operation: Record<string, unknown>): Record<string, unknown> => ({
    ...operation,
    requestBody: { required: true, content: { "application/json": { schema } } }
  })
}

/** A chat turn: its body decoded by the handler, and every error a turn can end in. */
const chatTurn = <const Name extends string, S extends Schema.Schema.Any>(
  name: Name,
  path: `/${string}`,
  body: Schema.Schema.AnyNoContext,
  success: S,
  summary: string
) =>
  HttpApiEndpoint.post(name, path)
    .addSuccess(success)
    .addError(InvalidParameterBody)
    .addError(ForbiddenBody)
    .addError(RateLimitedBody)
    .addError(ChatUnavailableBody)
    .addError(UpstreamErrorBody)
    .addError(QueryTimedOutBody)
    .annotate(OpenApi.Summary, summary)
    .annotate(OpenApi.Transform, documentBody(body))

export class ChatGroup extends HttpApiGroup.make("chat")
  .add(
    chatTurn("chat", "/chat", ChatBody, ChatAnswer, "Asks the plant assistant; it answers from tool calls on the data")
  )
  .add(
    chatTurn(
      "completions",
      "/v1/chat/completions",
      CompletionsBody,
      Completion,
      "The assistant as an OpenAI-compatible chat model"
    )
  )
  .add(
    HttpApiEndpoint.get("models", "/v1/models")
      .addSuccess(ModelList)
      .annotate(OpenApi.Summary, "The assistant's model id, for OpenAI clients")
  )
  .annotate(
    OpenApi.Description,
    "The plant assistant: an upstream model (CHAT_* variables) answering from the query tools."
  ) {}
