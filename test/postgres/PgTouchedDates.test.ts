import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { MAX_LISTED_DAYS, touchedByFile } from "../../src/backends/postgres/PgTouchedDates.js"

const CUTOVER = "2026-01-01"
const DAY = 86_400_000
const BASE = Date.UTC(2025, 9, 1)

const dateAt = (day: number) => new Date(BASE + day * DAY).toISOString().slice(0, 10)

/** Days 0..200 from 2025-10-01, across the cutover (day 92) and a month end or two. */
const range = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }))

describe("touchedByFile", () => {
  it.prop(
    "each file gets every date of the ranges on its side of the cutover, sorted, once",
    { ranges: fc.array(range, { minLength: 1, maxLength: 6 }) },
    ({ ranges }) => {
      const payload = JSON.stringify(ranges.map(([from, length]) => [dateAt(from), dateAt(from + length)]))
      const all = new Set(ranges.flatMap(([from, length]) => Array.from({ length: length + 1 }, (_, i) => from + i)))
      const sorted = [...all].sort((a, b) => a - b).map(dateAt)
      const live = sorted.filter((d) => d >= CUTOVER)
      const archive = sorted.filter((d) => d < CUTOVER)
      expect(touchedByFile(payload, CUTOVER)).toEqual({
        ...(live.length > 0 ? { live } : {}),
        ...(archive.length > 0 ? { archive } : {})
      })
    }
  )

  it("a side longer than it lists is the whole file: TRUNCATE's range, a long overflow range", () => {
    expect(touchedByFile(`[["0001-01-01","9999-12-31"]]`, CUTOVER)).toEqual({ live: "all", archive: "all" })
    const start = Date.UTC(2026, 0, 1)
    const end = new Date(start + MAX_LISTED_DAYS * DAY).toISOString().slice(0, 10)
    expect(touchedByFile(`[["2025-12-30","${end}"]]`, CUTOVER)).toEqual({
      live: "all",
      archive: ["2025-12-30", "2025-12-31"]
    })
    const justFits = new Date(start + (MAX_LISTED_DAYS - 1) * DAY).toISOString().slice(0, 10)
    expect((touchedByFile(`[["2026-01-01","${justFits}"]]`, CUTOVER)?.live as Array<string>).length).toBe(
      MAX_LISTED_DAYS
    )
  })

  it("a payload that is not the trigger's is undefined", () => {
    for (const payload of ["", "[", `{"a":1}`, `[["2026-02-30","2026-03-01"]]`, `[["2026-01-01"]]`]) {
      expect(touchedByFile(payload, CUTOVER)).toBeUndefined()
    }
  })
})
