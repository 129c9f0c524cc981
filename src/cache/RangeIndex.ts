import type { DateWindow } from "../domain/DateWindow.js"

/** Windows spanning more months than this are kept in one list and checked one by one. */
const MAX_BUCKETED_MONTHS = 24

const MONTHLY_DATE = /^\d{4}-(0[1-9]|1[0-2])-\d{2}$/

/** `YYYY-MM` months from `from`'s to `to`'s, or undefined when there are more than `limit`. */
const monthsOf = (w: DateWindow, limit: number): Array<string> | undefined => {
  let year = Number(w.from.slice(0, 4))
  let month = Number(w.from.slice(5, 7))
  const last = w.to.slice(0, 7)
  const months: Array<string> = []
  for (;;) {
    const m = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`
    if (m > last) return months
    if (months.length === limit) return undefined
    months.push(m)
    if (++month === 13) [year, month] = [year + 1, 1]
  }
}

/** Whether one of `sorted` (ascending) lies in `w`, comparing as SQLite compares the TEXT dates. */
const containsAny = (w: DateWindow, sorted: ReadonlyArray<string>): boolean => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < w.from) lo = mid + 1
    else hi = mid
  }
  return lo < sorted.length && sorted[lo]! <= w.to
}

/** Whether `dates` touches an answer covering `window` (undefined = every date). */
export const touches = (window: DateWindow | undefined, sortedDates: ReadonlyArray<string>): boolean =>
  window === undefined ? sortedDates.length > 0 : containsAny(window, sortedDates)

/**
 * The windows of one file's entries, bucketed by month, so that a commit touching a few dates finds the entries
 * covering them without visiting the rest. Windows of more than two years, and entries of every date, are few and
 * kept aside.
 */
export class RangeIndex {
  readonly #everyDate = new Set<string>()
  readonly #wide = new Map<string, DateWindow>()
  readonly #byMonth = new Map<string, Map<string, DateWindow>>()

  add(key: string, window: DateWindow | undefined): void {
    if (window === undefined) return void this.#everyDate.add(key)
    const months = monthsOf(window, MAX_BUCKETED_MONTHS)
    if (months === undefined) return void this.#wide.set(key, window)
    for (const m of months) {
      let bucket = this.#byMonth.get(m)
      if (bucket === undefined) this.#byMonth.set(m, (bucket = new Map()))
      bucket.set(key, window)
    }
  }

  remove(key: string, window: DateWindow | undefined): void {
    if (window === undefined) return void this.#everyDate.delete(key)
    const months = monthsOf(window, MAX_BUCKETED_MONTHS)
    if (months === undefined) return void this.#wide.delete(key)
    for (const m of months) {
      const bucket = this.#byMonth.get(m)
      bucket?.delete(key)
      if (bucket?.size === 0) this.#byMonth.delete(m)
    }
  }

  /** The keys whose window contains one of `dates`. */
  matching(dates: ReadonlyArray<string>): Set<string> {
    const sorted = [...new Set(dates)].sort()
    const found = new Set<string>()
    if (sorted.length === 0) return found
    for (const key of this.#everyDate) found.add(key)
    for (const [key, w] of this.#wide) if (containsAny(w, sorted)) found.add(key)
    const byMonth = new Map<string, Array<string>>()
    const odd: Array<string> = []
    for (const d of sorted) {
      if (!MONTHLY_DATE.test(d)) odd.push(d)
      else {
        const month = byMonth.get(d.slice(0, 7))
        if (month === undefined) byMonth.set(d.slice(0, 7), [d])
        else month.push(d)
      }
    }
    for (const [m, monthDates] of byMonth) {
      for (const [key, w] of this.#byMonth.get(m) ?? []) if (containsAny(w, monthDates)) found.add(key)
    }
    // A stored date that is not `YYYY-MM-DD` with a real month still falls inside windows by text order: check all.
    if (odd.length > 0) {
      for (const bucket of this.#byMonth.values())
        for (const [key, w] of bucket) if (containsAny(w, odd)) found.add(key)
    }
    return found
  }
}
