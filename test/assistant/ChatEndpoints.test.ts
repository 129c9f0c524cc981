/**
 * `POST /chat`, `POST /v1/chat/completions` and `GET /v1/models` of the service as it runs (`AppLive` over real
 * SQLite files, a real HTTP server), talking to the scripted model server in its own process. The numbers the
 * assistant answers with are checked against the endpoints' own bodies; `/v1` is driven by the official
 * `openai` client.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, HashMap, Layer, Logger } from "effect"
import OpenAI from "openai"
import {
  type Reply,
  errorBodyProblem,
  get,
  jsonOf,
  reliabilityFiles,
  send,
  startApp
} from "../reliability/ReliabilityKit.js"
import { type ScriptedModel, startScriptedModel } from "./AssistantKit.js"

interface Service {
  readonly model: ScriptedModel
  /** Configured with the scripted model. */
  readonly port: number
  /** Same, with CHAT_TIMEOUT_MS=300 and CHAT_RATE_PER_MINUTE=3. */
  readonly impatient: number
  /** The `cause` annotations of the impatient service's log lines. */
  readonly impatientCauses: () => ReadonlyArray<string>
  /** Same, listening on HOST=0.0.0.0 without API_KEYS. */
  readonly exposed: number
  /** No CHAT_* variables. */
  readonly unconfigured: number
}
class Services extends Context.Tag("Services")<Services, Service>() {}

const ServicesLive = Layer.scoped(
  Services,
  Effect.gen(function* () {
    const model = yield* startScriptedModel
    const files = yield* reliabilityFiles()
    const chat = { CHAT_BASE_URL: model.baseUrl, CHAT_MODEL: "scripted-1" }
    const causes: Array<string> = []
    const logger = Logger.make<unknown, void>(({ annotations }) => {
      const cause = HashMap.get(annotations, "cause")
      if (cause._tag === "Some") causes.push(String(cause.value))
    })
    const [port, impatient, exposed, unconfigured] = yield* Effect.all(
      [
        startApp(files, { env: chat }),
        startApp(files, {
          env: { ...chat, CHAT_TIMEOUT_MS: "300", CHAT_RATE_PER_MINUTE: "3", POOL_SIZE: "1" },
          logger
        }),
        startApp(files, { env: { ...chat, HOST: "0.0.0.0", POOL_SIZE: "1" } }),
        startApp(files, { env: { POOL_SIZE: "1" } })
      ],
      { concurrency: "unbounded" }
    )
    return { model, port, impatient, impatientCauses: () => causes, exposed, unconfigured }
  })
)

const postJson = (port: number, target: string, body: unknown) =>
  Effect.orDie(
    send(port, target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body)
    })
  )

const ask = (content: string, stream?: boolean) => ({
  messages: [{ role: "user", content }],
  ...(stream === undefined ? {} : { stream })
})

/** The events of an SSE body: `[name, data]` pairs (name "message" when unnamed). */
const sseEvents = (text: string): ReadonlyArray<readonly [string, string]> =>
  text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n")
      const name = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message"
      return [name, lines.find((l) => l.startsWith("data: "))?.slice(6) ?? ""] as const
    })

/** The by-line body for a window, and the total good quantity the assistant should report from it. */
const byLine = (port: number, from: string, to: string) =>
  Effect.map(get(port, `/summary/by-line?from=${from}&to=${to}`), (reply) => {
    const rows = (jsonOf(reply) as { rows: ReadonlyArray<{ good_quantity: number }> }).rows
    return { body: reply.text, rows: rows.length, total: rows.reduce((sum, r) => sum + r.good_quantity, 0) }
  })

const expectError = (reply: Reply, status: number, code: string) => {
  expect(reply.status).toBe(status)
  expect(errorBodyProblem(reply)).toBeUndefined()
  const body = jsonOf(reply) as { code: string; message: string; parameter?: string }
  expect(body.code).toBe(code)
  return body
}

describe("chat endpoints", () => {
  layer(ServicesLive, { excludeTestServices: true, timeout: 120_000 })("service + scripted model", (it) => {
    it.effect("POST /chat answers with the endpoint's numbers and lists the tool call", () =>
      Effect.gen(function* () {
        const { model, port } = yield* Services
        const expected = yield* byLine(port, "2025-12-20", "2026-01-10")
        const reply = yield* postJson(port, "/chat", ask("[e1] Good quantity from 2025-12-20 to 2026-01-10?"))
        expect(reply.status).toBe(200)
        expect(jsonOf(reply)).toEqual({
          message: {
            role: "assistant",
            content: `Good quantity 2025-12-20 to 2026-01-10: ${expected.total} units over ${expected.rows} lines.`
          },
          tool_calls: [
            { name: "get_summary_by_line", arguments: { from: "2025-12-20", to: "2026-01-10" }, rows: expected.rows }
          ]
        })
        const [first, second] = yield* model.requests("[e1]")
        // Every tool of GET /tools, as an OpenAI function with the same name, description and JSON Schema.
        expect(first?.tools).toEqual(
          (jsonOf(yield* get(port, "/tools")) as ReadonlyArray<unknown>).map((tool) => ({
            type: "function",
            function: tool
          }))
        )
        const system = first?.messages[0]?.content ?? ""
        expect(system).toContain(`Today is ${new Date().toISOString().slice(0, 10)}`)
        expect(system).toContain("from 2025-10-01 to 2026-03-31")
        expect(system).toContain("2026-01-01 (the cutover date)")
        expect(second?.messages[3]).toMatchObject({ role: "tool", content: expected.body })
      })
    )

    it.effect("stream: tool_call, then deltas that join to the same text, then done", () =>
      Effect.gen(function* () {
        const { port } = yield* Services
        const question = "Good quantity from 2026-02-01 to 2026-02-28?"
        const whole = jsonOf(yield* postJson(port, "/chat", ask(`[e2] ${question}`))) as {
          message: { content: string }
          tool_calls: unknown
        }
        const reply = yield* postJson(port, "/chat", ask(`[e2s] ${question}`, true))
        expect(reply.status).toBe(200)
        expect(reply.headers["content-type"]).toBe("text/event-stream")
        const events = sseEvents(reply.text)
        expect(events[0]).toEqual(["tool_call", JSON.stringify((whole.tool_calls as Array<unknown>)[0])])
        const deltas = events.filter(([name]) => name === "delta")
        expect(deltas.length).toBeGreaterThan(1)
        expect(deltas.map(([, data]) => (JSON.parse(data) as { content: string }).content).join("")).toBe(
          whole.message.content
        )
        expect(events.at(-1)).toEqual(["done", JSON.stringify(whole)])
      })
    )

    it.effect("a bad tool argument goes back to the model; the chat still answers 200", () =>
      Effect.gen(function* () {
        const { model, port } = yield* Services
        const reply = yield* postJson(
          port,
          "/chat",
          ask("[e3] [bad argument] Good quantity from 2026-01-01 to 2026-01-02?")
        )
        expect(reply.status).toBe(200)
        const body = jsonOf(reply) as { message: { content: string }; tool_calls: ReadonlyArray<unknown> }
        expect(body.message.content).toMatch(/^The tool reported an error: .*from/)
        expect(body.tool_calls).toEqual([
          { name: "get_summary_by_line", arguments: { from: "last spring", to: "2026-01-02" } }
        ])
        const sent = (yield* model.requests("[e3]"))[1]?.messages[3]?.content ?? ""
        expect(JSON.parse(sent)).toEqual({ error: expect.stringContaining("from") })
      })
    )

    it.effect(
      "a call of a tool that was not offered goes back to the model as an error; its history keeps the call",
      () =>
        Effect.gen(function* () {
          const { model, port } = yield* Services
          for (const [marker, stream] of [
            ["[e3u]", false],
            ["[e3s]", true]
          ] as const) {
            const reply = yield* postJson(port, "/chat", { ...ask(`${marker} [unknown tool] Weather?`), stream })
            expect(reply.status).toBe(200)
            expect(reply.text).toContain('There is no tool named \\"get_weather\\"')
            expect(reply.text).toContain('"name":"get_weather","arguments":{"city":"Oslo"}')
            const [first, second] = yield* model.requests(marker)
            const offered = (first?.tools ?? []).map((t) => t.function.name)
            expect(offered).toContain("get_summary_by_line")
            expect(offered).not.toContain("unoffered_tool_call")
            const call = second?.messages.find((m) => m.tool_calls !== undefined)?.tool_calls?.[0]
            expect(call).toMatchObject({ function: { name: "get_weather" } })
            const result = second?.messages.find((m) => m.role === "tool")?.content ?? ""
            expect(JSON.parse(result)).toEqual({ error: expect.stringContaining("The tools are search_records") })
          }
        })
    )

    it.effect("errors: 400 naming the field, 502 naming the upstream status, 503 unconfigured, 504 too slow", () =>
      Effect.gen(function* () {
        const { impatient, impatientCauses, port, unconfigured } = yield* Services
        const badRole = yield* postJson(port, "/chat", {
          messages: [
            { role: "user", content: "hi" },
            { role: "robot", content: "beep" }
          ]
        })
        expect(expectError(badRole, 400, "invalid_parameter").parameter).toBe("messages[1].role")
        const noContent = yield* postJson(port, "/chat", { messages: [{ role: "user" }] })
        expect(expectError(noContent, 400, "invalid_parameter").parameter).toBe("messages[0].content")
        expect(expectError(yield* postJson(port, "/chat", "not json"), 400, "invalid_parameter").parameter).toBe("body")
        expect(expectError(yield* postJson(port, "/chat", { messages: [] }), 400, "invalid_parameter").parameter).toBe(
          "messages"
        )
        const failed = expectError(yield* postJson(port, "/chat", ask("[e4] [fail 500] hi")), 502, "upstream_error")
        expect(failed.message).toContain("500")
        const off = expectError(yield* postJson(unconfigured, "/chat", ask("hi")), 503, "chat_unavailable")
        expect(off.message).toMatch(/CHAT_BASE_URL.*CHAT_MODEL/)
        const offStream = expectError(yield* postJson(unconfigured, "/chat", ask("hi", true)), 503, "chat_unavailable")
        expect(offStream.message).toBe(off.message)
        expectError(yield* postJson(impatient, "/chat", ask("[e4] [slow] hi")), 504, "timeout")
        // The client sees the status only; the log line of the answer has the upstream's own error.
        expectError(yield* postJson(impatient, "/chat", ask("[e4] [fail 500] hi")), 502, "upstream_error")
        expect(impatientCauses().at(-1)).toMatch(/^upstream: .*500.* body: .*scripted failure/)
      })
    )

    it.effect("max tool rounds: the final answer comes from a round without tools", () =>
      Effect.gen(function* () {
        const { model, port } = yield* Services
        const reply = yield* postJson(port, "/chat", ask("[e5] [loop] Good quantity from 2026-01-01 to 2026-01-02?"))
        const body = jsonOf(reply) as { message: { content: string }; tool_calls: ReadonlyArray<unknown> }
        expect(body.tool_calls).toHaveLength(6)
        expect(body.message.content).toBe("Stopped after 6 tool results.")
        expect((yield* model.requests("[e5]")).map((r) => (r.tools ?? []).length > 0)).toEqual([
          true,
          true,
          true,
          true,
          true,
          true,
          false
        ])
      })
    )

    it.effect("/v1 through the official openai client: models, completion, stream, and a model it does not list", () =>
      Effect.gen(function* () {
        const { port } = yield* Services
        const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "unused", maxRetries: 0 })
        const models = yield* Effect.promise(() => client.models.list())
        expect(models.data.map((m) => [m.id, m.object, m.owned_by])).toEqual([
          ["production-analytics", "model", "production-analytics"]
        ])
        const expected = yield* byLine(port, "2026-03-01", "2026-03-15")
        const question = "Good quantity from 2026-03-01 to 2026-03-15?"
        const completion = yield* Effect.promise(() =>
          client.chat.completions.create({
            model: "production-analytics",
            messages: [{ role: "user", content: `[v1] ${question}` }]
          })
        )
        const text = `Good quantity 2026-03-01 to 2026-03-15: ${expected.total} units over ${expected.rows} lines.`
        expect(completion.object).toBe("chat.completion")
        expect(completion.model).toBe("production-analytics")
        expect(completion.choices).toEqual([
          { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }
        ])
        expect(completion.usage).toEqual({ prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 })
        const stream = yield* Effect.promise(() =>
          client.chat.completions.create({
            model: "production-analytics",
            messages: [{ role: "user", content: `[v1s] ${question}` }],
            stream: true
          })
        )
        const chunks = yield* Effect.promise(async () => {
          const all: Array<OpenAI.Chat.Completions.ChatCompletionChunk> = []
          for await (const chunk of stream) all.push(chunk)
          return all
        })
        expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]?.id)).toBe(true)
        expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(text)
        expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop")
        const unknown = yield* Effect.promise(() =>
          client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }).then(
            () => undefined,
            (error: unknown) => error
          )
        )
        expect(unknown).toBeInstanceOf(OpenAI.BadRequestError)
        // api.md: /v1 errors are the API's `{code, message}`; the client finds no OpenAI `error` in it.
        expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400)
      })
    )

    it.effect("/v1 stream ends with data: [DONE]; errors before the stream are the API's JSON errors", () =>
      Effect.gen(function* () {
        const { port, unconfigured } = yield* Services
        const body = (content: string, stream: boolean) => ({
          model: "production-analytics",
          messages: [{ role: "user", content }],
          stream
        })
        const reply = yield* postJson(port, "/v1/chat/completions", body("[v2] hello", true))
        expect(reply.headers["content-type"]).toBe("text/event-stream")
        expect(reply.text.endsWith("data: [DONE]\n\n")).toBe(true)
        // A failure after the status was sent: an error event, then the end of the stream.
        const failed = yield* postJson(port, "/v1/chat/completions", body("[v2] [fail 500] hello", true))
        expect(failed.status).toBe(200)
        expect(sseEvents(failed.text).slice(1)).toEqual([
          [
            "message",
            JSON.stringify({
              error: { code: "upstream_error", message: "The model server answered HTTP 500 to the chat request." }
            })
          ],
          ["message", "[DONE]"]
        ])
        const chatFailed = yield* postJson(port, "/chat", ask("[v2] [fail 500] hello", true))
        expect(sseEvents(chatFailed.text)).toEqual([
          [
            "error",
            JSON.stringify({
              code: "upstream_error",
              message: "The model server answered HTTP 500 to the chat request."
            })
          ]
        ])
        const off = yield* postJson(unconfigured, "/v1/chat/completions", body("hello", false))
        expect(expectError(off, 503, "chat_unavailable").message).toMatch(/CHAT_BASE_URL.*CHAT_MODEL/)
        const upstream = yield* postJson(port, "/v1/chat/completions", body("[v2] [fail 500] hello", false))
        expect(expectError(upstream, 502, "upstream_error").message).toContain("500")
        const tool = yield* postJson(port, "/v1/chat/completions", {
          model: "production-analytics",
          messages: [
            { role: "user", content: "hi" },
            { role: "tool", content: "{}", tool_call_id: "x" }
          ]
        })
        expect(expectError(tool, 400, "invalid_parameter").parameter).toBe("messages[1].role")
        const model = yield* postJson(port, "/v1/chat/completions", { ...body("hi", false), model: "gpt-4o" })
        expect(expectError(model, 400, "invalid_parameter")).toMatchObject({ parameter: "model" })
      })
    )

    it.effect("access first: 403 on a non-loopback HOST without API_KEYS, 429 past CHAT_RATE_PER_MINUTE", () =>
      Effect.gen(function* () {
        const { exposed, impatient } = yield* Services
        expectError(yield* postJson(exposed, "/chat", ask("hi")), 403, "forbidden")
        const v1 = { model: "production-analytics", messages: [{ role: "user", content: "hi" }] }
        expectError(yield* postJson(exposed, "/v1/chat/completions", v1), 403, "forbidden")
        expect((yield* get(exposed, "/v1/models")).status).toBe(200)
        // Calls count before their body is read: malformed ones too. The error test used two.
        const replies = yield* Effect.forEach([1, 2, 3, 4], () => postJson(impatient, "/chat", { messages: [] }))
        expect(replies[0]?.status).toBe(400)
        const limited = replies.find((r) => r.status === 429)
        expect(limited === undefined ? undefined : expectError(limited, 429, "rate_limited").code).toBe("rate_limited")
        expect(Number(limited?.headers["retry-after"])).toBeGreaterThanOrEqual(1)
      })
    )
  })
})
