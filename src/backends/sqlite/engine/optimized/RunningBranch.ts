import { type Dimension, rollupFor } from "../../migration/Rollups.js"
import type { SqlValue } from "../../pool/ReadPool.js"

/** The items with records on `line` in the months of a day range (the monthly item+line rollup's line index). */
export const itemsMadeOnLine = (
  line: string,
  range: readonly [string, string]
): { readonly sql: string; readonly params: ReadonlyArray<SqlValue> } => ({
  sql: `SELECT DISTINCT item_code FROM ${rollupFor("month", ["item_code", "line_code"]).table}
    WHERE line_code = ? AND period BETWEEN ? AND ?`,
  params: [line, range[0].slice(0, 7), range[1].slice(0, 7)]
})

/**
 * Where the groups of a running-total branch come from, as a query and its parameters: the filter's value; for
 * items with a line named, the items made on that line in the range's months (the monthly item+line rollup's line
 * index: ~80 of the ~500 items, each then costing its seeks); else each file's dimension table.
 */
const groupSource = (
  dim: Dimension,
  filterValue: ReadonlyMap<Dimension, string>,
  range: readonly [string, string]
): { readonly sql: string; readonly params: ReadonlyArray<SqlValue> } => {
  const fixed = filterValue.get(dim)
  if (fixed !== undefined) return { sql: `SELECT ? AS ${dim}`, params: [fixed] }
  const line = filterValue.get("line_code")
  if (dim === "item_code" && line !== undefined) return itemsMadeOnLine(line, range)
  return {
    sql: dim === "item_code" ? "SELECT DISTINCT item_code FROM items" : "SELECT line_code FROM lines",
    params: []
  }
}

/**
 * Per-group sums over one day range from the daily rollups' running totals: for each group (driven from the
 * dimension table: a few hundred), the total at its last day row <= to minus the total at its last row < from,
 * each found by a seek on the rollup's primary key (dimensions, then period). The row at `to`'s side is the
 * group's latest day with records in the range whenever the difference counts any, so its latest record is the
 * range's (the `item_name` rule). Output: `[(month,) ...groupDims, good, defect, cnt, (last_key, last_name)]`.
 */
export const runningBranch = (
  name: string,
  groupDims: ReadonlyArray<Dimension>,
  filters: ReadonlyArray<readonly [Dimension, string]>,
  latest: boolean,
  withMonth: boolean,
  range: readonly [string, string]
): {
  readonly cte: string
  readonly select: string
  readonly cteParams: ReadonlyArray<SqlValue>
  readonly selectParams: ReadonlyArray<SqlValue>
} => {
  const filterDims = filters.map(([d]) => d)
  const filterValue = new Map(filters)
  const { table, dims: keyDims } = rollupFor("day", [...new Set([...groupDims, ...filterDims])])
  const grouped = groupDims.filter((d) => !filterDims.includes(d))
  // keyDims: every key column of the rollup but period, each a group's column or the filter's value.
  const match = (alias: string) =>
    keyDims.map((d) => (grouped.includes(d) ? `${alias}.${d} = g.${d}` : `${alias}.${d} = ?`)).join(" AND ")
  const filterValues = keyDims.filter((d) => !grouped.includes(d)).map((d) => filterValue.get(d)!)
  // `? <= ?` (from <= to, constant) gates the loop: an empty range reads nothing.
  const groups = groupDims.map((d) => ({ dim: d, source: groupSource(d, filterValue, range) }))
  const sources = groups.map((g) => `(SELECT * FROM (${g.source.sql}) WHERE ? <= ?) AS g_${g.dim}`)
  const gCols = groupDims.map((d) => `g_${d}.${d}`).join(", ")
  const sourceParams = groups.flatMap((g) => [...g.source.params, range[0], range[1]])
  const cte = `${name} AS (SELECT g.*,
    (SELECT max(period) FROM ${table} AS r WHERE ${match("r")} AND period <= ?) AS tp,
    (SELECT max(period) FROM ${table} AS r WHERE ${match("r")} AND period < ?) AS fp
  FROM (SELECT ${gCols} FROM ${sources.join(", ")}) AS g)`
  const diff = (c: string) => `a.${c} - coalesce(b.${c}, 0)`
  const joinMatch = (alias: string) =>
    keyDims.map((d) => (grouped.includes(d) ? `${alias}.${d} = ${name}.${d}` : `${alias}.${d} = ?`)).join(" AND ")
  const select = `SELECT ${[
    ...(withMonth ? ["substr(a.period, 1, 7)"] : []),
    ...groupDims.map((d) => `${name}.${d}`),
    diff("cum_good"),
    diff("cum_defect"),
    diff("cum_cnt"),
    ...(latest ? ["a.last_key", "a.last_name"] : [])
  ].join(", ")}
FROM ${name} JOIN ${table} AS a ON ${joinMatch("a")} AND a.period = ${name}.tp
LEFT JOIN ${table} AS b ON ${joinMatch("b")} AND b.period = ${name}.fp
WHERE ${diff("cum_cnt")} > 0`
  return {
    cte,
    select,
    cteParams: [...filterValues, range[1], ...filterValues, range[0], ...sourceParams],
    selectParams: [...filterValues, ...filterValues]
  }
}
