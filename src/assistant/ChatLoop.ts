import { AiError, Chat, LanguageModel, Prompt, Tool, Toolkit } from "@effect/ai"
import { HttpClient } from "@effect/platform"
import { Duration, Effect, Either, Option, Ref, Schema, Stream } from "effect"
import { type ChatFailure, ChatUnavailable, QueryTimedOut, UpstreamError, noteCause } from "../http/ApiErrors.js"
import { UNOFFERED_TOOL, makeChatCompletionsModel } from "./ChatCompletionsModel.js"
import { ChatConfig } from "./ChatConfig.js"
import { ChatTools } from "./ChatTools.js"
import { SystemPrompt } from "./SystemPrompt.js"
import { toolResultText } from "./ToolResultText.js"

/**
 * One chat turn: the conversation after the system prompt, then rounds of "ask the model, run the tools it called,
 * give it their results" until it answers without calling any. `generateText` does one round, so the loop is
 * here, over a `Chat` whose history holds every call and result. Bounded by CHAT_MAX_TOOL_ROUNDS (then one last
 * round without tools) and CHAT_TIMEOUT_MS for the whole turn.
 */

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant"
  readonly content: string
}

/** A tool call the assistant made: what it asked and, for a body with `rows`, how many rows came back. */
export interface ToolCallRecord {
  readonly name: string
  readonly arguments: unknown
  readonly rows?: number
}

export type ChatEvent =
  { readonly _tag: "ToolCall"; readonly call: ToolCallRecord } | { readonly _tag: "TextDelta"; readonly text: string }

export interface ChatReply {
  readonly text: string
  readonly toolCalls: ReadonlyArray<ToolCallRecord>
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number }
}

/** What is sent back to the model of one tool's result (the model's context is small and costs money). */
export const MAX_TOOL_RESULT_BYTES = 16 * 1024

interface RoundResult {
  readonly text: string
  readonly calls: ReadonlyArray<{ readonly id: string; readonly name: string; readonly params: unknown }>
  readonly inputTokens: number
  readonly outputTokens: number
}

/**
 * The tools as offered to the model: same names, descriptions and JSON Schemas, but arguments accepted as they
 * come, so that a bad one reaches the tool (whose refusal goes back to the model) instead of failing the turn.
 */
const offeredTool = (tool: Tool.Any): Tool.Any =>
  Object.assign(Object.create(Object.getPrototypeOf(tool) as object) as Tool.Any, tool, {
    parametersSchema: Schema.Unknown.annotations({
      jsonSchema: Tool.getJsonSchemaFromSchemaAst(tool.parametersSchema.ast)
    })
  })

/** Where the model's calls of tools that were not offered land (see `UNOFFERED_TOOL`); never shown to it. */
const unofferedTool: Tool.Any = Tool.make(UNOFFERED_TOOL, {
  description: "A call of a tool that was not offered.",
  parameters: { name: Schema.String, arguments: Schema.Unknown }
})

const failureText = (error: unknown): string => {
  const message =
    typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string"
      ? (error as { message: string }).message
      : String(error)
  return JSON.stringify({ error: message })
}

/** The client's view of a model failure; the details go to the request's log line. */
const upstreamFailure = (error: AiError.AiError): Effect.Effect<never, UpstreamError> => {
  const message = (() => {
    switch (error._tag) {
      case "HttpResponseError":
        return error.reason === "StatusCode"
          ? `The model server answered HTTP ${error.response.status} to the chat request.`
          : "The model server's answer could not be read."
      case "HttpRequestError":
        return "The model server could not be reached (check CHAT_BASE_URL and that it is running)."
      case "MalformedOutput":
      case "MalformedInput":
        return "The model server's answer is not a Chat Completions response this service can use."
      case "UnknownError":
        return "The model server's answer broke off."
    }
  })()
  const body =
    error._tag === "HttpResponseError" && error.body !== undefined
      ? ` body: ${error.body.replace(/\s+/g, " ").slice(0, 500)}`
      : ""
  const cause = `upstream: ${error.message.split("\n")[0]}${body}`
  return Effect.zipRight(noteCause(cause), Effect.fail(new UpstreamError({ message })))
}

const NOT_CONFIGURED =
  "No model is configured for the assistant: set CHAT_BASE_URL (an OpenAI-compatible server, e.g. " +
  "http://127.0.0.1:11434/v1) and CHAT_MODEL (its model name), then restart."

const RESPONSES_UNSUPPORTED =
  "CHAT_API=responses is not supported by this service: set CHAT_API=chat-completions (what OpenAI, Azure, " +
  "vLLM, Ollama, llama.cpp and LM Studio all serve)."

export class ChatLoop extends Effect.Service<ChatLoop>()("ChatLoop", {
  effect: Effect.gen(function* () {
    const config = yield* ChatConfig
    const chatTools = yield* ChatTools
    const systemPrompt = yield* SystemPrompt
    const client = yield* HttpClient.HttpClient

    const model: Either.Either<LanguageModel.Service, ChatUnavailable> = yield* Option.match(config.upstream, {
      onNone: () => Effect.succeed(Either.left(new ChatUnavailable({ message: NOT_CONFIGURED }))),
      onSome: (upstream) =>
        upstream.api === "responses"
          ? Effect.succeed(Either.left(new ChatUnavailable({ message: RESPONSES_UNSUPPORTED })))
          : Effect.map(
              Effect.provideService(makeChatCompletionsModel(upstream), HttpClient.HttpClient, client),
              Either.right
            )
    })

    // Its handlers are the real tools, but the loop runs the calls itself (`disableToolCallResolution`) so that
    // a failed call becomes a tool result; HandlersFrom cannot type handlers built from a list, hence the cast.
    const offeredKit = Toolkit.make(...chatTools.tools.map(offeredTool), unofferedTool)
    const toolNames = chatTools.tools.map((tool) => tool.name)
    const handlers = Object.fromEntries(
      [...toolNames, UNOFFERED_TOOL].map((name) => [name, (params: unknown) => chatTools.call(name, params)])
    ) as unknown as Toolkit.HandlersFrom<Record<string, Tool.Any>>
    const offered = yield* Effect.provide(offeredKit, yield* offeredKit.toContext(handlers))

    /** One round; with `emit`, streamed (text deltas as they come). Tool calls are returned, not run. */
    const round = (
      chat: Chat.Service,
      withTools: boolean,
      emit: ((event: ChatEvent) => Effect.Effect<void>) | undefined
    ) => {
      const options = withTools
        ? { prompt: Prompt.empty, toolkit: offered, disableToolCallResolution: true }
        : { prompt: Prompt.empty }
      if (emit === undefined) {
        return Effect.map(chat.generateText(options), (response): RoundResult => ({
          text: response.text,
          calls: response.toolCalls.map(({ id, name, params }) => ({ id, name, params })),
          inputTokens: response.usage.inputTokens ?? 0,
          outputTokens: response.usage.outputTokens ?? 0
        }))
      }
      return Effect.suspend(() => {
        const result = { text: "", calls: [] as Array<RoundResult["calls"][number]>, inputTokens: 0, outputTokens: 0 }
        return chat.streamText(options).pipe(
          Stream.runForEach((part) => {
            switch (part.type) {
              case "text-delta":
                result.text += part.delta
                return emit({ _tag: "TextDelta", text: part.delta })
              case "tool-call":
                result.calls.push({ id: part.id, name: part.name, params: part.params })
                return Effect.void
              case "finish":
                result.inputTokens = part.usage.inputTokens ?? 0
                result.outputTokens = part.usage.outputTokens ?? 0
                return Effect.void
              default:
                return Effect.void
            }
          }),
          Effect.as(result as RoundResult)
        )
      })
    }

    /** What the model asked for: the tool it named and its arguments, also when that tool was not offered. */
    const asMade = (call: RoundResult["calls"][number]): { readonly name: string; readonly params: unknown } => {
      if (call.name !== UNOFFERED_TOOL) return call
      const made = call.params as { readonly name: string; readonly arguments: unknown }
      return { name: made.name, params: made.arguments }
    }
    const notOffered = (name: string) => ({
      message: `There is no tool named "${name}". The tools are ${toolNames.join(", ")}.`
    })

    /** Runs one call; a failure (or a tool that was not offered) becomes the tool's result, for the model. */
    const runTool = (call: RoundResult["calls"][number]) => {
      const made = asMade(call)
      const run =
        call.name === UNOFFERED_TOOL ? Effect.fail(notOffered(made.name)) : chatTools.call(made.name, made.params)
      return Effect.map(Effect.either(run), (outcome) => {
        const sent = Either.match(outcome, {
          onLeft: (error) => ({ text: failureText(error), rows: undefined }),
          onRight: (result) => toolResultText(result, MAX_TOOL_RESULT_BYTES)
        })
        const record: ToolCallRecord =
          sent.rows === undefined
            ? { name: made.name, arguments: made.params }
            : { name: made.name, arguments: made.params, rows: sent.rows }
        const part = Prompt.toolResultPart({
          id: call.id,
          name: call.name,
          isFailure: Either.isLeft(outcome),
          result: sent.text,
          providerExecuted: false
        })
        return { record, part }
      })
    }

    const turn = (
      conversation: ReadonlyArray<ChatMessage>,
      emit: ((event: ChatEvent) => Effect.Effect<void>) | undefined
    ) =>
      Effect.gen(function* () {
        const languageModel = yield* model
        const system = yield* systemPrompt.text
        const chat = yield* Chat.fromPrompt([{ role: "system", content: system }, ...conversation])
        const toolCalls: Array<ToolCallRecord> = []
        let inputTokens = 0
        let outputTokens = 0
        for (let rounds = 0; ; rounds++) {
          const withTools = rounds < config.maxToolRounds
          const result = yield* round(chat, withTools, emit).pipe(
            Effect.provideService(LanguageModel.LanguageModel, languageModel)
          )
          inputTokens += result.inputTokens
          outputTokens += result.outputTokens
          if (result.calls.length === 0 || !withTools) {
            const text =
              result.text !== "" || withTools
                ? result.text
                : `I could not finish: the question needed more than ${config.maxToolRounds} rounds of tool calls. ` +
                  "Ask about a narrower period or a single item or line."
            if (result.text === "" && !withTools && emit !== undefined) yield* emit({ _tag: "TextDelta", text })
            return { text, toolCalls, usage: { inputTokens, outputTokens } } satisfies ChatReply
          }
          const ran = yield* Effect.forEach(result.calls, runTool)
          for (const { record } of ran) {
            toolCalls.push(record)
            if (emit !== undefined) yield* emit({ _tag: "ToolCall", call: record })
          }
          yield* Ref.update(chat.history, (history) =>
            Prompt.merge(history, Prompt.fromMessages([Prompt.toolMessage({ content: ran.map(({ part }) => part) })]))
          )
        }
      }).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(config.timeoutMs),
          onTimeout: () =>
            new QueryTimedOut({
              message: `The assistant did not answer within ${config.timeoutMs} ms (CHAT_TIMEOUT_MS). Ask a narrower question or retry.`
            })
        }),
        // Outside the timeout's fiber, so that the noted cause reaches the request's log line.
        Effect.catchIf(AiError.isAiError, upstreamFailure)
      )

    return {
      /** Fails with `chat_unavailable` when no usable model is configured (before a stream's status is sent). */
      available: Either.match(model, { onLeft: Effect.fail, onRight: () => Effect.void }),
      /** The assistant's answer to the conversation, with the tool calls it made. */
      reply: (conversation: ReadonlyArray<ChatMessage>): Effect.Effect<ChatReply, ChatFailure> =>
        turn(conversation, undefined),
      /** The same, with tool calls and text deltas given to `emit` as they happen. */
      replyStreaming: (
        conversation: ReadonlyArray<ChatMessage>,
        emit: (event: ChatEvent) => Effect.Effect<void>
      ): Effect.Effect<ChatReply, ChatFailure> => turn(conversation, emit),
      modelAlias: config.modelAlias
    } as const
  })
}) {}
