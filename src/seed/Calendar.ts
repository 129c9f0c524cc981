/**
 * How busy the plant is on a date: full weekdays, a thin Saturday shift, a skeleton Sunday crew and near-idle
 * holidays. Factors are scaled so that an ordinary week averages 1 (so `--rows-per-day` is a weekly average).
 */
const SATURDAY = 0.36
const SUNDAY = 0.12
const HOLIDAY = 0.08
const WEEK_SCALE = 7 / (5 + SATURDAY + SUNDAY)

/** Fixed-date plant holidays (`MM-DD`). */
const HOLIDAYS: ReadonlySet<string> = new Set(["01-01", "05-01", "12-24", "12-25", "12-26", "12-31"])

/** 0 = Sunday … 6 = Saturday, of a `YYYY-MM-DD` date. */
export const dayOfWeek = (date: string): number =>
  new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)))).getUTCDay()

export const isWeekend = (date: string): boolean => {
  const dow = dayOfWeek(date)
  return dow === 0 || dow === 6
}

/** The expected share of an average day's rows made on `date`. */
export const volumeFactor = (date: string): number => {
  const dow = dayOfWeek(date)
  const raw = HOLIDAYS.has(date.slice(5)) ? HOLIDAY : dow === 6 ? SATURDAY : dow === 0 ? SUNDAY : 1
  return raw * WEEK_SCALE
}
