import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { DATE_PATTERN, parametersOf } from "../../src/tools/ToolParameters.js"

describe("parametersOf", () => {
  it("inlines named schemas, so a definition never holds $ref, $defs or $id", () => {
    const Code = Schema.String.annotations({ identifier: "Code", description: "A code." })
    const parameters = parametersOf({
      a: Code,
      b: Schema.optional(Code),
      c: Schema.optional(Schema.Array(Code))
    })
    expect(parameters).toEqual({
      type: "object",
      properties: {
        a: { type: "string", description: "A code." },
        b: { type: "string", description: "A code." },
        c: { type: "array", items: { type: "string", description: "A code." } }
      },
      required: ["a"],
      additionalProperties: false
    })
  })

  it("gives dates a pattern and says their format; a tool's description replaces the field's", () => {
    const date = Schema.String.annotations({ jsonSchema: { type: "string", format: "date", description: "Start." } })
    expect(parametersOf({ from: Schema.optional(date) }).properties["from"]).toEqual({
      type: "string",
      format: "date",
      pattern: DATE_PATTERN,
      description: "Date, YYYY-MM-DD. Start."
    })
    const limit = Schema.Number.annotations({ jsonSchema: { type: "integer", minimum: 1, description: "Rows." } })
    expect(parametersOf({ limit }, { limit: "Rows, default 20." }).properties["limit"]).toEqual({
      type: "integer",
      minimum: 1,
      description: "Rows, default 20."
    })
    expect(() => parametersOf({ limit }, { lmit: "typo" })).toThrow(/lmit/)
  })

  it("an endpoint without parameters is an empty object schema", () => {
    expect(parametersOf({})).toEqual({ type: "object", properties: {}, required: [], additionalProperties: false })
  })
})
