import type { DateWindow } from "../../../../domain/DateWindow.js"
import type { IsoDate } from "../../../../domain/IsoDate.js"
import { FOLD_CONTAINS_SQL_FUNCTION } from "../../../../domain/TextFold.js"
import type { RecordFilters, RecordPosition } from "../../../../query/Query.js"

/**
 * The reference engine's SQL: the union of both files' tables, each branch restricted to its side of the cutover
 * and to the window, then plain-scan filters and aggregation over that union. No index, rollup or other derived
 * object is named, so it runs on un-migrated files. Values are always bound parameters.
 */

export type SqlParam = string | number
export interface Sql {
  readonly text: string
  readonly params: Readonly<Record<string, SqlParam>>
}

/** The schema names on the reference connection: the live file is `main`, the archive is attached as `archive`. */
export const ARCHIVE_SCHEMA = "archive"

/** Which files' tables a statement reads (the archive only when it is attached). */
export interface Branches {
  readonly live: boolean
  readonly archive: boolean
}

const COLUMNS = "id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity"
const SUMS = "SUM(good_quantity) AS good_quantity, SUM(defect_quantity) AS defect_quantity, COUNT(*) AS record_count"

/** Which sides of the cutover a window reaches. */
export const windowBranches = (window: DateWindow, cutover: IsoDate): Branches => ({
  live: window.to >= cutover,
  archive: window.from < cutover
})

/** Every record of the window, tagged with its file and the file's rank in the `/records` order (live first). */
const windowUnion = (branches: Branches): string => {
  const parts: Array<string> = []
  if (branches.live) {
    parts.push(`SELECT 'live' AS source, 0 AS source_rank, ${COLUMNS} FROM main.production_records
      WHERE production_date >= @cutover AND production_date >= @from AND production_date <= @to`)
  }
  if (branches.archive) {
    parts.push(`SELECT 'archive' AS source, 1 AS source_rank, ${COLUMNS} FROM ${ARCHIVE_SCHEMA}.production_records
      WHERE production_date < @cutover AND production_date >= @from AND production_date <= @to`)
  }
  return parts.join("\nUNION ALL\n")
}

/** A filter is absent when its key is missing, undefined or empty (the API treats `item_code=` as absent). */
const present = (value: string | undefined): value is string => value !== undefined && value !== ""

/** The WHERE clause over the union for the filters, and the parameters it binds. */
const filterClause = (filters: RecordFilters): { readonly text: string; readonly params: Record<string, SqlParam> } => {
  const conditions: Array<string> = ["1 = 1"]
  const params: Record<string, SqlParam> = {}
  if (present(filters.item_code)) {
    conditions.push("item_code = @item_code")
    params.item_code = filters.item_code
  }
  if (present(filters.line_code)) {
    conditions.push("line_code = @line_code")
    params.line_code = filters.line_code
  }
  if (present(filters.lot_prefix)) {
    // Not LIKE/GLOB: every character of the prefix is literal and the comparison is case-sensitive.
    conditions.push("substr(lot_number, 1, length(@lot_prefix)) = @lot_prefix")
    params.lot_prefix = filters.lot_prefix
  }
  if (present(filters.q)) {
    conditions.push(`${FOLD_CONTAINS_SQL_FUNCTION}(item_name, @q)`)
    params.q = filters.q
  }
  return { text: conditions.join(" AND "), params }
}

/** The window's filtered records as a CTE named `r`; undefined when no branch can hold a record. */
const filteredRecords = (
  window: DateWindow,
  cutover: IsoDate,
  branches: Branches,
  filters: RecordFilters
): Sql | undefined => {
  if (!branches.live && !branches.archive) return undefined
  const where = filterClause(filters)
  return {
    text: `WITH r AS (SELECT * FROM (${windowUnion(branches)}) WHERE ${where.text})`,
    params: { cutover, from: window.from, to: window.to, ...where.params }
  }
}

const extend = (base: Sql | undefined, text: string, params: Record<string, SqlParam> = {}): Sql | undefined =>
  base === undefined ? undefined : { text: `${base.text}\n${text}`, params: { ...base.params, ...params } }

/** One page of `/records`: `limit + 1` rows, so the caller knows whether more follow. */
export const recordsSql = (
  window: DateWindow,
  cutover: IsoDate,
  branches: Branches,
  filters: RecordFilters,
  limit: number,
  after: RecordPosition | undefined
): Sql | undefined => {
  const keyset =
    after === undefined
      ? "1 = 1"
      : `(production_date < @after_date OR (production_date = @after_date AND
          (source_rank > @after_rank OR (source_rank = @after_rank AND id < @after_id))))`
  const afterParams =
    after === undefined
      ? {}
      : { after_date: after.production_date, after_rank: after.source === "live" ? 0 : 1, after_id: after.id }
  return extend(
    filteredRecords(window, cutover, branches, filters),
    `SELECT source, ${COLUMNS} FROM r WHERE ${keyset}
     ORDER BY production_date DESC, source_rank ASC, id DESC LIMIT @limit_plus_one`,
    { ...afterParams, limit_plus_one: limit + 1 }
  )
}

/** Totals grouped by one key expression (column `grp`), ordered by it. */
export const groupedTotalsSql = (
  window: DateWindow,
  cutover: IsoDate,
  branches: Branches,
  filters: RecordFilters,
  key: "day" | "month" | "line"
): Sql | undefined => {
  const expr = key === "day" ? "production_date" : key === "month" ? "substr(production_date, 1, 7)" : "line_code"
  return extend(
    filteredRecords(window, cutover, branches, filters),
    `SELECT ${expr} AS grp, ${SUMS} FROM r GROUP BY grp ORDER BY grp`
  )
}

/** Each counted item's name: the one on its latest record (date, then id) among the counted records `r`. */
const LATEST_NAMES = `names AS (
  SELECT item_code, item_name FROM (
    SELECT item_code, item_name,
      ROW_NUMBER() OVER (PARTITION BY item_code ORDER BY production_date DESC, id DESC) AS rn
    FROM r)
  WHERE rn = 1)`

export const byItemSql = (
  window: DateWindow,
  cutover: IsoDate,
  branches: Branches,
  filters: RecordFilters,
  limit: number | undefined
): Sql | undefined =>
  extend(
    filteredRecords(window, cutover, branches, filters),
    `, ${LATEST_NAMES},
    agg AS (SELECT item_code, ${SUMS} FROM r GROUP BY item_code)
    SELECT agg.item_code, names.item_name, agg.good_quantity, agg.defect_quantity, agg.record_count
    FROM agg JOIN names ON names.item_code = agg.item_code
    ORDER BY agg.good_quantity DESC, agg.item_code ASC ${limit === undefined ? "" : "LIMIT @limit"}`,
    limit === undefined ? {} : { limit }
  )

export const monthlyByItemSql = (
  window: DateWindow,
  cutover: IsoDate,
  branches: Branches,
  filters: RecordFilters
): Sql | undefined =>
  extend(
    filteredRecords(window, cutover, branches, filters),
    `, ${LATEST_NAMES},
    agg AS (SELECT substr(production_date, 1, 7) AS month, item_code, ${SUMS} FROM r GROUP BY month, item_code)
    SELECT agg.month, agg.item_code, names.item_name, agg.good_quantity, agg.defect_quantity, agg.record_count
    FROM agg JOIN names ON names.item_code = agg.item_code
    ORDER BY agg.month ASC, agg.item_code ASC`
  )

/** Every record of both files, any date, regardless of the cutover (`/items` and `/lines` are not windowed). */
const allRecords = (branches: Branches, columns: string): string =>
  [
    ...(branches.live ? [`SELECT ${columns} FROM main.production_records`] : []),
    ...(branches.archive ? [`SELECT ${columns} FROM ${ARCHIVE_SCHEMA}.production_records`] : [])
  ].join("\nUNION ALL\n")

/** Distinct (code, name) pairs whose name matches `q`, `limit + 1` of them to tell whether the limit cut. */
export const itemsSql = (branches: Branches, q: string, limit: number): Sql => ({
  text: `SELECT DISTINCT item_code, item_name FROM (${allRecords(branches, "item_code, item_name")})
    WHERE ${FOLD_CONTAINS_SQL_FUNCTION}(item_name, @q)
    ORDER BY item_code ASC, item_name ASC LIMIT @limit_plus_one`,
  params: { q, limit_plus_one: limit + 1 }
})

export const linesSql = (branches: Branches): Sql => ({
  text: `SELECT DISTINCT line_code FROM (${allRecords(branches, "line_code")}) ORDER BY line_code ASC`,
  params: {}
})
