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

/** Lot numbers starting with `prefix`, as an index range. */
const lotRange = (prefix: string): SqlStatement => {
  const upper = prefixUpperBound(prefix)
  return upper === undefined
    ? { sql: "lot_number >= ?", params: [prefix] }
    : { sql: "lot_number >= ? AND lot_number < ?", params: [prefix, upper] }
}

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
    const lot = lotRange(filters.lot_prefix)
    where.push(lot.sql)
    params.push(...lot.params)
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
 * How a lot prefix alone is read, chosen per request. `newest`: the window's newest `NEWEST_RECORDS` records through
 * the date index, testing each one's lot: the answer when they hold the page. `lot`: the prefix's range of the
 * lot+date index, testing each date there, then a sort of what lies in the window. `date`: the window backwards
 * through the date index, testing each lot, to the page's end.
 */
export type LotPlan = "newest" | "lot" | "date"

/** Whether a lot prefix is the only filter: then the engine chooses the index (`lotPlanOf`), not SQLite. */
export const choosesLotPlan = (filters: RecordFilters): boolean =>
  filters.lot_prefix !== undefined &&
  filters.item_code === undefined &&
  filters.line_code === undefined &&
  filters.q === undefined

const NEWEST_RECORDS = 2_000

/** Whether the window's newest records can hold `limit` rows: not for an export's chunks (5,000 by default). */
export const newestMayHold = (limit: number): boolean => limit <= NEWEST_RECORDS
/** Entries of the lot+date index the probe reads at most (~0.1 µs each). */
const LOT_PROBE_ENTRIES = 20_000

/**
 * The probe of a lot prefix: `[entries, in window]` from the first `LOT_PROBE_ENTRIES` entries of its range in the
 * lot+date index, never the table: how many there are, how many lie in the window (up to the keyset position).
 */
export const lotProbeSql = (window: DateWindow, prefix: string, after: After): SqlStatement => {
  const lot = lotRange(prefix)
  const to = after !== undefined && after.production_date < window.to ? after.production_date : window.to
  return {
    sql: `SELECT count(*), coalesce(sum(production_date BETWEEN ? AND ?), 0) FROM (
  SELECT production_date FROM production_records INDEXED BY idx_records_lot_date
  WHERE ${lot.sql} LIMIT ${LOT_PROBE_ENTRIES})`,
    params: [window.from, to, ...lot.params]
  }
}

/**
 * After the newest records did not hold the page. SQLite's own choice costs up to 100× the better one either way:
 * for a prefix matching 101,305 of 31 M records it read every one of them from the table (330 ms); for a rare one,
 * the whole window (55 ms, against 0.15). The lot plan reads every entry of the prefix and every record of it in
 * the window: taken when the probe saw the prefix's whole range and at most twenty pages lie in the window. Else
 * the date plan, which stops at the page's end and at worst reads the window.
 */
export const lotPlanOf = (probe: ReadonlyArray<SqlValue> | undefined, limit: number): LotPlan => {
  const [entries, inWindow] = [Number(probe?.[0] ?? 0), Number(probe?.[1] ?? 0)]
  return entries < LOT_PROBE_ENTRIES && inWindow <= 20 * limit ? "lot" : "date"
}

const INDEX_OF_PLAN: Record<LotPlan, string> = {
  newest: "idx_records_date",
  lot: "idx_records_lot_date",
  date: "idx_records_date"
}

/**
 * One file's part of a `/records` page or export chunk: `[text, production_date, id]` per record, in the
 * contract's order (date desc, id desc), strictly after `after` (keyset), at most `limit` rows. Every filter is an
 * index range or an equality; a lot prefix alone is read as `plan` says.
 */
export const recordTextsSql = (
  window: DateWindow,
  filters: RecordFilters,
  after: After,
  limit: number,
  format: RecordFormat,
  source: "live" | "archive",
  plan?: LotPlan
): SqlStatement => {
  const order = "ORDER BY production_date DESC, id DESC"
  const from = plan === undefined ? "production_records" : `production_records INDEXED BY ${INDEX_OF_PLAN[plan]}`
  if (plan === "newest") {
    const inWindow = recordsWhere(window, {}, after)
    const lot = lotRange(filters.lot_prefix!)
    return {
      sql: `SELECT ${recordText(format, source)}, production_date, id FROM (
  SELECT * FROM ${from} WHERE ${inWindow.where} ${order} LIMIT ${NEWEST_RECORDS})
  WHERE ${lot.sql}
  ${order} LIMIT ?`,
      params: [...inWindow.params, ...lot.params, limit]
    }
  }
  const { where, params } = recordsWhere(window, filters, after)
  return {
    sql: `SELECT ${recordText(format, source)}, production_date, id FROM ${from}
  WHERE ${where}
  ${order} LIMIT ?`,
    params: [...params, limit]
  }
}

/** Items matching `q` in one file, in the contract order, at most `limit`. */
export const itemsSql = (q: string, limit: number): SqlStatement => {
  const items = matchingItemsSql(q)
  return { sql: `${items.sql}\n  ORDER BY item_code, item_name LIMIT ?`, params: [...items.params, limit] }
}

export const LINES_SQL: SqlStatement = { sql: `SELECT line_code FROM lines ORDER BY line_code`, params: [] }
