import { Schema } from "effect"

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})$/

const isCalendarDate = (s: string): boolean => {
  const m = isoPattern.exec(s)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1) return false
  return d <= daysInMonth(y, mo)
}

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** A calendar-valid `YYYY-MM-DD` date. Lexicographic order is chronological order. */
export const IsoDate = Schema.String.pipe(
  Schema.filter((s) => isCalendarDate(s) || `expected a calendar date YYYY-MM-DD, got ${JSON.stringify(s)}`),
  Schema.brand("IsoDate")
)
export type IsoDate = typeof IsoDate.Type

/** A `YYYY-MM` month. */
export const IsoMonth = Schema.String.pipe(Schema.pattern(/^\d{4}-(0[1-9]|1[0-2])$/), Schema.brand("IsoMonth"))
export type IsoMonth = typeof IsoMonth.Type

export const MIN_API_DATE = "1900-01-01" as IsoDate
export const MAX_API_DATE = "2999-12-31" as IsoDate

const fromUtcMillis = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10) as IsoDate
const toUtcMillis = (d: IsoDate): number =>
  Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8)))

export const isIsoDate = (s: string): s is IsoDate => isCalendarDate(s)

/** The UTC calendar date of an epoch-milliseconds instant. */
export const utcDateOf = (epochMillis: number): IsoDate => fromUtcMillis(epochMillis)

export const addDays = (d: IsoDate, days: number): IsoDate => fromUtcMillis(toUtcMillis(d) + days * 86_400_000)

export const minDate = (a: IsoDate, b: IsoDate): IsoDate => (a <= b ? a : b)
export const maxDate = (a: IsoDate, b: IsoDate): IsoDate => (a >= b ? a : b)

export const monthOf = (d: IsoDate): IsoMonth => d.slice(0, 7) as IsoMonth
export const firstDayOfMonth = (m: IsoMonth): IsoDate => `${m}-01` as IsoDate
export const lastDayOfMonth = (m: IsoMonth): IsoDate =>
  `${m}-${String(daysInMonth(Number(m.slice(0, 4)), Number(m.slice(5, 7)))).padStart(2, "0")}` as IsoDate

/** The first day of the month after `m`'s. */
export const nextMonthStart = (m: IsoMonth): IsoDate => addDays(lastDayOfMonth(m), 1)
