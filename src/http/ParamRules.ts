import { Either } from "effect"
import { type DateWindow } from "../domain/DateWindow.js"
import { type IsoDate, MAX_API_DATE, MIN_API_DATE, addDays, isIsoDate, maxDate } from "../domain/IsoDate.js"
import { InvalidParameter } from "./ApiErrors.js"

/**
 * The contract's parameter rules as pure functions over the raw query string. Messages name the parameter and
 * the rule but never echo the value (it could be anything, SQL included).
 */

/** The parameters of one request after the structural rules: known names, each once, non-empty values. */
export type RawParams = ReadonlyMap<string, string>

export const invalid = (parameter: string, message: string): InvalidParameter =>
  new InvalidParameter({ message, parameter })

/**
 * Applies the structural rules: a name starting with `_` is ignored, any other name not in `allowed` is an
 * error, a name given twice is an error, and an empty value is the same as no value.
 */
export const readParams = (
  search: string | URLSearchParams,
  path: string,
  allowed: ReadonlyArray<string>
): Either.Either<RawParams, InvalidParameter> => {
  const params = typeof search === "string" ? new URLSearchParams(search) : search
  const seen = new Set<string>()
  const out = new Map<string, string>()
  for (const [name, value] of params) {
    if (name.startsWith("_")) continue
    if (!allowed.includes(name)) {
      const accepted = allowed.length === 0 ? "no parameters" : `only ${allowed.join(", ")}`
      return Either.left(invalid(name, `Unknown parameter "${clip(name)}": ${path} accepts ${accepted}.`))
    }
    if (seen.has(name)) return Either.left(invalid(name, `Parameter "${name}" is given more than once.`))
    seen.add(name)
    if (value !== "") out.set(name, value)
  }
  return Either.right(out)
}

const clip = (name: string): string => (name.length > 40 ? `${name.slice(0, 40)}…` : name)

const datePattern = /^\d{4}-\d{2}-\d{2}$/

export const parseDate = (params: RawParams, name: string): Either.Either<IsoDate | undefined, InvalidParameter> => {
  const value = params.get(name)
  if (value === undefined) return Either.right(undefined)
  if (!datePattern.test(value)) {
    return Either.left(invalid(name, `Parameter "${name}" must be a date written YYYY-MM-DD.`))
  }
  if (!isIsoDate(value)) return Either.left(invalid(name, `Parameter "${name}" is not a calendar date.`))
  if (value < MIN_API_DATE || value > MAX_API_DATE) {
    return Either.left(invalid(name, `Parameter "${name}" must be between ${MIN_API_DATE} and ${MAX_API_DATE}.`))
  }
  return Either.right(value)
}

/** Days between the default `from` and `to`. */
export const DEFAULT_WINDOW_DAYS = 30

/** `from`/`to` with the defaults: `to` = today, `from` = 30 days before `to` (not before 1900-01-01). */
export const parseWindow = (params: RawParams, today: IsoDate): Either.Either<DateWindow, InvalidParameter> =>
  Either.gen(function* () {
    const from = yield* parseDate(params, "from")
    const to = (yield* parseDate(params, "to")) ?? today
    const window = { from: from ?? maxDate(addDays(to, -DEFAULT_WINDOW_DAYS), MIN_API_DATE), to }
    if (window.from > window.to) {
      const toText = params.has("to") ? `"to" (${window.to})` : `"to" (defaults to today, ${window.to})`
      return yield* Either.left(invalid("from", `Parameter "from" (${window.from}) is after ${toText}.`))
    }
    return window
  })

const integerPattern = /^\d{1,9}$/

export const parseLimit = (
  params: RawParams,
  range: { readonly min: number; readonly max: number }
): Either.Either<number | undefined, InvalidParameter> => {
  const value = params.get("limit")
  if (value === undefined) return Either.right(undefined)
  const n = integerPattern.test(value) ? Number(value) : NaN
  if (!(n >= range.min && n <= range.max)) {
    return Either.left(invalid("limit", `Parameter "limit" must be an integer from ${range.min} to ${range.max}.`))
  }
  return Either.right(n)
}

export const MAX_Q_LENGTH = 100

/** `q`: 1–100 characters, counted in code points. */
export const parseQ = (params: RawParams): Either.Either<string | undefined, InvalidParameter> => {
  const value = params.get("q")
  if (value === undefined) return Either.right(undefined)
  let length = 0
  for (const _ of value) length++
  if (length > MAX_Q_LENGTH) {
    return Either.left(invalid("q", `Parameter "q" must be at most ${MAX_Q_LENGTH} characters long.`))
  }
  return Either.right(value)
}

export const requireQ = (params: RawParams): Either.Either<string, InvalidParameter> =>
  Either.flatMap(parseQ(params), (q) =>
    q === undefined
      ? Either.left(invalid("q", `Parameter "q" is required (1 to ${MAX_Q_LENGTH} characters).`))
      : Either.right(q)
  )

/** A value of a fixed set, the first being the default. */
export const parseChoice = <const C extends ReadonlyArray<string>>(
  params: RawParams,
  name: string,
  choices: C
): Either.Either<C[number], InvalidParameter> => {
  const value = params.get(name)
  if (value === undefined) return Either.right(choices[0] as C[number])
  if (choices.includes(value)) return Either.right(value as C[number])
  const list = choices.map((c) => `"${c}"`).join(" or ")
  return Either.left(invalid(name, `Parameter "${name}" must be ${list}.`))
}
