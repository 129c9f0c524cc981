import { JSONSchema, Schema } from "effect"

/**
 * A tool's `parameters`: the JSON Schema of an endpoint's documented fields (`EndpointParams.fields`), reshaped
 * for function calling. OpenAI and Anthropic both want a self-contained object schema at the top (`type`,
 * `properties`, `required`), so references are inlined and the generator's `$schema`/`$id`/`$defs` dropped.
 */

export type JsonSchema = { readonly [key: string]: unknown }

export interface PropertySchema extends JsonSchema {
  readonly type?: string
  readonly description?: string
  readonly format?: string
}

export interface ParametersSchema {
  readonly type: "object"
  readonly properties: Readonly<Record<string, PropertySchema>>
  readonly required: ReadonlyArray<string>
  readonly additionalProperties: false
}

export const DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}$"

const DEFS_PREFIX = "#/$defs/"

/** `value` with every `$ref` into `$defs` replaced by its target, and no `$id`. */
const inlined = (value: unknown, defs: Readonly<Record<string, unknown>>, seen: ReadonlySet<string>): unknown => {
  if (Array.isArray(value)) return value.map((v) => inlined(v, defs, seen))
  if (value === null || typeof value !== "object") return value
  const { $ref, $id: _, ...rest } = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  if (typeof $ref === "string") {
    const name = $ref.startsWith(DEFS_PREFIX) ? $ref.slice(DEFS_PREFIX.length) : undefined
    if (name === undefined || !(name in defs) || seen.has(name)) throw new Error(`cannot inline ${$ref}`)
    Object.assign(out, inlined(defs[name], defs, new Set([...seen, name])))
  }
  for (const [key, v] of Object.entries(rest)) out[key] = inlined(v, defs, seen)
  return out
}

/** Dates get a pattern (the rules also check the calendar) and say their format first, for a model. */
const refined = (property: PropertySchema, description: string | undefined): PropertySchema => {
  const { description: documented, ...rest } = property
  const text = description ?? documented
  if (property.format !== "date") return text === undefined ? rest : { ...rest, description: text }
  const prefix = "Date, YYYY-MM-DD."
  return { ...rest, pattern: DATE_PATTERN, description: text === undefined ? prefix : `${prefix} ${text}` }
}

/** The object schema of `fields`; `descriptions` replace a field's documented description for this tool. */
export const parametersOf = (
  fields: Schema.Struct.Fields,
  descriptions: Readonly<Record<string, string>> = {}
): ParametersSchema => {
  const generated = JSONSchema.make(Schema.Struct(fields)) as {
    readonly properties?: Record<string, unknown>
    readonly required?: ReadonlyArray<string>
    readonly $defs?: Record<string, unknown>
  }
  const properties: Record<string, PropertySchema> = {}
  for (const [name, property] of Object.entries(generated.properties ?? {})) {
    properties[name] = refined(
      inlined(property, generated.$defs ?? {}, new Set()) as PropertySchema,
      descriptions[name]
    )
  }
  for (const name of Object.keys(descriptions)) {
    if (!(name in properties)) throw new Error(`no field "${name}" to describe`)
  }
  return { type: "object", properties, required: [...(generated.required ?? [])], additionalProperties: false }
}
