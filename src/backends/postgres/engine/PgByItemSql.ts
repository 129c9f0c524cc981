import type { DateWindow } from "../../../domain/DateWindow.js"
import { type IsoDate, addDays, firstDayOfMonth, monthOf } from "../../../domain/IsoDate.js"
import { cumulativeTable } from "../PgCumulative.js"
import type { PgStatement } from "./PgStatement.js"

/** The first day of the month before `d`'s, or null in January (a year-to-date starts afresh each year). */
const monthBefore = (d: IsoDate): IsoDate | null =>
  d.slice(5, 7) === "01" ? null : firstDayOfMonth(monthOf(addDays(firstDayOfMonth(monthOf(d)), -1)))

/**
 * The prefix-sum lookups of a window [f, t] (rollup_mtd_*, rollup_ytd_*). With YTD(x) = ytd(the month before x's)
 * + mtd(x) inside x's year, the window is YTD(t) − YTD(f − 1) when f − 1 is in f's year, plus each December's
 * ytd from f's year through the year before t's. Positive terms: those Decembers, ytd(month before t), mtd(t);
 * negative: ytd(month before f − 1), mtd(f − 1).
 */
export const prefixTerms = (w: DateWindow) => {
  if (w.from > w.to) return { plusMonths: [], plusDay: null, minusMonth: null, minusDay: null }
  const [fromYear, toYear] = [Number(w.from.slice(0, 4)), Number(w.to.slice(0, 4))]
  const decembers = Array.from(
    { length: toYear - fromYear },
    (_, i) => `${String(fromYear + i).padStart(4, "0")}-12-01`
  )
  const before = w.from.slice(5) === "01-01" ? null : addDays(w.from, -1)
  const beforeMonth = before === null ? null : monthBefore(before)
  const toMonth = monthBefore(w.to)
  return {
    plusMonths: toMonth === null ? decembers : [...decembers, toMonth],
    plusDay: w.to,
    minusMonth: beforeMonth,
    minusDay: before
  }
}

/**
 * A term's latest record as its date in fixed-width digits that sort as dates do (any year), then its name. The
 * positive terms cover disjoint date ranges, so their latest records' dates differ and the date alone orders them;
 * the `max` per item is then taken by hashing, where `array_agg(… ORDER BY …)` sorted each item's rows (~25% of
 * the statement).
 */
const LATEST_KEY = `lpad(((last_date - DATE '2000-01-01')::bigint + 3000000000)::text, 10, '0') || last_name`
const KEY_WIDTH = 10

/**
 * By item as at most four index lookups of one period each, each returning at most one row per item (per item
 * and line with `line_code`), summed per item: counted items are those with a positive count. The name is the
 * latest record's among the positive terms: the item's latest record through t, which lies in the window when
 * the window counts any of its records.
 */
export const pgByItemSql = (w: DateWindow, line: string | undefined, limit: number | undefined): PgStatement => {
  const terms = prefixTerms(w)
  const byLine = line !== undefined && line !== ""
  const [ytd, mtd] = [cumulativeTable("year", byLine), cumulativeTable("month", byLine)]
  const params: Array<string | number | null> = [
    `{${terms.plusMonths.join(",")}}`,
    terms.plusDay,
    terms.minusMonth,
    terms.minusDay,
    limit ?? null,
    ...(byLine ? [line] : [])
  ]
  const onLine = byLine ? " AND line_code = $6" : ""
  // float8 sums are exact below 2^53 (as the JSON numbers are) and cheaper than numeric ones.
  const plus = `good::float8, defect::float8, cnt::float8, ${LATEST_KEY}`
  const minus = "-good::float8, -defect::float8, -cnt::float8, NULL"
  return {
    sql: `SELECT item_code, substr(max(latest), ${KEY_WIDTH + 1}), sum(good), sum(defect), sum(cnt)
FROM (
  SELECT item_code, ${plus} AS latest FROM ${ytd} WHERE month = ANY($1::date[])${onLine}
  UNION ALL SELECT item_code, ${plus} FROM ${mtd} WHERE day = $2::date${onLine}
  UNION ALL SELECT item_code, ${minus} FROM ${ytd} WHERE month = $3::date${onLine}
  UNION ALL SELECT item_code, ${minus} FROM ${mtd} WHERE day = $4::date${onLine}
) AS p(item_code, good, defect, cnt, latest)
GROUP BY item_code HAVING sum(cnt) > 0 ORDER BY sum(good) DESC, item_code LIMIT $5::int`,
    params
  }
}
