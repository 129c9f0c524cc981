import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { decodeParams } from "../../src/http/QueryParams.js"
import { decodeCall, parseArguments } from "../../src/tools/ToolCall.js"
import { TOOLS, type Tool } from "../../src/tools/ToolDefinitions.js"
import { BAD_ARGUMENTS } from "./BadArguments.js"
import { HAPPY_PATHS, argumentsOf } from "./ToolsTestKit.js"

const TODAY = "2026-02-10" as IsoDate

const tool = (name: string): Tool => TOOLS.find((t) => t.name === name) ?? expect.unreachable(`no tool ${name}`)

const decodeBody = (name: string, body: string) =>
  Either.flatMap(parseArguments(body), (args) => decodeCall(tool(name), args, TODAY))

describe("decodeCall", () => {
  it("decodes to the endpoint's query for the same arguments, with the tool's own defaults", () => {
    for (const t of TOOLS) {
      for (const search of HAPPY_PATHS[t.name]!.searches) {
        const params = new URLSearchParams(search)
        for (const [name, value] of Object.entries(t.defaults)) if (!params.has(name)) params.set(name, value)
        expect(decodeCall(t, argumentsOf(search, t.parameters), TODAY), `${t.name} ${search}`).toEqual(
          decodeParams(t.endpoint, params, TODAY)
        )
      }
    }
  })

  it("search_records and get_summary_by_item default to 20 rows; an explicit limit wins", () => {
    const records = Either.getOrThrow(decodeBody("search_records", "{}"))
    expect(records._tag === "records" && records.limit).toBe(20)
    const byItem = Either.getOrThrow(decodeBody("get_summary_by_item", "{}"))
    expect(byItem._tag === "summary_by_item" && byItem.limit).toBe(20)
    const more = Either.getOrThrow(decodeBody("search_records", '{"limit":500}'))
    expect(more._tag === "records" && more.limit).toBe(500)
    const items = Either.getOrThrow(decodeBody("search_items", '{"q":"a"}'))
    expect(items._tag === "items" && items.limit).toBe(50)
  })

  it("refuses bad arguments with the parameter named, as the HTTP rules do", () => {
    for (const bad of BAD_ARGUMENTS) {
      const result = decodeCall(tool(bad.tool), bad.args, TODAY)
      const label = `${bad.tool} ${JSON.stringify(bad.args)}`
      expect(Either.isLeft(result), label).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left.code, label).toBe("invalid_parameter")
        expect(result.left.parameter, label).toBe(bad.parameter)
      }
    }
  })

  it("names an unknown argument after the tool and lists what it accepts", () => {
    const result = decodeBody("get_summary_by_line", '{"itemcode":"IT-1"}')
    expect(Either.isLeft(result) && result.left.message).toBe(
      'Unknown parameter "itemcode": get_summary_by_line accepts only from, to, item_code.'
    )
  })

  it("keeps JSON's odd keys harmless: `__proto__` is ignored like any `_` name, `constructor` is unknown", () => {
    expect(decodeBody("list_lines", '{"__proto__":{"x":1}}')).toEqual(decodeBody("list_lines", "{}"))
    const result = decodeBody("list_lines", '{"constructor":1}')
    expect(Either.isLeft(result) && result.left.parameter).toBe("constructor")
  })

  it("requires the body to be a JSON object (empty means no arguments)", () => {
    expect(parseArguments("")).toEqual(Either.right({}))
    expect(parseArguments("  \n")).toEqual(Either.right({}))
    for (const body of ["[]", "null", "1", '"x"', "{", "{'a':1}"]) {
      const result = parseArguments(body)
      expect(Either.isLeft(result) && result.left.parameter, body).toBeUndefined()
      expect(Either.isLeft(result), body).toBe(true)
    }
  })
})
