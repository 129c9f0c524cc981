import { Either, Schema } from "effect"
import { DB_FILES, type DbFile } from "../../domain/DbFile.js"
import { IsoDate } from "../../domain/IsoDate.js"

/** The notify trigger's payload: touched dates as `[["from","to"],…]` ranges (PgTriggers.ts). */
const Payload = Schema.parseJson(Schema.Array(Schema.Tuple(IsoDate, IsoDate)))

/** A file's share of a payload longer than this many days is published as the whole file (a TRUNCATE's range). */
export const MAX_LISTED_DAYS = 4000

const DAY_MILLIS = 86_400_000

/** What one notification touched of each file: its dates, or the whole file when they are too many to list. */
export type TouchedByFile = Partial<Record<DbFile, ReadonlyArray<string> | "all">>

const millisOf = (date: string) => Date.parse(`${date}T00:00:00Z`)
const dateOf = (millis: number) => new Date(millis).toISOString().slice(0, 10)

const dayBefore = (date: string) => dateOf(millisOf(date) - DAY_MILLIS)

/** Adds the dates of `[from, to]` to `into`, or returns false when that would pass `MAX_LISTED_DAYS` in all. */
const addDays = (into: Set<string>, from: string, to: string): boolean => {
  if (from > to) return true
  if ((millisOf(to) - millisOf(from)) / DAY_MILLIS + 1 + into.size > MAX_LISTED_DAYS) return false
  for (let t = millisOf(from); t <= millisOf(to); t += DAY_MILLIS) into.add(dateOf(t))
  return true
}

/**
 * Splits a payload's ranges by the cutover as the SQLite files split the records (live on or after it, archive
 * before); undefined for a payload that is not the trigger's.
 */
export const touchedByFile = (payload: string, cutover: string): TouchedByFile | undefined => {
  const ranges = Schema.decodeUnknownEither(Payload)(payload)
  if (Either.isLeft(ranges)) return undefined
  const sides: Record<DbFile, Set<string> | "all"> = { live: new Set(), archive: new Set() }
  const add = (file: DbFile, from: string, to: string) => {
    const side = sides[file]
    if (side !== "all" && !addDays(side, from, to)) sides[file] = "all"
  }
  for (const [from, to] of ranges.right) {
    if (from < cutover) add("archive", from, to < cutover ? to : dayBefore(cutover))
    if (to >= cutover) add("live", from < cutover ? cutover : from, to)
  }
  const result: TouchedByFile = {}
  for (const file of DB_FILES) {
    const side = sides[file]
    if (side === "all") result[file] = "all"
    else if (side.size > 0) result[file] = [...side].sort()
  }
  return result
}
