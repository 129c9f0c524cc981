import { AiError, LanguageModel, type Prompt, type Response, Tool } from "@effect/ai"
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Effect, Option, type ParseResult, Redacted, Schema, Stream } from "effect"
import type { Upstream } from "./ChatConfig.js"

/**
 * An `@effect/ai` `LanguageModel` speaking OpenAI Chat Completions with tools (OpenAI, Azure, vLLM, Ollama,
 * llama.cpp's server, LM Studio): the prompt becomes `messages`, the tools `{type:"function"}` definitions, and the
 * answer (whole or as SSE chunks) text, tool-call and finish parts.
 */

const MODULE = "ChatCompletionsModel"

/**
 * A tool the chat loop offers and the upstream never sees: a call of a tool that was not offered (a model may
 * invent one) is given to the loop as a call of this one, `{name, arguments}`, instead of failing the answer's
 * decoding; the loop answers it with an error result, and the history shows the model its own call again.
 */
export const UNOFFERED_TOOL = "unoffered_tool_call"

interface UnofferedCall {
  readonly name: string
  readonly arguments: unknown
}

const isUnofferedCall = (params: unknown): params is UnofferedCall =>
  typeof params === "object" && params !== null && typeof (params as { name?: unknown }).name === "string"

/**
 * A call as the loop gets it: as made when its tool was offered, else wrapped as a call of `UNOFFERED_TOOL`, or
 * dropped when no tools were offered at all (the loop's last round).
 */
const callParts = (
  offered: ReadonlySet<string>,
  id: string,
  name: string,
  params: unknown
): Array<Response.ToolCallPartEncoded> => {
  if (offered.has(name)) return [{ type: "tool-call", id, name, params }]
  if (!offered.has(UNOFFERED_TOOL)) return []
  return [{ type: "tool-call", id, name: UNOFFERED_TOOL, params: { name, arguments: params } satisfies UnofferedCall }]
}

const offeredNames = (options: LanguageModel.ProviderOptions): ReadonlySet<string> =>
  new Set(options.tools.map((tool) => tool.name))

// ---- what the upstream answers (lenient: unknown fields are ignored) ----

const NullableString = Schema.optional(Schema.NullOr(Schema.String))

const WireUsage = Schema.Struct({
  prompt_tokens: Schema.optional(Schema.Number),
  completion_tokens: Schema.optional(Schema.Number),
  total_tokens: Schema.optional(Schema.Number)
})

const Completion = Schema.Struct({
  choices: Schema.NonEmptyArray(
    Schema.Struct({
      message: Schema.Struct({
        content: NullableString,
        tool_calls: Schema.optional(
          Schema.NullOr(
            Schema.Array(
              Schema.Struct({
                id: Schema.String,
                function: Schema.Struct({ name: Schema.String, arguments: Schema.String })
              })
            )
          )
        )
      }),
      finish_reason: NullableString
    })
  ),
  usage: Schema.optional(Schema.NullOr(WireUsage))
})

const CompletionChunk = Schema.Struct({
  choices: Schema.Array(
    Schema.Struct({
      delta: Schema.optional(
        Schema.Struct({
          content: NullableString,
          tool_calls: Schema.optional(
            Schema.NullOr(
              Schema.Array(
                Schema.Struct({
                  index: Schema.Number,
                  id: NullableString,
                  function: Schema.optional(Schema.Struct({ name: NullableString, arguments: NullableString }))
                })
              )
            )
          )
        })
      ),
      finish_reason: NullableString
    })
  ),
  usage: Schema.optional(Schema.NullOr(WireUsage))
})
type CompletionChunk = typeof CompletionChunk.Type

// ---- the request ----

const textOf = (parts: ReadonlyArray<{ readonly type: string }>): string =>
  parts.flatMap((part) => (part.type === "text" ? [(part as Prompt.TextPart).text] : [])).join("")

/** Arguments as the model wrote them: a string it sent that was not JSON goes back unchanged. */
const argumentsText = (params: unknown): string => (typeof params === "string" ? params : JSON.stringify(params))

const wireMessage = (message: Prompt.Message): ReadonlyArray<Record<string, unknown>> => {
  switch (message.role) {
    case "system":
      return [{ role: "system", content: message.content }]
    case "user":
      return [{ role: "user", content: textOf(message.content) }]
    case "assistant": {
      const calls = message.content.flatMap((part) => {
        if (part.type !== "tool-call") return []
        const made = part.name === UNOFFERED_TOOL && isUnofferedCall(part.params) ? part.params : undefined
        const [name, params] = made === undefined ? [part.name, part.params] : [made.name, made.arguments]
        return [{ id: part.id, type: "function", function: { name, arguments: argumentsText(params) } }]
      })
      const text = textOf(message.content)
      return calls.length === 0
        ? [{ role: "assistant", content: text }]
        : [{ role: "assistant", content: text === "" ? null : text, tool_calls: calls }]
    }
    case "tool":
      return message.content.map((part) => ({
        role: "tool",
        tool_call_id: part.id,
        content: typeof part.result === "string" ? part.result : JSON.stringify(part.result)
      }))
  }
}

const wireToolChoice = (choice: LanguageModel.ProviderOptions["toolChoice"]): unknown => {
  if (typeof choice === "string") return choice
  if ("tool" in choice) return { type: "function", function: { name: choice.tool } }
  return choice.mode
}

/** The Chat Completions request body for `options`. */
export const requestBody = (model: string, options: LanguageModel.ProviderOptions, stream: boolean) => {
  const tools = options.tools
    .filter((tool) => tool.name !== UNOFFERED_TOOL)
    .map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        description: tool.description ?? "",
        parameters: Tool.getJsonSchemaFromSchemaAst(tool.parametersSchema.ast)
      }
    }))
  return {
    model,
    messages: options.prompt.content.flatMap(wireMessage),
    ...(tools.length === 0 ? {} : { tools, tool_choice: wireToolChoice(options.toolChoice) }),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {})
  }
}

// ---- the answer ----

const finishReason = (reason: string | null | undefined): Response.FinishPartEncoded["reason"] => {
  switch (reason) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    case "tool_calls":
    case "function_call":
      return "tool-calls"
    case "content_filter":
      return "content-filter"
    default:
      return "unknown"
  }
}

const usageOf = (usage: typeof WireUsage.Type | null | undefined): Response.FinishPartEncoded["usage"] => ({
  inputTokens: usage?.prompt_tokens,
  outputTokens: usage?.completion_tokens,
  totalTokens: usage?.total_tokens
})

/** The model's arguments as JSON when they are JSON; otherwise the text, for the tool to refuse. */
const paramsOf = (text: string): unknown => {
  try {
    return JSON.parse(text === "" ? "{}" : text)
  } catch {
    return text
  }
}

const partsOf = (completion: typeof Completion.Type, offered: ReadonlySet<string>): Array<Response.PartEncoded> => {
  const [choice] = completion.choices
  const parts: Array<Response.PartEncoded> = []
  const content = choice.message.content ?? ""
  if (content !== "") parts.push({ type: "text", text: content })
  for (const call of choice.message.tool_calls ?? []) {
    parts.push(...callParts(offered, call.id, call.function.name, paramsOf(call.function.arguments)))
  }
  parts.push({ type: "finish", reason: finishReason(choice.finish_reason), usage: usageOf(completion.usage) })
  return parts
}

const TEXT_ID = "text"

/** Assembles SSE chunks into stream parts: text deltas as they come, tool calls (by `index`) once complete. */
class ChunkAssembly {
  private textStarted = false
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>()
  private reason: string | null | undefined = undefined
  private usage: typeof WireUsage.Type | null | undefined = undefined

  constructor(private readonly offered: ReadonlySet<string>) {}

  push(chunk: CompletionChunk): Array<Response.StreamPartEncoded> {
    const parts: Array<Response.StreamPartEncoded> = []
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage
    for (const choice of chunk.choices) {
      const content = choice.delta?.content ?? ""
      if (content !== "") {
        if (!this.textStarted) parts.push({ type: "text-start", id: TEXT_ID })
        this.textStarted = true
        parts.push({ type: "text-delta", id: TEXT_ID, delta: content })
      }
      for (const delta of choice.delta?.tool_calls ?? []) {
        const call = this.calls.get(delta.index) ?? { id: "", name: "", arguments: "" }
        call.id ||= delta.id ?? ""
        call.name += delta.function?.name ?? ""
        call.arguments += delta.function?.arguments ?? ""
        this.calls.set(delta.index, call)
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) this.reason = choice.finish_reason
    }
    return parts
  }

  finish(): Array<Response.StreamPartEncoded> {
    const parts: Array<Response.StreamPartEncoded> = []
    if (this.textStarted) parts.push({ type: "text-end", id: TEXT_ID })
    for (const [index, call] of [...this.calls.entries()].sort(([a], [b]) => a - b)) {
      parts.push(...callParts(this.offered, call.id || `call_${index}`, call.name, paramsOf(call.arguments)))
    }
    parts.push({ type: "finish", reason: finishReason(this.reason), usage: usageOf(this.usage) })
    return parts
  }
}

/** The payload of an SSE `data:` line, if the line is one. */
const sseData = (line: string): string | undefined => (line.startsWith("data:") ? line.slice(5).trim() : undefined)

const malformed = (method: string) => (error: ParseResult.ParseError) =>
  AiError.MalformedOutput.fromParseError({ module: MODULE, method, error })

const parseJson = (method: string, text: string): Effect.Effect<unknown, AiError.AiError> =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (cause) =>
      new AiError.MalformedOutput({ module: MODULE, method, description: `not JSON: ${text.slice(0, 200)}`, cause })
  })

const brokenOff = (method: string) => (cause: unknown) =>
  new AiError.UnknownError({ module: MODULE, method, description: "the model server's answer broke off", cause })

/** A `LanguageModel` for the upstream's `/chat/completions`, over the platform's `HttpClient`. */
export const makeChatCompletionsModel = (upstream: Upstream) =>
  Effect.gen(function* () {
    const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
    const url = `${upstream.baseUrl}/chat/completions`

    const send = (
      method: string,
      body: unknown
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, AiError.AiError> =>
      client
        .execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.bodyUnsafeJson(body),
            Option.match(upstream.apiKey, {
              onNone: () => (request: HttpClientRequest.HttpClientRequest) => request,
              onSome: (key) => HttpClientRequest.bearerToken(Redacted.value(key))
            })
          )
        )
        .pipe(
          Effect.catchTags({
            RequestError: (error) =>
              Effect.fail(AiError.HttpRequestError.fromRequestError({ module: MODULE, method, error })),
            ResponseError: (error) => AiError.HttpResponseError.fromResponseError({ module: MODULE, method, error })
          })
        )

    return yield* LanguageModel.make({
      generateText: (options) =>
        Effect.gen(function* () {
          const response = yield* send("generateText", requestBody(upstream.model, options, false))
          const text = yield* Effect.mapError(response.text, brokenOff("generateText"))
          const json = yield* parseJson("generateText", text)
          const completion = yield* Schema.decodeUnknown(Completion)(json).pipe(
            Effect.mapError(malformed("generateText"))
          )
          return partsOf(completion, offeredNames(options))
        }),
      streamText: (options) =>
        Stream.suspend(() => {
          const assembly = new ChunkAssembly(offeredNames(options))
          return Stream.unwrap(
            Effect.map(send("streamText", requestBody(upstream.model, options, true)), (response) =>
              response.stream.pipe(Stream.mapError(brokenOff("streamText")))
            )
          ).pipe(
            Stream.decodeText(),
            Stream.splitLines,
            Stream.filterMap((line) => Option.fromNullable(sseData(line))),
            Stream.takeWhile((data) => data !== "[DONE]"),
            Stream.mapEffect((data) =>
              Effect.flatMap(parseJson("streamText", data), (json) =>
                Schema.decodeUnknown(CompletionChunk)(json).pipe(Effect.mapError(malformed("streamText")))
              )
            ),
            Stream.mapConcat((chunk) => assembly.push(chunk)),
            Stream.concat(Stream.suspend(() => Stream.fromIterable(assembly.finish())))
          )
        })
    })
  })
