import { HttpApiBuilder, HttpIncomingMessage, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { Answers } from "../http/Answers.js"
import { Api } from "../http/Api.js"
import { InvalidParameter, NotFound, fromReadError } from "../http/ApiErrors.js"
import { today } from "../http/RequestDecoding.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { decodeCall, parseArguments } from "./ToolCall.js"
import { TOOLS, TOOLS_JSON, toolNamed } from "./ToolDefinitions.js"

/** Arguments are a few short strings; anything much larger is a mistake, not a query. */
const MAX_BODY_BYTES = 64 * 1024

// A tool's answer is the endpoint's JSON body wrapped as `{"result": ...}`.
const RESULT_OPEN = Buffer.from(`{"result":`)
const RESULT_CLOSE = Buffer.from("}")

const tooLarge = () =>
  new InvalidParameter({
    message: `The request body must be a JSON object of at most ${MAX_BODY_BYTES} bytes: tool arguments are small.`
  })

/**
 * The body as text. A declared length over the limit is refused before reading, so the client gets its 400; a
 * chunked body that grows past it is cut off (the platform drops the connection).
 */
const readBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string, InvalidParameter> => {
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return Effect.fail(tooLarge())
  return HttpIncomingMessage.withMaxBodySize(request.text, Option.some(MAX_BODY_BYTES)).pipe(
    Effect.catchAll(() => Effect.fail(tooLarge()))
  )
}

const unknownTool = (name: string): NotFound =>
  new NotFound({
    message:
      `There is no tool named "${name.length > 40 ? `${name.slice(0, 40)}…` : name}". ` +
      `The tools are ${TOOLS.map((t) => t.name).join(", ")} (see GET /tools).`
  })

export const ToolsHandlers = HttpApiBuilder.group(Api, "tools", (handlers) =>
  Effect.gen(function* () {
    const answers = yield* Answers
    const metrics = yield* QueryMetrics
    return handlers
      .handle("list", () => Effect.succeed(HttpServerResponse.text(TOOLS_JSON, { contentType: "application/json" })))
      .handle("call", ({ path, request }) =>
        Effect.gen(function* () {
          const started = performance.now()
          const tool = toolNamed(path.name)
          if (tool === undefined) return yield* unknownTool(path.name)
          const args = yield* parseArguments(yield* readBody(request))
          const query = yield* decodeCall(tool, args, yield* today)
          // Through `Answers` (the response cache), never the engine; counted under the endpoint's query name.
          const answer = yield* Effect.catchAll(answers.answer(query), fromReadError)
          metrics.recordSync(query._tag, {
            durationMs: performance.now() - started,
            rows: answer.rows,
            outcome: answer.cache
          })
          return HttpServerResponse.uint8Array(Buffer.concat([RESULT_OPEN, answer.body.bytes, RESULT_CLOSE]), {
            contentType: "application/json",
            headers: { "cache-control": "no-store", "x-cache": answer.cache }
          })
        })
      )
  })
)
