import type { SqlValue } from "./ReadPool.js"

const utf8 = new TextEncoder()

/**
 * A statement's rows as `Text` output delivers them (`ReadOutput`): the first column of the first `maxRows` rows
 * (all of them without it) concatenated as UTF-8, in a buffer of its own so that it can be transferred, and one
 * summary row, `[row count, ...the other columns of the last row in the text]`.
 */
export const textOutput = (
  rows: ReadonlyArray<ReadonlyArray<SqlValue>>,
  maxRows: number = rows.length
): { readonly summary: ReadonlyArray<SqlValue>; readonly text: Uint8Array } => {
  const taken = Math.min(maxRows, rows.length)
  const last = rows[taken - 1]
  let text = ""
  for (let i = 0; i < taken; i++) text += String(rows[i]![0])
  return { summary: [rows.length, ...(last === undefined ? [] : last.slice(1))], text: utf8.encode(text) }
}
