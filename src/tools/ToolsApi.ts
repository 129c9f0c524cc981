import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  DatabaseUnavailableBody,
  InvalidParameterBody,
  NotFoundBody,
  OverloadedBody,
  QueryTimedOutBody
} from "../http/ApiErrors.js"
import { TOOLS } from "./ToolDefinitions.js"

/** `GET /tools` and `POST /tools/{name}` as an HttpApi group; the call's body is decoded by `ToolCall`. */

const ToolDefinitionSchema = Schema.Struct({
  name: Schema.String,
  description: Schema.String.annotations({ description: "What the tool answers, written for a model." }),
  parameters: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description:
      "JSON Schema of the arguments: an object schema with `properties` and `required`, no `$ref`. Usable as " +
      "OpenAI's function `parameters` (non-strict) or Anthropic's `input_schema`."
  })
}).annotations({ identifier: "ToolDefinition" })

const ToolResult = Schema.Struct({
  result: Schema.Unknown.annotations({
    description: "The matching endpoint's 200 body for the same arguments (with the tool's defaults)."
  })
}).annotations({ identifier: "ToolResult", description: "The endpoint's 200 body, under `result`." })

const toolName = Schema.String.annotations({
  jsonSchema: { type: "string", enum: TOOLS.map((t) => t.name), description: "A tool name from `GET /tools`." }
})

/** The call's body (decoded by `ToolCall`, not by HttpApi) and what its 404 means. */
const documentCall = (operation: Record<string, unknown>): Record<string, unknown> => {
  const responses = operation["responses"] as Record<string, object>
  return {
    ...operation,
    requestBody: {
      required: false,
      content: {
        "application/json": {
          schema: {
            type: "object",
            description:
              "The tool's arguments, as its `parameters` describe them; `{}` or no body for none. A wrong argument " +
              "is a 400 naming it."
          }
        }
      }
    },
    responses: { ...responses, "404": { ...responses["404"], description: "There is no tool of this name." } }
  }
}

export class ToolsGroup extends HttpApiGroup.make("tools")
  .add(
    HttpApiEndpoint.get("list", "/tools")
      .addSuccess(
        Schema.Array(ToolDefinitionSchema).annotations({
          identifier: "ToolDefinitions",
          description: "One definition per tool."
        })
      )
      .annotate(OpenApi.Summary, "The queries as function-calling tool definitions")
  )
  .add(
    HttpApiEndpoint.post("call", "/tools/:name")
      .setPath(Schema.Struct({ name: toolName }))
      .addSuccess(ToolResult)
      .addError(InvalidParameterBody)
      .addError(NotFoundBody)
      .addError(OverloadedBody)
      .addError(DatabaseUnavailableBody)
      .addError(QueryTimedOutBody)
      .annotate(OpenApi.Summary, "Calls a tool with JSON arguments")
      .annotate(OpenApi.Transform, documentCall)
  )
  .annotate(
    OpenApi.Description,
    "The queries as tools for chat assistants: definitions generated from the endpoints' parameters, calls " +
      "decoded by the same rules and answered from the same cache."
  ) {}
