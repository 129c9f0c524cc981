/**
 * The rollups on PostgreSQL, the grains and dimensions the SQLite engine reads (src/backends/sqlite/migration/Rollups.ts): day and
 * month, by nothing, item, line, item+line. Rows carry exact sums and counts; tables with the item dimension carry
 * the group's latest record (date, id, name) for the contract's `item_name` rule. A month's period is its first
 * day. The statements below take their records from `src`: a trigger's transition table, or the base table for
 * the backfill, so one text serves both.
 */
import { type Dimension, type Grain, ROLLUP_SETS, type RollupSet } from "../../domain/RollupSets.js"

export type { Dimension, Grain } from "../../domain/RollupSets.js"
export type PgRollup = RollupSet

/** The same rollups as the SQLite backend's (src/domain/RollupSets.ts). */
export const PG_ROLLUPS: ReadonlyArray<PgRollup> = ROLLUP_SETS

/** The rollup of `grain` grouped by exactly `dims`. */
export const rollupTable = (grain: Grain, dims: ReadonlySet<Dimension>): string =>
  PG_ROLLUPS.find((r) => r.grain === grain && r.dims.length === dims.size && r.dims.every((d) => dims.has(d)))!.table

const periodOf = (grain: Grain, date: string) => (grain === "day" ? date : `date_trunc('month', ${date})::date`)

const periodEnd = (grain: Grain, period: string) =>
  grain === "day" ? `${period} + 1` : `(${period} + interval '1 month')::date`

const keys = (r: PgRollup) => [...r.dims, "period"]

const sameKey = (r: PgRollup, a: string, b: string) =>
  keys(r)
    .map((k) => `${a}.${k} = ${b}.${k}`)
    .join(" AND ")

export const createRollupStatements = (r: PgRollup): ReadonlyArray<string> => {
  const latest = r.tracksLatest
    ? `,\n  last_date date NOT NULL,\n  last_id bigint NOT NULL,\n  last_name text COLLATE "C" NOT NULL`
    : ""
  return [
    `CREATE TABLE ${r.table} (
${r.dims.map((d) => `  ${d} text COLLATE "C" NOT NULL,\n`).join("")}  period date NOT NULL,
  good bigint NOT NULL,
  defect bigint NOT NULL,
  cnt bigint NOT NULL${latest},
  PRIMARY KEY (${keys(r).join(", ")})
)`,
    // The key leads with the dimensions (a group's periods in order); a period range across groups reads this.
    ...(r.dims.length > 0 ? [`CREATE INDEX ${r.table}_by_period ON ${r.table} (period)`] : []),
    // Item+line tables also answer by-item for one line.
    ...(r.dims.length === 2 ? [`CREATE INDEX ${r.table}_by_line ON ${r.table} (line_code, period)`] : [])
  ]
}

const LATEST_ORDER = "ORDER BY production_date DESC, id DESC"

/** Adds `src`'s records to their groups; a group's latest record is the newer of the stored one and src's. */
export const addToRollup = (r: PgRollup, src: string): string => {
  const period = periodOf(r.grain, "production_date")
  const latestCols = r.tracksLatest ? ", last_date, last_id, last_name" : ""
  const latestAggs = r.tracksLatest
    ? `,
    (array_agg(production_date ${LATEST_ORDER}))[1], (array_agg(id ${LATEST_ORDER}))[1], (array_agg(item_name ${LATEST_ORDER}))[1]`
    : ""
  const newer = "(excluded.last_date, excluded.last_id) > (t.last_date, t.last_id)"
  const latestSet = r.tracksLatest
    ? `,
    last_date = CASE WHEN ${newer} THEN excluded.last_date ELSE t.last_date END,
    last_id = CASE WHEN ${newer} THEN excluded.last_id ELSE t.last_id END,
    last_name = CASE WHEN ${newer} THEN excluded.last_name ELSE t.last_name END`
    : ""
  return `INSERT INTO ${r.table} AS t (${keys(r).join(", ")}, good, defect, cnt${latestCols})
  SELECT ${[...r.dims, period].join(", ")}, sum(good_quantity)::bigint, sum(defect_quantity)::bigint, count(*)${latestAggs}
  FROM ${src} GROUP BY ${[...r.dims, period].join(", ")}
  ON CONFLICT (${keys(r).join(", ")}) DO UPDATE SET
    good = t.good + excluded.good, defect = t.defect + excluded.defect, cnt = t.cnt + excluded.cnt${latestSet}`
}

/**
 * Removes `src`'s records from their groups: sums and counts go down, a group left with none goes, and a group
 * whose latest record was removed takes its latest remaining one from the base table (after the statement: an
 * UPDATE's new rows are there already, and its add step then compares with them).
 */
export const removeFromRollup = (r: PgRollup, src: string): ReadonlyArray<string> => {
  const period = periodOf(r.grain, "production_date")
  const groupCols = [...r.dims, `${period} AS period`].join(", ")
  const statements = [
    `UPDATE ${r.table} AS t SET good = t.good - s.good, defect = t.defect - s.defect, cnt = t.cnt - s.cnt
  FROM (SELECT ${groupCols}, sum(good_quantity)::bigint AS good, sum(defect_quantity)::bigint AS defect, count(*) AS cnt
    FROM ${src} GROUP BY ${[...r.dims, period].join(", ")}) AS s
  WHERE ${sameKey(r, "t", "s")}`,
    `DELETE FROM ${r.table} AS t USING (SELECT DISTINCT ${groupCols} FROM ${src}) AS s
  WHERE ${sameKey(r, "t", "s")} AND t.cnt <= 0`
  ]
  if (r.tracksLatest) {
    const inGroup = [
      ...r.dims.map((d) => `p.${d} = t.${d}`),
      "p.production_date >= t.period",
      `p.production_date < ${periodEnd(r.grain, "t.period")}`
    ].join(" AND ")
    statements.push(`UPDATE ${r.table} AS t SET (last_date, last_id, last_name) = (
    SELECT p.production_date, p.id, p.item_name FROM production_records AS p
    WHERE ${inGroup} ORDER BY p.production_date DESC, p.id DESC LIMIT 1)
  FROM (SELECT DISTINCT ${groupCols}, production_date, id FROM ${src}) AS s
  WHERE ${sameKey(r, "t", "s")} AND t.last_date = s.production_date AND t.last_id = s.id`)
  }
  return statements
}
