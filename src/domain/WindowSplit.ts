import type { DateWindow } from "./DateWindow.js"
import { type IsoMonth, addDays, firstDayOfMonth, lastDayOfMonth, monthOf, nextMonthStart } from "./IsoDate.js"

/** A window cut into the whole months it covers and the ragged days at either end. */
export interface WindowSplit {
  /** First and last whole month, or undefined when the window covers no whole month. */
  readonly months: { readonly from: IsoMonth; readonly to: IsoMonth } | undefined
  /** Up to two day ranges (head, tail) not covered by whole months. */
  readonly days: ReadonlyArray<DateWindow>
}

export const splitWindow = (w: DateWindow): WindowSplit => {
  const firstWhole =
    w.from === firstDayOfMonth(monthOf(w.from)) ? monthOf(w.from) : monthOf(nextMonthStart(monthOf(w.from)))
  const lastWhole =
    w.to === lastDayOfMonth(monthOf(w.to)) ? monthOf(w.to) : monthOf(addDays(firstDayOfMonth(monthOf(w.to)), -1))
  if (firstWhole > lastWhole) return { months: undefined, days: [w] }
  const days: Array<DateWindow> = []
  const wholeFrom = firstDayOfMonth(firstWhole)
  const wholeTo = lastDayOfMonth(lastWhole)
  if (w.from < wholeFrom) days.push({ from: w.from, to: addDays(wholeFrom, -1) })
  if (w.to > wholeTo) days.push({ from: addDays(wholeTo, 1), to: w.to })
  return { months: { from: firstWhole, to: lastWhole }, days }
}
