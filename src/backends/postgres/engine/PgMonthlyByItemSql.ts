import type { RenderedRows } from "../../../query/QueryResults.js"
import type { DateWindow } from "../../../domain/DateWindow.js"
import {
  addDays,
  firstDayOfMonth,
  type IsoDate,
  type IsoMonth,
  monthOf,
  nextMonthStart
} from "../../../domain/IsoDate.js"
import { cumulativeTable } from "../PgCumulative.js"
import { type Dimension, rollupTable } from "../PgRollups.js"
import type { PgStatement } from "./PgStatement.js"

/** Where a window's rows come from: each is already one row per (month, item) of the answer. */
interface MonthlyParts {
  /** A ragged first month: its month total less its month-to-date through the day before the window. */
  readonly head: { readonly month: IsoDate; readonly lessDay: IsoDate } | undefined
  /** The whole months between, from the month grain. */
  readonly whole: { readonly from: IsoDate; readonly to: IsoDate } | undefined
  /** The last month through `to`: its month-to-date, less the one before `from` when the window lies inside it. */
  readonly tail: { readonly month: IsoDate; readonly day: IsoDate; readonly lessDay: IsoDate | undefined }
}

const monthBefore = (m: IsoMonth): IsoMonth => monthOf(addDays(firstDayOfMonth(m), -1))

const monthlyParts = (w: DateWindow): MonthlyParts => {
  const [fromMonth, toMonth] = [monthOf(w.from), monthOf(w.to)]
  const startsMonth = w.from === firstDayOfMonth(fromMonth)
  const lessDay = startsMonth ? undefined : addDays(w.from, -1)
  const tail = { month: firstDayOfMonth(toMonth), day: w.to }
  if (fromMonth === toMonth) return { head: undefined, whole: undefined, tail: { ...tail, lessDay } }
  const wholeFrom = startsMonth ? fromMonth : monthOf(nextMonthStart(fromMonth))
  const wholeTo = monthBefore(toMonth)
  return {
    head: lessDay === undefined ? undefined : { month: firstDayOfMonth(fromMonth), lessDay },
    whole: wholeFrom <= wholeTo ? { from: firstDayOfMonth(wholeFrom), to: firstDayOfMonth(wholeTo) } : undefined,
    tail: { ...tail, lessDay: undefined }
  }
}

/**
 * Monthly by item as rows already one per (month, item): whole months from the month grain, the ragged ends
 * from the month-to-date prefix sums (rollup_mtd_*: at most two lookups of one row per item) instead of every
 * day rollup row of those days, so nothing is grouped. Rows come in the contract's order: month (`YYYY-MM`),
 * item_code, good, defect, count (as digits), and the latest record's name in that row's range; an item's name
 * in the answer is its latest month's (that month holds its latest counted record). Absent parts bind NULL, so
 * each filter combination keeps one text.
 */
export const pgMonthlyByItemSql = (w: DateWindow, item: string | undefined, line: string | undefined): PgStatement => {
  const byLine = line !== undefined && line !== ""
  const dims: ReadonlyArray<Dimension> = byLine ? ["item_code", "line_code"] : ["item_code"]
  const month = rollupTable("month", new Set(dims))
  const mtd = cumulativeTable("month", byLine)
  const p = monthlyParts(w)
  const params: Array<string | null> = [
    p.head?.month ?? null,
    p.head?.lessDay ?? null,
    p.whole?.from ?? null,
    p.whole?.to ?? null,
    p.tail.month,
    p.tail.day,
    p.tail.lessDay ?? null
  ]
  const bound = [
    ...(item !== undefined && item !== "" ? [["item_code", item] as const] : []),
    ...(byLine ? [["line_code", line] as const] : [])
  ].map(([d, v]) => [d, params.push(v)] as const)
  const filters = (t: string) => bound.map(([d, n]) => ` AND ${t}${d} = $${n}`).join("")
  const sameGroup = dims.map((d) => ` AND b.${d} = a.${d}`).join("")
  const less = (day: string) => `LEFT JOIN ${mtd} AS b ON b.day = ${day}::date${sameGroup}`
  const net = "a.good - coalesce(b.good, 0), a.defect - coalesce(b.defect, 0), a.cnt - coalesce(b.cnt, 0), a.last_name"
  const parts = `SELECT a.period, a.item_code, ${net} FROM ${month} AS a ${less("$2")}
  WHERE a.period = $1::date${filters("a.")}
UNION ALL
SELECT period, item_code, good, defect, cnt, last_name FROM ${month}
  WHERE period BETWEEN $3::date AND $4::date${filters("")}
UNION ALL
SELECT $5::date, a.item_code, ${net} FROM ${mtd} AS a ${less("$7")}
  WHERE a.day = $6::date${filters("a.")}`
  return {
    sql: `SELECT to_char(month, 'YYYY-MM'), item_code, good, defect, cnt, last_name
FROM (${parts}) AS p(month, item_code, good, defect, cnt, last_name)
WHERE cnt > 0 ORDER BY month, item_code`,
    params
  }
}

/**
 * The statement's rows as the answer's JSON rows (what `JSON.stringify` writes of each row object, comma-joined):
 * each item's code and name are escaped once, and the counts are the digits PostgreSQL sent.
 */
export const monthlyByItemRowsOf = (rows: ReadonlyArray<ReadonlyArray<unknown>>): RenderedRows => {
  const names = new Map<string, string>()
  for (const row of rows) names.set(row[1] as string, row[5] as string)
  const middles = new Map<string, string>()
  for (const [code, name] of names) {
    middles.set(code, `,"item_code":${JSON.stringify(code)},"item_name":${JSON.stringify(name)},"good_quantity":`)
  }
  const objects = new Array<string>(rows.length)
  let [month, head] = ["", ""]
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    if (row[0] !== month) [month, head] = [row[0] as string, `{"month":"${row[0] as string}"`]
    objects[i] =
      `${head}${middles.get(row[1] as string)!}${row[2] as string},"defect_quantity":${row[3] as string},"record_count":${row[4] as string}}`
  }
  return { _tag: "RenderedRows", count: rows.length, pieces: [Buffer.from(objects.join(","), "utf8")] }
}
