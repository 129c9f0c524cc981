import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { AiError } from "@effect/ai"
import { Effect } from "effect"
import { PlantToolkit, TOOL_DEFINITIONS_JSON, isQueryAnswer } from "../assistant/PlantToolkit.js"
import { Api } from "../http/Api.js"
import { InvalidParameter, NotFound } from "../http/ApiErrors.js"
import { boundedBodyText } from "../http/BoundedBody.js"
import { parseArguments } from "./ToolCall.js"
import { TOOLS } from "./ToolDefinitions.js"

/** Arguments are a few short strings; anything much larger is a mistake, not a query. */
const MAX_BODY_BYTES = 64 * 1024

// A tool's answer is the endpoint's JSON body wrapped as `{"result": ...}`.
const RESULT_OPEN = Buffer.from(`{"result":`)
const RESULT_CLOSE = Buffer.from("}")

const tooLarge = () =>
  new InvalidParameter({
    message: `The request body must be a JSON object of at most ${MAX_BODY_BYTES} bytes: tool arguments are small.`
  })

const unknownTool = (name: string): NotFound =>
  new NotFound({
    message:
      `There is no tool named "${name.length > 40 ? `${name.slice(0, 40)}…` : name}". ` +
      `The tools are ${TOOLS.map((t) => t.name).join(", ")} (see GET /tools).`
  })

/** The toolkit over HTTP: its definitions, and its handlers (`toolkit.handle`, as MCP and the chat call them). */
export const ToolsHandlers = HttpApiBuilder.group(Api, "tools", (handlers) =>
  Effect.gen(function* () {
    const toolkit = yield* PlantToolkit
    return handlers
      .handle("list", () =>
        Effect.succeed(HttpServerResponse.text(TOOL_DEFINITIONS_JSON, { contentType: "application/json" }))
      )
      .handle("call", ({ path, request }) =>
        Effect.gen(function* () {
          if (!Object.hasOwn(toolkit.tools, path.name)) return yield* unknownTool(path.name)
          const args = yield* parseArguments(yield* boundedBodyText(request, MAX_BODY_BYTES, tooLarge))
          // The toolkit's own failures (a result its schema refuses) are bugs, not answers.
          const { result } = yield* toolkit.handle(path.name, args).pipe(Effect.catchIf(AiError.isAiError, Effect.die))
          if (!isQueryAnswer(result)) return yield* Effect.die(result)
          return HttpServerResponse.uint8Array(Buffer.concat([RESULT_OPEN, result.body.bytes, RESULT_CLOSE]), {
            contentType: "application/json",
            headers: { "cache-control": "no-store", "x-cache": result.cache }
          })
        })
      )
  })
)
