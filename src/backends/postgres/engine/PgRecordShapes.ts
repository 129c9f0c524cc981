/**
 * The PostgreSQL engine's statements for `/records` pages, export chunks, `/items` and `/lines`, and their shapes
 * (name, SQL, sample parameters) for `npm run analyze-indexes -- --postgres URL` to EXPLAIN. One table holds both
 * files' records; `source` follows the date, so within a date it is constant and the contract's order (date desc,
 * live first, id desc) is `production_date DESC, id DESC`: a backward read of the primary key or of an index ending
 * in `(production_date, id)`.
 */
import { type RecordFilters, type RecordPosition, RecordsQuery } from "../../../query/Query.js"
import type { DateWindow } from "../../../domain/DateWindow.js"
import { prefixUpperBound } from "../../../domain/TextOrder.js"

export interface PgStatement {
  readonly sql: string
  readonly params: ReadonlyArray<string | number | ReadonlyArray<string>>
}

/** The (item_code, item_name) pairs whose records a `q` selects. */
export interface ItemPairs {
  readonly codes: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
}

/** For `q`: the candidate items in the statement (the caller checks each row with the exact fold), or exact pairs. */
export type NameFilter = "candidates" | ItemPairs

/** A filter is absent when missing or empty, as the reference engine reads it. */
const present = (value: string | undefined): value is string => value !== undefined && value !== ""

/**
 * PostgreSQL text cannot hold NUL: no stored value contains one, so a filter holding one matches nothing (and
 * binding it would fail).
 */
export const matchesNothing = (filters: RecordFilters): boolean =>
  [filters.item_code, filters.line_code, filters.lot_prefix, filters.q].some((v) => present(v) && v.includes("\u0000"))

/** `q` as a LIKE pattern's literal part: `%`, `_` and the escape character itself are escaped. */
const likeLiteral = (q: string): string => q.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * Items whose PostgreSQL-folded name contains the PostgreSQL-folded `q` (the trigram index narrows): candidates
 * that the exact fold (src/domain/TextFold.ts) decides, since ICU's lower case may differ from JavaScript's.
 */
const candidateItems = (param: string) =>
  `SELECT item_code, item_name FROM items WHERE item_name_folded LIKE '%' || fold_case(${param}) || '%'`

/** The record's columns as the contract's Record, in its field order; numbers and the date as text. */
const RECORD_COLUMNS = `source, id::text, to_char(production_date, 'YYYY-MM-DD'), item_code, item_name, lot_number,
  line_code, good_quantity::text, defect_quantity::text`

/** Where the records of a `/records` selection lie: window, filters, strictly after `after` (keyset). */
const recordsWhere = (q: RecordsQuery, names: NameFilter | undefined) => {
  const params: Array<PgStatement["params"][number]> = []
  const bind = (value: PgStatement["params"][number]) => {
    params.push(value)
    return `$${params.length}`
  }
  const where = [`production_date BETWEEN ${bind(q.window.from)}::date AND ${bind(q.window.to)}::date`]
  const f = q.filters
  if (present(f.item_code)) where.push(`item_code = ${bind(f.item_code)}`)
  if (present(f.line_code)) where.push(`line_code = ${bind(f.line_code)}`)
  if (present(f.lot_prefix)) {
    const upper = prefixUpperBound(f.lot_prefix)
    where.push(`lot_number >= ${bind(f.lot_prefix)}`)
    if (upper !== undefined) where.push(`lot_number < ${bind(upper)}`)
  }
  if (names === "candidates" && present(f.q)) {
    where.push(`(item_code, item_name) IN (${candidateItems(bind(likeLiteral(f.q)))})`)
  } else if (names !== undefined && names !== "candidates") {
    where.push(
      `(item_code, item_name) IN (SELECT * FROM unnest(${bind(names.codes)}::text[], ${bind(names.names)}::text[]))`
    )
  }
  if (q.after !== undefined)
    where.push(`(production_date, id) < (${bind(q.after.production_date)}::date, ${bind(q.after.id)}::bigint)`)
  return { where: where.join(" AND "), params, bind }
}

/**
 * The records of `q` in the contract's order, at most `limit`, as rows of the Record's fields (text). `names`:
 * for `q`, either the candidate items (one statement; the caller checks each row's name with the exact fold) or
 * the (code, name) pairs the exact fold chose.
 */
export const recordsStatement = (q: RecordsQuery, limit: number, names: NameFilter | undefined): PgStatement => {
  const { where, params, bind } = recordsWhere(q, names)
  return {
    // Qualified: a bare \`id\` in ORDER BY would name the output column, the id as text.
    sql: `SELECT ${RECORD_COLUMNS} FROM production_records AS r WHERE ${where}
  ORDER BY r.production_date DESC, r.id DESC LIMIT ${bind(limit)}`,
    params
  }
}

/** Items whose name may contain `q` (all of them for an empty `q`), in the contract's order. */
export const itemCandidatesStatement = (q: string): PgStatement =>
  q === ""
    ? { sql: `SELECT item_code, item_name FROM items ORDER BY item_code, item_name`, params: [] }
    : { sql: `${candidateItems("$1")} ORDER BY item_code, item_name`, params: [likeLiteral(q)] }

export const LINES_STATEMENT: PgStatement = { sql: `SELECT line_code FROM lines ORDER BY line_code`, params: [] }

/** A statement shape with sample parameters, for EXPLAIN. */
export interface PgShape {
  readonly name: string
  readonly statement: PgStatement
}

/**
 * Every shape the engine runs, with parameters from a database's own data (`sample`: a recent date, an item, a
 * line, a lot and a word of an item name), for `npm run analyze-indexes -- --postgres URL`.
 */
export const pgRecordShapes = (sample: {
  readonly window: DateWindow
  readonly item_code: string
  readonly item_name: string
  readonly line_code: string
  readonly lot_prefix: string
  readonly q: string
  readonly after: RecordPosition
}): ReadonlyArray<PgShape> => {
  const window = sample.window
  const page = (filters: RecordFilters, after?: RecordPosition): RecordsQuery =>
    new RecordsQuery({ window, filters, limit: 100, after })
  const pairs: ItemPairs = { codes: [sample.item_code], names: [sample.item_name] }
  const records = (name: string, filters: RecordFilters, names?: NameFilter): ReadonlyArray<PgShape> => [
    { name: `records ${name}`, statement: recordsStatement(page(filters), 101, names) },
    { name: `records ${name} after`, statement: recordsStatement(page(filters, sample.after), 101, names) }
  ]
  return [
    ...records("window", {}),
    ...records("item", { item_code: sample.item_code }),
    ...records("line", { line_code: sample.line_code }),
    ...records("item+line", { item_code: sample.item_code, line_code: sample.line_code }),
    ...records("lot prefix", { lot_prefix: sample.lot_prefix }),
    ...records("q candidates", { q: sample.q }, "candidates"),
    ...records("q pairs", { q: sample.q }, pairs),
    { name: "items q", statement: itemCandidatesStatement(sample.q) },
    { name: "items", statement: itemCandidatesStatement("") },
    { name: "lines", statement: LINES_STATEMENT }
  ]
}
