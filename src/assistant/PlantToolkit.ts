import { Tool, Toolkit } from "@effect/ai"
import { Effect, ParseResult, Schema } from "effect"
import { Answers, type QueryAnswer } from "../http/Answers.js"
import {
  DatabaseUnavailableError,
  InvalidParameter,
  Overloaded,
  QueryTimedOut,
  fromReadError
} from "../http/ApiErrors.js"
import { today } from "../http/RequestDecoding.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { decodeCall } from "../tools/ToolCall.js"
import { TOOLS, type Tool as ToolSpec } from "../tools/ToolDefinitions.js"

/**
 * The queries as an `@effect/ai` toolkit: what `GET /tools`, `POST /tools/{name}`, `POST /mcp` and the chat all
 * serve. Each tool answers through `Answers` (the response cache) with its endpoint's rules and metrics, and its
 * result is the endpoint's 200 body.
 */

/**
 * A call's arguments as sent: the endpoint's names, any value, and any other name. The endpoint's own rules
 * (`decodeCall`) judge them, so a wrong one is refused by name with the message `POST /tools` gives, `null` counts
 * as absent and an unknown name is refused, not dropped. What a model is shown is the endpoint's fields' JSON
 * Schema (`ToolParameters`).
 */
const argumentsOf = (spec: ToolSpec) =>
  Schema.Struct(
    Object.fromEntries(Object.keys(spec.endpoint.fields).map((name) => [name, Schema.optional(Schema.Unknown)])),
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  ).annotations({ jsonSchema: spec.parameters })

export const isQueryAnswer = (u: unknown): u is QueryAnswer =>
  typeof u === "object" && u !== null && "body" in u && "cache" in u && "rows" in u

/**
 * The endpoint's 200 body. Handlers give the `QueryAnswer` (so `POST /tools` sends its bytes as they are);
 * encoded, it is the body's JSON value (what MCP and a model receive). Answers come from `Answers` only.
 */
export const EndpointBody = Schema.transformOrFail(
  Schema.Unknown,
  Schema.declare(isQueryAnswer, { identifier: "QueryAnswer" }),
  {
    strict: true,
    decode: (json, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, json, "answers come from Answers")),
    encode: (answer) => ParseResult.succeed(JSON.parse(Buffer.from(answer.body.bytes).toString("utf8")) as unknown)
  }
)

/** What a call can end in besides its answer, each as the endpoint would answer it. */
export const ToolFailure = Schema.Union(InvalidParameter, Overloaded, DatabaseUnavailableError, QueryTimedOut)

const toolOf = (spec: ToolSpec) =>
  Tool.make(spec.name, { description: spec.description, success: EndpointBody, failure: ToolFailure })
    .setParameters(argumentsOf(spec))
    // Queries of recorded production: they change nothing, and reach nothing beyond the plant's data.
    .annotate(Tool.Readonly, true)
    .annotate(Tool.Destructive, false)
    .annotate(Tool.Idempotent, true)
    .annotate(Tool.OpenWorld, false)

export const PlantToolkit = Toolkit.make(...TOOLS.map(toolOf))

/** The `GET /tools` body, built once from the toolkit's tools. */
export const TOOL_DEFINITIONS_JSON: string = JSON.stringify(
  Object.values(PlantToolkit.tools).map((tool) => ({
    name: tool.name,
    description: tool.description,
    parameters: Tool.getJsonSchema(tool)
  }))
)

/** The tools' handlers: the endpoint's decoding, `Answers`, and the endpoint's metrics (refused calls uncounted). */
export const PlantToolkitLive = PlantToolkit.toLayer(
  Effect.gen(function* () {
    const answers = yield* Answers
    const metrics = yield* QueryMetrics
    const handlerOf = (spec: ToolSpec) => (args: Readonly<Record<string, unknown>>) =>
      Effect.gen(function* () {
        const started = performance.now()
        const query = yield* decodeCall(spec, args, yield* today)
        const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
        metrics.recordSync(query._tag, {
          durationMs: performance.now() - started,
          rows: answer.rows,
          outcome: answer.cache
        })
        return answer
      })
    return Object.fromEntries(TOOLS.map((spec) => [spec.name, handlerOf(spec)]))
  })
)
