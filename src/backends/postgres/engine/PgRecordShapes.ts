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
import type { PgShape, PgStatement } from "./PgStatement.js"

/**
 * The (item_code, item_name) pairs whose records a `q` selects, and how to read them: `scan` reads the window in
 * the contract's order and keeps the rows of the pairs (a hashed test: cheap when they are common), `per-item`
 * reads each pair's newest `limit` records from the item index and keeps the newest `limit` of all (cheap when
 * they are rare: at most pairs × limit rows, whatever the window; one branch a pair, so for a few pairs only).
 */
export interface NameFilter {
  readonly codes: ReadonlyArray<string>
  readonly names: ReadonlyArray<string>
  readonly read: "scan" | "per-item"
}

/** A filter is absent when missing or empty, as the reference engine reads it. */
export const present = (value: string | undefined): value is string => value !== undefined && value !== ""

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
 * that the exact fold (src/domain/TextFold.ts) decides, since ICU's lower case may differ from JavaScript's. With
 * each pair's record count and the count of all records, so that the caller can choose how to read them.
 */
const candidateItems = (param: string) =>
  `SELECT item_code, item_name, cnt::text, (SELECT sum(cnt) FROM items)::text FROM items
  WHERE item_name_folded LIKE '%' || fold_case(${param}) || '%'`

/** The record's columns (of table alias `t`) as the contract's Record, in its field order; numbers and date as text. */
const recordColumns = (t: string) =>
  `${t}.source, ${t}.id::text, to_char(${t}.production_date, 'YYYY-MM-DD'), ${t}.item_code, ${t}.item_name,
  ${t}.lot_number, ${t}.line_code, ${t}.good_quantity::text, ${t}.defect_quantity::text`

/** A pair as one text, unambiguous (the code's length first), for a hashed `= ANY` test. */
const pairKey = (code: string, name: string): string => `${[...code].length}:${code}${name}`
const PAIR_KEY_SQL = `char_length(r.item_code) || ':' || r.item_code || r.item_name`

const binder = () => {
  const params: Array<PgStatement["params"][number]> = []
  const bind = (value: PgStatement["params"][number]) => {
    params.push(value)
    return `$${params.length}`
  }
  return { params, bind }
}

/** Where the records (alias `r`) of a `/records` selection lie: window, filters, strictly after `after` (keyset). */
const recordsWhere = (q: RecordsQuery, bind: ReturnType<typeof binder>["bind"]): Array<string> => {
  const where = [`r.production_date BETWEEN ${bind(q.window.from)}::date AND ${bind(q.window.to)}::date`]
  const f = q.filters
  if (present(f.item_code)) where.push(`r.item_code = ${bind(f.item_code)}`)
  if (present(f.line_code)) where.push(`r.line_code = ${bind(f.line_code)}`)
  if (present(f.lot_prefix)) {
    const upper = prefixUpperBound(f.lot_prefix)
    where.push(`r.lot_number >= ${bind(f.lot_prefix)}`)
    if (upper !== undefined) where.push(`r.lot_number < ${bind(upper)}`)
  }
  if (q.after !== undefined) {
    where.push(`(r.production_date, r.id) < (${bind(q.after.production_date)}::date, ${bind(q.after.id)}::bigint)`)
  }
  return where
}

// Qualified: a bare `id` in ORDER BY would name the output column, the id as text.
const ORDER = (t: string) => `ORDER BY ${t}.production_date DESC, ${t}.id DESC`

/**
 * The records of `q` in the contract's order, at most `limit`, as rows of the Record's fields (text); for `q`,
 * only those of `names` (the pairs the exact fold chose).
 */
export const recordsStatement = (q: RecordsQuery, limit: number, names?: NameFilter): PgStatement => {
  const { params, bind } = binder()
  const where = recordsWhere(q, bind)
  if (names === undefined || names.read === "scan") {
    if (names !== undefined) {
      where.push(`${PAIR_KEY_SQL} = ANY(${bind(names.codes.map((c, i) => pairKey(c, names.names[i]!)))}::text[])`)
    }
    return {
      sql: `SELECT ${recordColumns("r")} FROM production_records AS r WHERE ${where.join(" AND ")}
  ${ORDER("r")} LIMIT ${bind(limit)}`,
      params
    }
  }
  // A branch a pair, its values bound as constants: each branch is planned with the pair's own statistics (an
  // ordered read of the item index for a common item, a bitmap for a rare one).
  const n = bind(limit)
  const branches = names.codes.map(
    (code, i) => `(SELECT * FROM production_records AS r
    WHERE r.item_code = ${bind(code)} AND r.item_name = ${bind(names.names[i]!)} AND ${where.join(" AND ")}
    ${ORDER("r")} LIMIT ${n})`
  )
  return {
    sql: `SELECT ${recordColumns("x")} FROM (${branches.join("\n  UNION ALL ")}) AS x
  ${ORDER("x")} LIMIT ${n}`,
    params
  }
}

/**
 * Whether the database's `fold_case` may fold `q`'s matches differently from the contract's fold: only for
 * characters beyond ASCII, where PostgreSQL's ICU may be of an older Unicode than Node's (test/postgres/PgFoldCase).
 */
const foldsAlike = (q: string): boolean => [...q].every((c) => c.charCodeAt(0) < 0x80)

/**
 * Items whose name may contain `q`, in the contract's order: code, name, record count, all records' count. The
 * trigram index narrows an ASCII `q`; any other `q` reads every item (the exact fold then decides).
 */
export const itemCandidatesStatement = (q: string): PgStatement =>
  q === "" || !foldsAlike(q)
    ? {
        sql: `SELECT item_code, item_name, cnt::text, (SELECT sum(cnt) FROM items)::text FROM items
  ORDER BY item_code, item_name`,
        params: []
      }
    : { sql: `${candidateItems("$1")} ORDER BY item_code, item_name`, params: [likeLiteral(q)] }

export const LINES_STATEMENT: PgStatement = { sql: `SELECT line_code FROM lines ORDER BY line_code`, params: [] }

/**
 * Every shape the engine runs, with parameters from a database's own data (`sample`: a recent date, an item, a
 * line, a lot and a word of an item name), for `npm run analyze-indexes -- --postgres URL`.
 */
export const pgRecordShapes = (sample: {
  readonly window: DateWindow
  readonly item_code: string
  readonly item_name: string
  /** The items `q` matches. */
  readonly pairs: Pick<NameFilter, "codes" | "names">
  readonly line_code: string
  readonly lot_prefix: string
  readonly q: string
  readonly after: RecordPosition
}): ReadonlyArray<PgShape> => {
  const window = sample.window
  const page = (filters: RecordFilters, after?: RecordPosition): RecordsQuery =>
    new RecordsQuery({ window, filters, limit: 100, after })
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
    ...records("q scan", { q: sample.q }, { ...sample.pairs, read: "scan" }),
    ...records(
      "q per item",
      { q: sample.item_name },
      {
        codes: [sample.item_code],
        names: [sample.item_name],
        read: "per-item"
      }
    ),
    { name: "items q", statement: itemCandidatesStatement(sample.q) },
    { name: "items", statement: itemCandidatesStatement("") },
    { name: "lines", statement: LINES_STATEMENT }
  ]
}
