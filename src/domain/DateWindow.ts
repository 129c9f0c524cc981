import { type IsoDate, addDays, maxDate, minDate } from "./IsoDate.js"

/** An inclusive, non-empty range of calendar dates. */
export interface DateWindow {
  readonly from: IsoDate
  readonly to: IsoDate
}

export const isEmptyWindow = (w: DateWindow): boolean => w.from > w.to

/** The part of `w` inside `[from, to]`, or undefined when they do not meet. */
export const clip = (w: DateWindow, from: IsoDate, to: IsoDate): DateWindow | undefined => {
  const clipped = { from: maxDate(w.from, from), to: minDate(w.to, to) }
  return isEmptyWindow(clipped) ? undefined : clipped
}

export const dayBefore = (d: IsoDate): IsoDate => addDays(d, -1)
