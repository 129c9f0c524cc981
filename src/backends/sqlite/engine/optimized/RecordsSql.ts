import type { DateWindow } from "../../../../domain/DateWindow.js"
import { prefixUpperBound } from "../../../../domain/TextOrder.js"
import { FOLD_CONTAINS_SQL_FUNCTION } from "../../../../domain/TextFold.js"
import type { SqlValue } from "../../pool/ReadPool.js"
import type { RecordFilters } from "../../../../query/Query.js"

export interface SqlStatement {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/** FTS5 trigram needs three characters; shorter `q` scans the (small) items dimension instead. */
const TRIGRAM = 3

/** A quoted FTS5 phrase: every character literal. */
const ftsPhrase = (q: string): string => `"${q.replaceAll('"', '""')}"`

/** FTS5 reads its query as a C string: a NUL would cut the phrase short (a syntax error), so such a `q` scans. */
const narrowsByTrigrams = (q: string): boolean => [...q].length >= TRIGRAM && !q.includes("\u0000")

/** Items whose name contains `q` (folded): the trigram index narrows, the fold function decides. */
export const matchingItemsSql = (q: string): SqlStatement =>
  narrowsByTrigrams(q)
    ? {
        sql: `SELECT item_code, item_name FROM items
  WHERE id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?) AND ${FOLD_CONTAINS_SQL_FUNCTION}(item_name, ?)`,
        params: [ftsPhrase(q), q]
      }
    : { sql: `SELECT item_code, item_name FROM items WHERE ${FOLD_CONTAINS_SQL_FUNCTION}(item_name, ?)`, params: [q] }

/**
 * Where one file's part of a `/records` selection lies, strictly after `after` (keyset). Behind a position inside
 * the window, the position is the range's only upper bound: given `to` as well, SQLite may end the index range at
 * `to` and test the position row by row, reading every row before it again (it did without ANALYZE's samples).
 */
const recordsWhere = (
  window: DateWindow,
  filters: RecordFilters,
  after: { readonly production_date: string; readonly id: number } | undefined
): { readonly where: string; readonly params: Array<SqlValue> } => {
  const behind = after !== undefined && after.production_date <= window.to
  const where: Array<string> = [behind ? "production_date >= ?" : "production_date BETWEEN ? AND ?"]
  const params: Array<SqlValue> = behind ? [window.from] : [window.from, window.to]
  if (filters.item_code !== undefined) {
    where.push("item_code = ?")
    params.push(filters.item_code)
  }
  if (filters.line_code !== undefined) {
    where.push("line_code = ?")
    params.push(filters.line_code)
  }
  if (filters.lot_prefix !== undefined) {
    const upper = prefixUpperBound(filters.lot_prefix)
    where.push(upper === undefined ? "lot_number >= ?" : "lot_number >= ? AND lot_number < ?")
    params.push(filters.lot_prefix, ...(upper === undefined ? [] : [upper]))
  }
  if (filters.q !== undefined) {
    const items = matchingItemsSql(filters.q)
    where.push(`(item_code, item_name) IN (${items.sql})`)
    params.push(...items.params)
  }
  if (after !== undefined) {
    where.push("(production_date, id) < (?, ?)")
    params.push(after.production_date, after.id)
  }
  return { where: where.join(" AND "), params }
}

type After = { readonly production_date: string; readonly id: number } | undefined

/**
 * RFC 4180 in SQL: a text field holding a comma, quote, CR or LF is quoted, its quotes doubled. `instr`, not GLOB:
 * GLOB stops at a NUL inside the text, so `"\0,"` would go out unquoted.
 */
const csvText = (column: string) =>
  `CASE WHEN instr(${column}, '"') OR instr(${column}, ',') OR instr(${column}, char(13)) OR instr(${column}, char(10))
    THEN '"' || replace(${column}, '"', '""') || '"' ELSE ${column} END`

/**
 * How a statement renders each record: `/records` JSON (`json-list`: each object preceded by a comma, so the rows
 * concatenated are a list's elements after the first byte), or an export line (CSV without header, NDJSON).
 */
export type RecordFormat = "json-list" | "csv" | "ndjson"

/**
 * Each record as text, built by SQLite (C code, one string per row) rather than as an object per row in
 * JavaScript: one string crosses the thread boundary instead of nine values to clone, and an export moves millions
 * of rows. Field order, JSON and RFC 4180 quoting as the contract says (`json-list` is `recordJson`'s output).
 */
const recordText = (format: RecordFormat, source: string): string => {
  if (format === "csv") {
    return `'${source},' || id || ',' || ${["production_date", "item_code", "item_name", "lot_number", "line_code"]
      .map(csvText)
      .join(" || ',' || ")} || ',' || good_quantity || ',' || defect_quantity || char(13, 10)`
  }
  const json = `json_object('source', '${source}', 'id', id, 'production_date', production_date, 'item_code', item_code,
      'item_name', item_name, 'lot_number', lot_number, 'line_code', line_code, 'good_quantity', good_quantity,
      'defect_quantity', defect_quantity)`
  return format === "ndjson" ? `${json} || char(10)` : `',' || ${json}`
}

/**
 * One file's part of a `/records` page or export chunk: `[text, production_date, id]` per record, in the
 * contract's order (date desc, id desc), strictly after `after` (keyset), at most `limit` rows. Every filter is an
 * index range or an equality.
 */
export const recordTextsSql = (
  window: DateWindow,
  filters: RecordFilters,
  after: After,
  limit: number,
  format: RecordFormat,
  source: "live" | "archive"
): SqlStatement => {
  const { where, params } = recordsWhere(window, filters, after)
  return {
    sql: `SELECT ${recordText(format, source)}, production_date, id FROM production_records
  WHERE ${where}
  ORDER BY production_date DESC, id DESC LIMIT ?`,
    params: [...params, limit]
  }
}

/** Items matching `q` in one file, in the contract order, at most `limit`. */
export const itemsSql = (q: string, limit: number): SqlStatement => {
  const items = matchingItemsSql(q)
  return { sql: `${items.sql}\n  ORDER BY item_code, item_name LIMIT ?`, params: [...items.params, limit] }
}

export const LINES_SQL: SqlStatement = { sql: `SELECT line_code FROM lines ORDER BY line_code`, params: [] }
