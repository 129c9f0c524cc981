import type { DateWindow } from "../../../../domain/DateWindow.js"
import { lastDayOfMonth, monthOf, nextMonthStart } from "../../../../domain/IsoDate.js"
import { splitWindow } from "../../../../domain/WindowSplit.js"

// The day ranges a summary reads besides whole months, and how such a range is best summed.

/** A range no period falls in: keeps one SQL text per shape whatever the window's ragged edges are. */
export const NO_RANGE: readonly [string, string] = ["1", "0"]

/** The ragged day ranges of a window, each within one month (at most two: a head and a tail). */
export const edgeRanges = (window: DateWindow): ReadonlyArray<DateWindow> =>
  splitWindow(window).days.flatMap((d) => {
    const parts: Array<DateWindow> = []
    let from = d.from
    while (monthOf(from) < monthOf(d.to)) {
      parts.push({ from, to: lastDayOfMonth(monthOf(from)) })
      from = nextMonthStart(monthOf(from))
    }
    parts.push({ from, to: d.to })
    return parts
  })

/**
 * Days in a range up to which summing its day rows beats the running totals' seeks: a day row of a range scan
 * costs about a tenth of a group's four seeks (docs/benchmark-notes.md).
 */
const SCAN_MAX_DAYS = 10

/** Whether a day range this long is summed from its day rows rather than from two running totals per group. */
export const scansDays = (days: number): boolean => days <= SCAN_MAX_DAYS

export const daysIn = (r: DateWindow): number => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 + 1
