import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll } from "vitest"
import type { ToolDefinition } from "../../src/tools/ToolDefinitions.js"
import { getJson, makeFixture, removeFixture, serverLayer, serverPort } from "../http/HttpTestKit.js"
import { BAD_ARGUMENTS } from "./BadArguments.js"
import { HAPPY_PATHS, argumentsOf, validators } from "./ToolsTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))

const TOOL_NAMES = [
  "search_records",
  "get_daily_summary",
  "get_monthly_summary",
  "get_summary_by_item",
  "get_summary_by_line",
  "get_monthly_summary_by_item",
  "search_items",
  "list_lines"
]

const getTools = (port: number) =>
  Effect.map(getJson(port, "/tools"), (response) => {
    expect(response.status).toBe(200)
    expect(response.headers["content-type"]).toMatch(/^application\/json/)
    return response.json as ReadonlyArray<ToolDefinition>
  })

describe("GET /tools", () => {
  layer(serverLayer(fixture), { excludeTestServices: true })((it) => {
    it.effect("lists exactly the eight tools, each {name, description, parameters}", () =>
      Effect.gen(function* () {
        const tools = yield* getTools(yield* serverPort)
        expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES)
        for (const tool of tools) {
          expect(Object.keys(tool).sort(), tool.name).toEqual(["description", "name", "parameters"])
          expect(tool.description.length, tool.name).toBeGreaterThan(80)
          if ("from" in tool.parameters.properties) expect(tool.description, tool.name).toContain("YYYY-MM-DD")
        }
      })
    )

    it.effect("every definition is a valid JSON Schema (2020-12 and draft-07), an object schema without $ref", () =>
      Effect.gen(function* () {
        const tools = yield* getTools(yield* serverPort)
        const { draft2020, draft07 } = validators()
        for (const { name, parameters } of tools) {
          expect(draft2020.validateSchema(parameters), name).toBe(true)
          expect(draft07.validateSchema(parameters), name).toBe(true)
          expect(() => draft2020.compile(parameters), name).not.toThrow()
          expect(() => draft07.compile(parameters), name).not.toThrow()
          const text = JSON.stringify(parameters)
          for (const keyword of ["$ref", "$defs", "definitions", "$schema", "$id"])
            expect(text, name).not.toContain(keyword)
          // What OpenAI's `parameters` and Anthropic's `input_schema` expect at the top.
          expect(parameters.type, name).toBe("object")
          expect(typeof parameters.properties, name).toBe("object")
          expect(Array.isArray(parameters.required), name).toBe(true)
          for (const required of parameters.required) expect(parameters.properties, name).toHaveProperty(required)
        }
      })
    )

    it.effect("types are right: limit an integer with bounds, dates with format and pattern", () =>
      Effect.gen(function* () {
        const tools = new Map((yield* getTools(yield* serverPort)).map((t) => [t.name, t.parameters]))
        expect(tools.get("search_records")!.properties["limit"]).toMatchObject({
          type: "integer",
          minimum: 1,
          maximum: 1000
        })
        expect(tools.get("search_records")!.properties["limit"]!.description).toContain("Default 20")
        expect(tools.get("search_items")!.required).toEqual(["q"])
        expect(tools.get("search_items")!.properties["q"]).toMatchObject({
          type: "string",
          minLength: 1,
          maxLength: 100
        })
        expect(tools.get("list_lines")).toEqual({
          type: "object",
          properties: {},
          required: [],
          additionalProperties: false
        })
        for (const [name, parameters] of tools) {
          for (const key of ["from", "to"]) {
            if (name === "search_items" || name === "list_lines") continue
            expect(parameters.properties[key], `${name}.${key}`).toMatchObject({
              type: "string",
              format: "date",
              pattern: "^\\d{4}-\\d{2}-\\d{2}$"
            })
          }
          for (const [key, property] of Object.entries(parameters.properties)) {
            expect(property.description, `${name}.${key}`).toBeDefined()
          }
        }
      })
    )

    it.effect("each tool's parameters accept the arguments of its endpoint's happy-path tests", () =>
      Effect.gen(function* () {
        const tools = yield* getTools(yield* serverPort)
        const { draft2020, draft07 } = validators()
        expect(Object.keys(HAPPY_PATHS).sort()).toEqual([...TOOL_NAMES].sort())
        for (const { name, parameters } of tools) {
          const strict = draft2020.compile(parameters)
          const old = draft07.compile(parameters)
          for (const search of HAPPY_PATHS[name]!.searches) {
            const args = argumentsOf(search, parameters)
            expect(strict(args), `${name} ${JSON.stringify(args)} ${JSON.stringify(strict.errors)}`).toBe(true)
            expect(old(args), `${name} ${JSON.stringify(args)}`).toBe(true)
          }
        }
      })
    )

    it.effect("the schemas reject what the service rejects, where a schema can tell", () =>
      Effect.gen(function* () {
        const tools = new Map((yield* getTools(yield* serverPort)).map((t) => [t.name, t.parameters]))
        const { draft2020 } = validators()
        for (const bad of BAD_ARGUMENTS.filter((b) => b.schemaRejects)) {
          const validate = draft2020.compile(tools.get(bad.tool)!)
          expect(validate(bad.args), `${bad.tool} ${JSON.stringify(bad.args)}`).toBe(false)
        }
      })
    )
  })
})
