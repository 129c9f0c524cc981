import { Either } from "effect"
import type { IsoDate } from "../domain/IsoDate.js"
import { InvalidParameter } from "../http/ApiErrors.js"
import { invalid, readParams } from "../http/ParamRules.js"
import type { Query } from "../query/Query.js"
import type { Tool } from "./ToolDefinitions.js"

/**
 * A tool call's JSON arguments → the endpoint's query. The arguments become the raw parameters of a request
 * (after a JSON type check against the tool's `parameters`) and go through the endpoint's own structural rules
 * and decoder, so unknown names, ranges, dates, `from > to` and cursor binding behave exactly as over HTTP.
 * `null`, like an empty string, is the same as leaving the argument out.
 */

const EXPECTED: Record<string, { readonly test: (value: unknown) => boolean; readonly text: string }> = {
  string: { test: (v) => typeof v === "string", text: "a string" },
  integer: { test: (v) => typeof v === "number", text: "an integer (a JSON number)" },
  number: { test: (v) => typeof v === "number", text: "a number (a JSON number)" },
  boolean: { test: (v) => typeof v === "boolean", text: "true or false" }
}

const kindOf = (value: unknown): string =>
  Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`

const NOT_AN_OBJECT =
  'The request body must be a JSON object of the tool\'s arguments, such as {"from":"2026-01-01"}; ' +
  "send {} (or nothing) for none."

/** The body as an arguments object; an empty body means no arguments. */
export const parseArguments = (body: string): Either.Either<Readonly<Record<string, unknown>>, InvalidParameter> => {
  if (body.trim() === "") return Either.right({})
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return Either.left(new InvalidParameter({ message: `The request body is not valid JSON. ${NOT_AN_OBJECT}` }))
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return Either.left(new InvalidParameter({ message: NOT_AN_OBJECT }))
  }
  return Either.right(value as Record<string, unknown>)
}

/** One argument as a raw parameter value (`undefined`: absent). Names the tool does not know pass as text. */
const rawValue = (tool: Tool, name: string, value: unknown): Either.Either<string | undefined, InvalidParameter> => {
  if (!Object.hasOwn(tool.parameters.properties, name)) {
    return Either.right(typeof value === "string" ? value : JSON.stringify(value))
  }
  if (value === null) return Either.right(undefined)
  const expected = EXPECTED[tool.parameters.properties[name]?.type ?? "string"] ?? EXPECTED["string"]!
  if (!expected.test(value)) {
    return Either.left(invalid(name, `Argument "${name}" must be ${expected.text}, not ${kindOf(value)}.`))
  }
  return Either.right(String(value))
}

/** Decodes the arguments of a call to `tool` into its endpoint's query, with the tool's own defaults. */
export const decodeCall = (
  tool: Tool,
  args: Readonly<Record<string, unknown>>,
  today: IsoDate
): Either.Either<Query, InvalidParameter> =>
  Either.gen(function* () {
    const search = new URLSearchParams()
    for (const [name, value] of Object.entries(args)) {
      const raw = yield* rawValue(tool, name, value)
      if (raw !== undefined) search.append(name, raw)
    }
    const params = new Map(yield* readParams(search, tool.name, Object.keys(tool.endpoint.fields)))
    for (const [name, value] of Object.entries(tool.defaults)) if (!params.has(name)) params.set(name, value)
    return yield* tool.endpoint.decode(params, today)
  })
