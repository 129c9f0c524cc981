import { describe, expect, it } from "vitest"
import type { ShapeRun } from "../../scripts/bench/Latency.js"
import { type PostgresResults, postgresSection, postgresTargets } from "../../scripts/bench/ReportPostgres.js"
import type { Endpoint } from "../../scripts/bench/Shapes.js"
import { tableRows } from "./MarkdownRows.js"

const run = (endpoint: Endpoint, label: string, rows: number, ms: ReadonlyArray<number>): ShapeRun => ({
  shape: { endpoint, label, url: `/${endpoint}?${label}` },
  rows,
  bytes: 100,
  samples: ms.map((x) => ({ ms: x, dbMs: undefined, status: 200, xCache: "MISS" }))
})

const sqlite = [
  run("summary_monthly", "12 months", 12, [1, 1, 1]),
  run("summary_monthly", "24 months", 24, [1.2, 1.2, 1.2]),
  run("records", "7 days", 100, [0.5, 0.5, 0.5])
]

const postgres = (records: ReadonlyArray<number>): PostgresResults => ({
  runs: [
    run("summary_monthly", "12 months", 12, [2, 2, 2]),
    run("summary_monthly", "24 months", 24, [2.4, 2.4, 2.4]),
    run("records", "7 days", 100, records)
  ],
  build: {
    key: "k",
    builtAt: "2026-12-06T17:00:00.000Z",
    migrateS: 1.25,
    importS: 42.5,
    databaseBytes: 512 * 1048576,
    records: 3_100_000,
    server: "15.14"
  },
  cached: true,
  mixed: { distinct: 60, kinds: {}, crossing: 3, warmupS: 1, runs: [] }
})

describe("report §6: PostgreSQL beside SQLite", () => {
  it("gives each endpoint's p50 on both backends, their ratio and whether it is within 3×", () => {
    const text = postgresSection({ optimized: sqlite, postgres: postgres([4, 4, 4]) })
    const endpoints = tableRows(text, "endpoint")
    expect(endpoints).toEqual([
      ["/records", "0.500", "4.00", "8.00×", "**no**"],
      ["/summary/monthly", "1.00", "2.00", "2.00×", "yes"]
    ])
    expect(text).toContain("**42.5 s**")
    expect(text).toContain("**512.0 MB**")
    expect(text).toContain("Built by an earlier run at 2026-12-06T17:00:00.000Z")
  })

  it("judges the two targets: within 3× per endpoint, and every shape within its uncached limit", () => {
    const slow = postgresTargets({ optimized: sqlite, postgres: postgres([4, 4, 4]) })
    expect(slow.map((t) => t.pass)).toEqual([false, false])
    expect(slow[0]!.measured).toMatch(/^1\/2 endpoints within; worst: \/records 4.00 vs 0.500 ms = 8.00×/)
    expect(slow[1]!.measured).toMatch(/^2\/3 shapes within their limit; worst: records 7 days p50 4.00 ms vs 2.00 ms/)

    const fast = postgresTargets({ optimized: sqlite, postgres: postgres([1.4, 1.4, 1.4]) })
    expect(fast.map((t) => t.pass)).toEqual([true, true])
  })

  it("adds nothing to a run without PostgreSQL", () => {
    expect(postgresSection({ optimized: sqlite, postgres: undefined })).toBe("")
    expect(postgresTargets({ optimized: sqlite, postgres: undefined })).toEqual([])
  })
})
