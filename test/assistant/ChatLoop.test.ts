/**
 * The tool loop against the scripted model server (a separate process) over the Chat Completions
 * `LanguageModel`, with a small toolkit of the test's own: per-line totals of the fixture records. The HTTP
 * endpoints and real SQLite data are covered in `ChatEndpoints.test.ts`.
 */
import { Tool, Toolkit } from "@effect/ai"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Layer, Schema } from "effect"
import { ChatConfig } from "../../src/assistant/ChatConfig.js"
import { type ChatEvent, ChatLoop } from "../../src/assistant/ChatLoop.js"
import { ChatTools } from "../../src/assistant/ChatTools.js"
import { SystemPrompt } from "../../src/assistant/SystemPrompt.js"
import { fixtureRecords } from "../cache-e2e/CachedServerKit.js"
import { type ScriptedModel, startScriptedModel } from "./AssistantKit.js"

const IsoDay = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/))

const ByLine = Tool.make("get_summary_by_line", {
  description: "Production totals per production line over a window.",
  parameters: { from: IsoDay, to: IsoDay },
  success: Schema.Struct({
    rows: Schema.Array(Schema.Struct({ line_code: Schema.String, good_quantity: Schema.Number }))
  })
})
const TestToolkit = Toolkit.make(ByLine)

/** The test tool's answer: the fixture's records of the window, summed per line. */
const byLine = (from: string, to: string) => {
  const totals = new Map<string, number>()
  for (const r of fixtureRecords(from, to)) totals.set(r.line_code, (totals.get(r.line_code) ?? 0) + r.good_quantity)
  return [...totals.entries()].sort().map(([line_code, good_quantity]) => ({ line_code, good_quantity }))
}

const TestTools = Layer.effect(ChatTools, Effect.map(TestToolkit, ChatTools.fromToolkit)).pipe(
  Layer.provide(
    TestToolkit.toLayer({ get_summary_by_line: ({ from, to }) => Effect.succeed({ rows: byLine(from, to) }) })
  )
)

class Model extends Context.Tag("Model")<Model, ScriptedModel>() {}

/** The loop over `model`; `env` adds or (with `undefined`) removes settings. */
const loopWith = (model: ScriptedModel, env: Record<string, string | undefined> = {}) =>
  Effect.map(
    Layer.build(
      ChatLoop.Default.pipe(
        Layer.provide([
          ChatConfig.Default,
          TestTools,
          Layer.succeed(SystemPrompt, SystemPrompt.make({ text: Effect.succeed("You answer from tools.") })),
          NodeHttpClient.layer
        ]),
        Layer.provide(
          Layer.setConfigProvider(
            ConfigProvider.fromMap(
              new Map(
                Object.entries({ CHAT_BASE_URL: model.baseUrl, CHAT_MODEL: "scripted-1", ...env }).filter(
                  (entry): entry is [string, string] => entry[1] !== undefined
                )
              )
            )
          )
        )
      )
    ),
    Context.get(ChatLoop)
  )

const ask = (content: string) => [{ role: "user" as const, content }]

const expectedTotal = (from: string, to: string) => byLine(from, to).reduce((sum, r) => sum + r.good_quantity, 0)

describe("ChatLoop over Chat Completions", () => {
  layer(Layer.scoped(Model, startScriptedModel), { excludeTestServices: true })("scripted model", (it) => {
    it.scoped("offers the tools, runs the model's call, returns the result and answers from it", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const loop = yield* loopWith(model)
        const reply = yield* loop.reply(ask("[t1] Good quantity from 2026-01-05 to 2026-01-18?"))
        const total = expectedTotal("2026-01-05", "2026-01-18")
        expect(reply.text).toBe(`Good quantity 2026-01-05 to 2026-01-18: ${total} units over 3 lines.`)
        expect(reply.toolCalls).toEqual([
          { name: "get_summary_by_line", arguments: { from: "2026-01-05", to: "2026-01-18" }, rows: 3 }
        ])
        const [first, second] = yield* model.requests("[t1]")
        expect(first?.model).toBe("scripted-1")
        expect(first?.messages.map((m) => m.role)).toEqual(["system", "user"])
        expect(first?.tools).toEqual([
          {
            type: "function",
            function: {
              name: "get_summary_by_line",
              description: "Production totals per production line over a window.",
              parameters: Tool.getJsonSchema(ByLine)
            }
          }
        ])
        expect(first?.tool_choice).toBe("auto")
        const call = second?.messages[2]?.tool_calls?.[0]
        expect(call?.function).toEqual({
          name: "get_summary_by_line",
          arguments: '{"from":"2026-01-05","to":"2026-01-18"}'
        })
        expect(second?.messages[3]).toEqual({
          role: "tool",
          tool_call_id: call?.id,
          content: JSON.stringify({ rows: byLine("2026-01-05", "2026-01-18") })
        })
      })
    )

    it.scoped("streams the same text, with the tool call before it", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const loop = yield* loopWith(model)
        const events: Array<ChatEvent> = []
        const question = "Good quantity from 2026-02-01 to 2026-02-10?"
        const streamed = yield* loop.replyStreaming(ask(`[t2] ${question}`), (e) => Effect.sync(() => events.push(e)))
        const whole = yield* loop.reply(ask(`[t2b] ${question}`))
        expect(streamed.text).toBe(whole.text)
        expect(streamed.toolCalls).toEqual(whole.toolCalls)
        expect(events[0]).toEqual({ _tag: "ToolCall", call: whole.toolCalls[0] })
        const deltas = events.slice(1).map((e) => (e._tag === "TextDelta" ? e.text : "?"))
        expect(deltas.length).toBeGreaterThan(1)
        expect(deltas.join("")).toBe(whole.text)
        expect((yield* model.requests("[t2]")).every((r) => r.stream === true)).toBe(true)
      })
    )

    it.scoped("a bad argument goes back to the model as the tool's result, and the turn still answers", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const loop = yield* loopWith(model)
        const reply = yield* loop.reply(ask("[t3] [bad argument] Good quantity from 2026-01-01 to 2026-01-02?"))
        expect(reply.text).toMatch(/^The tool reported an error: .*get_summary_by_line/)
        expect(reply.toolCalls).toEqual([
          { name: "get_summary_by_line", arguments: { from: "last spring", to: "2026-01-02" } }
        ])
        const second = (yield* model.requests("[t3]"))[1]
        const result = JSON.parse(second?.messages[3]?.content ?? "{}") as { error?: string }
        expect(result.error).toContain("last spring")
      })
    )

    it.scoped("stops calling tools after CHAT_MAX_TOOL_ROUNDS and asks once more without them", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const loop = yield* loopWith(model, { CHAT_MAX_TOOL_ROUNDS: "3" })
        const reply = yield* loop.reply(ask("[t4] [loop] Good quantity from 2026-01-01 to 2026-01-02?"))
        expect(reply.toolCalls).toHaveLength(3)
        expect(reply.text).toBe("Stopped after 3 tool results.")
        const requests = yield* model.requests("[t4]")
        expect(requests.map((r) => r.tools?.length ?? 0)).toEqual([1, 1, 1, 0])
      })
    )

    it.scoped("upstream 500 → UpstreamError naming 500; unreachable → UpstreamError", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const failed = yield* Effect.either((yield* loopWith(model)).reply(ask("[t5] [fail 500] hello")))
        expect(Either.getLeft(failed).pipe((e) => e._tag === "Some" && [e.value._tag, e.value.message])).toEqual([
          "UpstreamError",
          "The model server answered HTTP 500 to the chat request."
        ])
        const refused = yield* Effect.either(
          (yield* loopWith(model, { CHAT_BASE_URL: "http://127.0.0.1:9/v1" })).reply(ask("[t5b] hello"))
        )
        expect(Either.getLeft(refused).pipe((e) => e._tag === "Some" && e.value._tag)).toBe("UpstreamError")
      })
    )

    it.scoped("slower than CHAT_TIMEOUT_MS → timeout; no model configured → ChatUnavailable", () =>
      Effect.gen(function* () {
        const model = yield* Model
        const slow = yield* Effect.either(
          (yield* loopWith(model, { CHAT_TIMEOUT_MS: "200" })).reply(ask("[t6] [slow] hello"))
        )
        expect(Either.getLeft(slow).pipe((e) => e._tag === "Some" && [e.value._tag, e.value.code])).toEqual([
          "QueryTimedOut",
          "timeout"
        ])
        const off = yield* Effect.either((yield* loopWith(model, { CHAT_MODEL: undefined })).reply(ask("[t6b] hello")))
        const error = Either.getLeft(off)
        expect(error._tag === "Some" && error.value._tag).toBe("ChatUnavailable")
        expect(error._tag === "Some" && error.value.message).toMatch(/CHAT_BASE_URL.*CHAT_MODEL/)
        const responses = yield* Effect.either(
          (yield* loopWith(model, { CHAT_API: "responses" })).reply(ask("[t6c] hello"))
        )
        const refused = Either.getLeft(responses)
        expect(refused._tag === "Some" && [refused.value._tag, refused.value.message]).toEqual([
          "ChatUnavailable",
          expect.stringContaining("CHAT_API=responses is not supported")
        ])
      })
    )
  })
})
