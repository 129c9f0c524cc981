import { describe, expect, it } from "@effect/vitest"
import { routeWindow } from "../../src/domain/DateRouter.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"

const d = (s: string) => s as IsoDate
const route = (from: string, to: string, cutover = "2026-01-01") =>
  routeWindow({ from: d(from), to: d(to) }, d(cutover)).map((p) => [p.file, p.window.from, p.window.to])

describe("routeWindow: which file answers which part of a window", () => {
  it("sends a window wholly before the cutover to the archive alone", () => {
    expect(route("2025-01-01", "2025-12-31")).toEqual([["archive", "2025-01-01", "2025-12-31"]])
  })

  it("sends a window starting on the cutover to the live file alone", () => {
    expect(route("2026-01-01", "2026-03-31")).toEqual([["live", "2026-01-01", "2026-03-31"]])
    expect(route("2026-01-01", "2026-01-01")).toEqual([["live", "2026-01-01", "2026-01-01"]])
  })

  it("splits a window across the cutover at it, live part first", () => {
    expect(route("2025-12-31", "2026-01-01")).toEqual([
      ["live", "2026-01-01", "2026-01-01"],
      ["archive", "2025-12-31", "2025-12-31"]
    ])
    expect(route("2025-07-01", "2026-06-30")).toEqual([
      ["live", "2026-01-01", "2026-06-30"],
      ["archive", "2025-07-01", "2025-12-31"]
    ])
  })

  it("keeps the day before the cutover in the archive", () => {
    expect(route("2025-12-31", "2025-12-31")).toEqual([["archive", "2025-12-31", "2025-12-31"]])
  })

  it("works with a cutover inside a month and across a leap day", () => {
    expect(route("2024-02-28", "2024-03-02", "2024-03-01")).toEqual([
      ["live", "2024-03-01", "2024-03-02"],
      ["archive", "2024-02-28", "2024-02-29"]
    ])
  })

  it("puts everything in the live file when the cutover is the first date of the API span", () => {
    expect(route("1900-01-01", "1900-01-05", "1900-01-01")).toEqual([["live", "1900-01-01", "1900-01-05"]])
  })
})
