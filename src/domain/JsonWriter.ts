/** `JSON.stringify` of one value, without its call for numbers (most values of a summary row). */
const jsonValue = (value: unknown): string => {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null"
  return value === undefined ? "null" : JSON.stringify(value)
}

/**
 * Writes objects as JSON with a fixed key list, in that order, whatever order or extra keys the objects have; the
 * key prefixes are computed once. Output is what `JSON.stringify` gives for the same keys and values.
 */
export const objectWriter = (fields: ReadonlyArray<string>) => {
  const prefixes = fields.map((f, i) => `${i === 0 ? "{" : ","}${JSON.stringify(f)}:`)
  return (row: object): string => {
    let out = ""
    for (let i = 0; i < fields.length; i++) {
      const value = (row as Record<string, unknown>)[fields[i]!]
      out += prefixes[i] + jsonValue(value)
    }
    return out + "}"
  }
}

/** A JSON array of texts that are each JSON already. */
export const jsonArray = (items: ReadonlyArray<string>): string => `[${items.join(",")}]`
