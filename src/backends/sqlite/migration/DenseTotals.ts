/**
 * Dense running totals by item (schema v9): `rollup_cum_item` holds, for every day with records in the file (the
 * periods of `rollup_day`), one row per item with any record on or before that day: the item's totals through that
 * day and its latest record up to it. A window's per-item sums are then the rows of its last day minus those of
 * the day before it: two contiguous runs of the primary key, however many items or days there are.
 *
 * The triggers' statements run after the rollups' own (same trigger body), so they read `rollup_day` and
 * `rollup_day_item` as already updated for the record at hand. The table's periods stay exactly `rollup_day`'s: a
 * new day gets a copy of the previous day's rows, a day that loses its last record loses its rows.
 */
import { latestKeyOf } from "./Rollups.js"

export const CUM_ITEM_TABLE = "rollup_cum_item"

const T = CUM_ITEM_TABLE

/** The record's latest-key, as the item rollups' stored `last_key`: day number * 1e10 + id. */
const keyOf = (ref: "OLD" | "NEW") => `(${latestKeyOf(`${ref}.production_date`, `${ref}.id`)})`

const COLUMNS = "period, item_code, cum_good, cum_defect, cum_cnt, last_key, last_name"

export const createCumItemStatements: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS ${T} (
  period TEXT NOT NULL,
  item_code TEXT NOT NULL,
  cum_good INTEGER NOT NULL,
  cum_defect INTEGER NOT NULL,
  cum_cnt INTEGER NOT NULL,
  last_key INTEGER NOT NULL,
  last_name TEXT NOT NULL,
  PRIMARY KEY (period, item_code)
) WITHOUT ROWID`
]

/**
 * Fills the table from `rollup_day_item`, whose running totals are exact already: each item row stands for the
 * days from its period up to the item's next row (window function `lead`), joined to those days of `rollup_day`.
 * CROSS JOIN keeps the item rows outside (each a range of `rollup_day`'s key), never a scan of them per day. The
 * item index (what the triggers' per-item updates use) is built after the rows, in one sort.
 */
export const backfillCumItemStatements: ReadonlyArray<string> = [
  `DELETE FROM ${T}`,
  `INSERT INTO ${T} (${COLUMNS})
  SELECT d.period, r.item_code, r.cum_good, r.cum_defect, r.cum_cnt, r.last_key, r.last_name
  FROM (SELECT item_code, period, lead(period) OVER (PARTITION BY item_code ORDER BY period) AS next_period,
      cum_good, cum_defect, cum_cnt, last_key, last_name FROM rollup_day_item) AS r
  CROSS JOIN rollup_day AS d ON d.period >= r.period AND d.period < coalesce(r.next_period, '9999-12-32')
  ORDER BY d.period, r.item_code`,
  `CREATE INDEX IF NOT EXISTS ${T}_by_item ON ${T} (item_code, period)`,
  `ANALYZE ${T}`
]

/**
 * Trigger statements adding a NEW record (after the rollups have): a day new to the table starts as a copy of the
 * previous day's rows; the item gets rows on the days from the record's on where it had none (no records on or
 * before them); then the item's rows from the record's day on gain it. An insert dated today on a day that has
 * rows: two seeks and one row updated. A new day: ~one row per item copied. A back-dated insert: one row updated
 * per later day.
 */
export const addToCumItem: ReadonlyArray<string> = [
  `INSERT INTO ${T} (${COLUMNS})
  SELECT NEW.production_date, item_code, cum_good, cum_defect, cum_cnt, last_key, last_name FROM ${T}
  WHERE period = (SELECT max(period) FROM ${T} WHERE period < NEW.production_date)
    AND NOT EXISTS (SELECT 1 FROM ${T} WHERE period = NEW.production_date)`,
  `INSERT INTO ${T} (${COLUMNS})
  SELECT period, NEW.item_code, 0, 0, 0, 0, '' FROM rollup_day
  WHERE period >= NEW.production_date AND period < coalesce(
    (SELECT min(period) FROM ${T} WHERE item_code = NEW.item_code AND period >= NEW.production_date), '9999-12-32')`,
  `UPDATE ${T} SET cum_good = cum_good + NEW.good_quantity, cum_defect = cum_defect + NEW.defect_quantity,
    cum_cnt = cum_cnt + 1, last_key = max(last_key, ${keyOf("NEW")}),
    last_name = iif(${keyOf("NEW")} > last_key, NEW.item_name, last_name)
  WHERE item_code = NEW.item_code AND period >= NEW.production_date`
]

/**
 * Trigger statements removing an OLD record (after the rollups have): the item's rows from its day on lose it
 * (rows left with no records go); a day left with no records loses its rows; rows whose latest record it was take
 * the item's latest remaining one up to its day, which is the latest of `rollup_day_item`'s rows up to that day
 * (OLD was the latest up to each such row's day, so no record of the item lies between OLD's day and it).
 */
export const removeFromCumItem: ReadonlyArray<string> = [
  `UPDATE ${T} SET cum_good = cum_good - OLD.good_quantity, cum_defect = cum_defect - OLD.defect_quantity,
    cum_cnt = cum_cnt - 1
  WHERE item_code = OLD.item_code AND period >= OLD.production_date`,
  `DELETE FROM ${T} WHERE item_code = OLD.item_code AND period >= OLD.production_date AND cum_cnt <= 0`,
  `DELETE FROM ${T} WHERE period = OLD.production_date
    AND NOT EXISTS (SELECT 1 FROM rollup_day WHERE period = OLD.production_date)`,
  `UPDATE ${T} SET (last_key, last_name) = (
    SELECT last_key, last_name FROM rollup_day_item
    WHERE item_code = OLD.item_code AND period <= OLD.production_date ORDER BY period DESC LIMIT 1)
  WHERE item_code = OLD.item_code AND period >= OLD.production_date AND last_key = ${keyOf("OLD")}`
]

/**
 * By item over one file's day range `[?, ?]` (from, to) from the dense totals: the rows of the last day <= to
 * minus the rows of the last day < from, one primary-key run and one seek per item. An item counted in the range
 * has its latest record up to `to` inside it, so `a`'s latest record is the range's (the `item_name` rule).
 * Output: `[item_code, good, defect, cnt, last_key, last_name]`.
 */
export const CUM_ITEM_BY_ITEM_SQL = `SELECT a.item_code, a.cum_good - coalesce(b.cum_good, 0), a.cum_defect - coalesce(b.cum_defect, 0),
  a.cum_cnt - coalesce(b.cum_cnt, 0), a.last_key, a.last_name
FROM ${T} AS a LEFT JOIN ${T} AS b
  ON b.period = (SELECT max(period) FROM ${T} WHERE period < ?) AND b.item_code = a.item_code
WHERE a.period = (SELECT max(period) FROM ${T} WHERE period <= ?) AND a.cum_cnt - coalesce(b.cum_cnt, 0) > 0`
