/**
 * The pre-computed aggregates (rollups) the summary endpoints are served from. One table per grain (day, month)
 * and per set of dimensions (none, item, line, item+line), so that every summary reads the smallest table that
 * holds its filters. Rows carry exact integer sums and counts; tables with the item dimension also carry the
 * group's latest record (date, id, name) for the contract's `item_name` rule. Triggers keep them exact.
 */
import { type Dimension, type Grain, ROLLUP_SETS, type RollupSet } from "../../../domain/RollupSets.js"

export type { Dimension, Grain } from "../../../domain/RollupSets.js"

export interface Rollup extends RollupSet {
  /**
   * Whether rows carry running totals of their group through their day (`cum_good`, `cum_defect`, `cum_cnt`, from
   * schema v8): day grain with dimensions, so a window's sum per group is two index seeks, not a range of rows.
   */
  readonly cumulative: boolean
}

export const ROLLUPS: ReadonlyArray<Rollup> = ROLLUP_SETS.map((r) => ({
  ...r,
  cumulative: r.grain === "day" && r.dims.length > 0
}))

export const rollupFor = (grain: Grain, dims: ReadonlyArray<Dimension>): Rollup => {
  const found = ROLLUPS.find(
    (r) => r.grain === grain && r.dims.length === dims.length && dims.every((d) => r.dims.includes(d))
  )
  if (found === undefined) throw new Error(`no rollup for ${grain} by ${dims.join(",")}`)
  return found
}

/** The period key of a record's date at a grain, as an SQL expression over `ref` (e.g. `NEW`). */
export const periodOf = (grain: Grain, dateExpr: string): string =>
  grain === "day" ? dateExpr : `substr(${dateExpr}, 1, 7)`

/** Base-table condition selecting the records of one period (`periodExpr`), using the date indexes. */
const inPeriod = (grain: Grain, periodExpr: string): string =>
  grain === "day"
    ? `production_date = ${periodExpr}`
    : `production_date >= ${periodExpr} || '-' AND production_date < ${periodExpr} || '.'`

/**
 * The latest record's date and id as one integer: day number (days since 1899-12-31) * 1e10 + id, so dates order
 * first, ids within a date; exact in a JavaScript number for dates up to 2999 and ids below 1e10.
 */
export const latestKeyOf = (date: string, id: string): string =>
  `(CAST(julianday(${date}) AS INTEGER) - 2415020) * 10000000000 + ${id}`

const LATEST_KEY = latestKeyOf("last_date", "last_id")

const keyColumns = (r: Rollup): ReadonlyArray<string> => [...r.dims, "period"]

export const createRollupStatements = (r: Rollup): ReadonlyArray<string> => {
  // last_key orders groups by their latest record as one integer, kept by SQLite itself, so summaries take
  // max(last_key) instead of building a sortable string per row.
  const latest = r.tracksLatest
    ? `,\n  last_date TEXT NOT NULL,\n  last_id INTEGER NOT NULL,\n  last_name TEXT NOT NULL,\n  last_key INTEGER GENERATED ALWAYS AS (${LATEST_KEY}) STORED`
    : ""
  const dimCols = r.dims.map((d) => `  ${d} TEXT NOT NULL,\n`).join("")
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${r.table} (
  period TEXT NOT NULL,
${dimCols}  good INTEGER NOT NULL,
  defect INTEGER NOT NULL,
  cnt INTEGER NOT NULL${latest},
  PRIMARY KEY (${keyColumns(r).join(", ")})
) WITHOUT ROWID`
  ]
  // The key leads with the dimensions, so a summary grouped or filtered by them reads rows in key order without a
  // lookup per row; a period range across all groups (and the month-by-month backfill) uses this index.
  if (r.dims.length > 0) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${r.table}_by_period ON ${r.table} (period)`)
  }
  // Item+line tables also answer by-item for one line.
  if (r.dims.length === 2) {
    statements.push(`CREATE INDEX IF NOT EXISTS ${r.table}_by_line ON ${r.table} (line_code, period)`)
  }
  return statements
}

const groupMatch = (r: Rollup, ref: "OLD" | "NEW"): string =>
  [`period = ${periodOf(r.grain, `${ref}.production_date`)}`, ...r.dims.map((d) => `${d} = ${ref}.${d}`)].join(" AND ")

const valueColumns = (r: Rollup): ReadonlyArray<string> => [
  "good",
  "defect",
  "cnt",
  ...(r.tracksLatest ? ["last_date", "last_id", "last_name"] : [])
]

/** The running-total columns, each with the value column it accumulates. */
export const CUMULATIVE_COLUMNS: ReadonlyArray<readonly [cum: string, of: string]> = [
  ["cum_good", "good"],
  ["cum_defect", "defect"],
  ["cum_cnt", "cnt"]
]

/** The same group as `ref`'s record, every day of it (the running totals' scope). */
const sameGroup = (r: Rollup, ref: "OLD" | "NEW"): string => r.dims.map((d) => `${d} = ${ref}.${d}`).join(" AND ")

/**
 * The running totals' share of a trigger: a record at day d changes the totals of its group's rows with period
 * >= d (on a live file written "today", about one row; a back-dated edit, one row per later day of the group).
 */
const shiftRunningTotals = (r: Rollup, ref: "OLD" | "NEW", sign: "+" | "-"): string =>
  `UPDATE ${r.table} SET cum_good = cum_good ${sign} ${ref}.good_quantity, cum_defect = cum_defect ${sign} ${ref}.defect_quantity, cum_cnt = cum_cnt ${sign} 1
  WHERE ${sameGroup(r, ref)} AND period >= ${ref}.production_date`

/**
 * Trigger body statements that add a NEW record to its group. `cumulative`: whether the schema has running totals
 * (v8 on; the v6 step creates the triggers of the schema it creates). A new day row starts from the total of the
 * group's previous row; then every row from that day on (itself included) gains the record.
 */
export const addRecordStatements = (r: Rollup, cumulative: boolean): ReadonlyArray<string> => {
  const running = cumulative && r.cumulative
  const cols = [...keyColumns(r), ...valueColumns(r), ...(running ? CUMULATIVE_COLUMNS.map(([c]) => c) : [])]
  const values = [
    ...r.dims.map((d) => `NEW.${d}`),
    periodOf(r.grain, "NEW.production_date"),
    "NEW.good_quantity",
    "NEW.defect_quantity",
    "1",
    ...(r.tracksLatest ? ["NEW.production_date", "NEW.id", "NEW.item_name"] : []),
    ...(running
      ? CUMULATIVE_COLUMNS.map(
          ([c]) =>
            `coalesce((SELECT ${c} FROM ${r.table} WHERE ${sameGroup(r, "NEW")} AND period < NEW.production_date ORDER BY period DESC LIMIT 1), 0)`
        )
      : [])
  ]
  const newer = "(excluded.last_date, excluded.last_id) > (last_date, last_id)"
  const latestSet = r.tracksLatest
    ? `,
    last_date = iif(${newer}, excluded.last_date, last_date),
    last_id = iif(${newer}, excluded.last_id, last_id),
    last_name = iif(${newer}, excluded.last_name, last_name)`
    : ""
  return [
    `INSERT INTO ${r.table} (${cols.join(", ")}) VALUES (${values.join(", ")})
  ON CONFLICT (${keyColumns(r).join(", ")}) DO UPDATE SET
    good = good + excluded.good, defect = defect + excluded.defect, cnt = cnt + 1${latestSet}`,
    ...(running ? [shiftRunningTotals(r, "NEW", "+")] : [])
  ]
}

/**
 * Trigger body statements that remove an OLD record from its group (recomputing the latest when it was it). With
 * running totals, every row of the group from that day on loses it; a day row deleted at cnt 0 then holds the
 * previous row's total, which the next row's total already equals without it.
 */
export const removeRecordStatements = (r: Rollup, cumulative: boolean): ReadonlyArray<string> => {
  const match = groupMatch(r, "OLD")
  const statements = [
    `UPDATE ${r.table} SET good = good - OLD.good_quantity, defect = defect - OLD.defect_quantity, cnt = cnt - 1
  WHERE ${match}`,
    ...(cumulative && r.cumulative ? [shiftRunningTotals(r, "OLD", "-")] : []),
    `DELETE FROM ${r.table} WHERE ${match} AND cnt <= 0`
  ]
  if (r.tracksLatest) {
    const baseMatch = [
      inPeriod(r.grain, periodOf(r.grain, "OLD.production_date")),
      ...r.dims.map((d) => `${d} = OLD.${d}`)
    ].join(" AND ")
    statements.push(`UPDATE ${r.table} SET (last_date, last_id, last_name) = (
    SELECT production_date, id, item_name FROM production_records
    WHERE ${baseMatch} ORDER BY production_date DESC, id DESC LIMIT 1)
  WHERE ${match} AND last_id = OLD.id`)
  }
  return statements
}

/** The placeholder of per-month statements: replaced by a checked `'YYYY-MM'` literal before they run. */
export const MONTH_PLACEHOLDER = "{month}"

/** Recomputes every group of one month (`{month}`, day and month grain alike) from the base table. */
export const backfillStatements = (r: Rollup): ReadonlyArray<string> => {
  const groupCols = [...r.dims, periodOf(r.grain, "production_date")]
  const keys = keyColumns(r)
  const m = MONTH_PLACEHOLDER
  const periodRange = r.grain === "day" ? `period >= ${m} || '-' AND period < ${m} || '.'` : `period = ${m}`
  // With exactly one max() aggregate, SQLite takes bare columns from the row holding the max: the group's latest record.
  const latest = r.tracksLatest
    ? `, max(production_date || printf('%020d', id)) AS latest_key, production_date, id, item_name`
    : ""
  const aggregate = `SELECT ${groupCols.map((c, i) => `${c} AS ${keys[i]}`).join(", ")},
      sum(good_quantity) AS good, sum(defect_quantity) AS defect, count(*) AS cnt${latest}
    FROM production_records WHERE production_date >= ${m} || '-' AND production_date < ${m} || '.'
    GROUP BY ${groupCols.join(", ")}`
  const picked = [...keys, "good", "defect", "cnt", ...(r.tracksLatest ? ["production_date", "id", "item_name"] : [])]
  return [
    `DELETE FROM ${r.table} WHERE ${periodRange}`,
    `INSERT INTO ${r.table} (${[...keys, ...valueColumns(r)].join(", ")})
  SELECT ${picked.join(", ")} FROM (${aggregate})`
  ]
}

/**
 * Adds the running-total columns to a rollup that has them (`r.cumulative`) and fills them from its rows: one
 * window-function pass per table, in the step's transaction (the triggers that keep them are replaced in it too).
 */
export const addRunningTotalsStatements = (r: Rollup): ReadonlyArray<string> => {
  if (!r.cumulative) return []
  const dims = r.dims.join(", ")
  const sums = CUMULATIVE_COLUMNS.map(([c, of]) => `sum(${of}) OVER w AS ${c}`).join(", ")
  return [
    ...CUMULATIVE_COLUMNS.map(([c]) => `ALTER TABLE ${r.table} ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`),
    `UPDATE ${r.table} AS r SET ${CUMULATIVE_COLUMNS.map(([c]) => `${c} = w.${c}`).join(", ")}
  FROM (SELECT ${dims}, period, ${sums} FROM ${r.table} WINDOW w AS (PARTITION BY ${dims} ORDER BY period)) AS w
  WHERE ${[...r.dims, "period"].map((k) => `r.${k} = w.${k}`).join(" AND ")}`
  ]
}
