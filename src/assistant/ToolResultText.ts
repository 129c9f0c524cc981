/**
 * A tool's result as the text sent back to the model, at most `maxBytes` of UTF-8: a body with `rows` too large
 * keeps its first rows and says how many were left out; anything else too large is cut with a note. A model needs
 * a page to answer from, not thousands of rows.
 */

export interface ToolResultText {
  readonly text: string
  /** Rows in the full result, when it has `rows`. */
  readonly rows: number | undefined
}

const bytes = (text: string): number => Buffer.byteLength(text, "utf8")

const rowsOf = (result: unknown): ReadonlyArray<unknown> | undefined => {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return undefined
  const rows = (result as Record<string, unknown>)["rows"]
  return Array.isArray(rows) ? rows : undefined
}

const withRows = (result: object, rows: ReadonlyArray<unknown>, total: number): string =>
  JSON.stringify({
    ...result,
    rows,
    omitted_rows: total - rows.length,
    note:
      `Only the first ${rows.length} of ${total} rows fit in this answer. Narrow the window or filters, ` +
      "ask for a summary, or page with the cursor if there is one."
  })

export const toolResultText = (result: unknown, maxBytes: number): ToolResultText => {
  const full = JSON.stringify(result) ?? "null"
  const rows = rowsOf(result)
  if (bytes(full) <= maxBytes) return { text: full, rows: rows?.length }
  if (rows !== undefined) {
    // The most leading rows that fit, by bisection on the count.
    let fits = 0
    let tooMany = rows.length
    while (tooMany - fits > 1) {
      const middle = (fits + tooMany) >> 1
      if (bytes(withRows(result as object, rows.slice(0, middle), rows.length)) <= maxBytes) fits = middle
      else tooMany = middle
    }
    const text = withRows(result as object, rows.slice(0, fits), rows.length)
    if (bytes(text) <= maxBytes) return { text, rows: rows.length }
  }
  const note = ` … [cut: the result has ${bytes(full)} bytes, only ${maxBytes} are sent]`
  return {
    text:
      Buffer.from(full, "utf8")
        .subarray(0, maxBytes - bytes(note) - 3)
        .toString("utf8") + note,
    rows: rows?.length
  }
}
