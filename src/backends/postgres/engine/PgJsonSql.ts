import type { RenderedRows } from "../../../query/QueryResults.js"

/** A field of a row's JSON object: its name, its SQL expression, and whether it is text or an integer. */
export type JsonField = readonly [name: string, sql: string, kind: "text" | "integer"]

/**
 * A row's JSON object as SQL text, written as `JSON.stringify` writes the object: the fields in order, no spaces
 * (`json_build_object` puts some), text through `to_json` (it escapes `"`, `\`, `\b\f\n\r\t` and other control
 * characters as `\u00xx`, lowercase, as JSON.stringify does; text holds no lone surrogate) and integers as digits.
 */
export const jsonObjectSql = (fields: ReadonlyArray<JsonField>): string => {
  const parts = fields.flatMap(([name, sql, kind], i) => [
    `'${i === 0 ? "{" : ","}${JSON.stringify(name)}:'`,
    kind === "text" ? `to_json(${sql})` : `(${sql})::bigint`
  ])
  return `concat(${parts.join(", ")}, '}')`
}

/**
 * The select list of rows rendered as one text: the objects comma-joined in `order` (empty for no rows), then how
 * many. Node then neither parses the rows into objects nor serializes them.
 */
export const renderedRowsSql = (object: string, order: string): string =>
  `coalesce(string_agg(${object}, ',' ORDER BY ${order}), ''), count(*)`

/** The row of `renderedRowsSql` (the text, its row count) as the rows of an answer. */
export const renderedRowsOf = (text: unknown, count: unknown): RenderedRows => ({
  _tag: "RenderedRows",
  count: Number(count),
  pieces: [Buffer.from(text as string, "utf8")]
})
