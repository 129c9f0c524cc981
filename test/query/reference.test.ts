import type { ApiRecord } from "../../src/domain/ProductionRecord.js"
import { describe, expect, it, layer } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Layer } from "effect"
import { mkdtempSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { DbTargets } from "../../src/config/DbTargets.js"
import { PRODUCTION_RECORDS_DDL } from "../../src/backends/sqlite/db/BaseSchema.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { type IsoDate } from "../../src/domain/IsoDate.js"
import {
  ItemsQuery,
  LinesQuery,
  type RecordFilters,
  type RecordPosition,
  RecordsQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery
} from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { pageRecords } from "./pageRecords.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"

// [id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity]
type Row = readonly [number, string, string, string, string, string, number, number]

const ARCHIVE: ReadonlyArray<Row> = [
  [1, "2025-12-30", "A100", "Bracket Ø20", "AB_123", "L1", 100, 2],
  [2, "2025-12-31", "B200", "Valve 50% duty", "ABX123", "L2", 200, 5],
  [3, "2025-12-31", "C300", "Hinge_LH", "ab_777", "L1", 30, 0],
  [4, "2025-11-15", "A100", "Bracket Ø20", "50%-A", "L2", 40, 1],
  [5, "2025-11-20", "E500", "Gasket 5000", "500-B", "L3", 70, 7],
  [6, "2026-01-05", "A100", "Bracket Ø20 MISFILED", "AB_999", "L9", 9999, 99] // misfiled: after the cutover
]
const LIVE: ReadonlyArray<Row> = [
  [1, "2026-01-01", "A100", "Bracket Ø20 rev B", "AB_124", "L1", 110, 3],
  [2, "2026-01-01", "D400", "Hinge LH", "ABX999", "L2", 65, 0],
  [3, "2026-01-02", "B200", "Valve 50% duty", "50%-C", "L1", 210, 4],
  [4, "2026-01-02", "C300", "Hinge_LH", "AB_126", "L3", 35, 1],
  [6, "2026-02-10", "A100", "Bracket Ø20 rev B", "AB_131", "L1", 80, 2],
  [5, "2026-02-10", "A100", "bracket ø20 rev C", "ab_130", "L2", 120, 0],
  [7, "2026-02-11", "E500", "Gasket 5000", "500-D", "L3", 75, 5],
  [8, "2025-12-15", "B200", "Valve MISFILED", "AB_000", "L8", 8888, 88] // misfiled: before the cutover
]

const dir = mkdtempSync(join(tmpdir(), "reference-engine-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const writeDb = (name: string, rows: ReadonlyArray<Row>): string => {
  const path = join(dir, name)
  const db = new Database(path)
  db.exec(PRODUCTION_RECORDS_DDL)
  const insert = db.prepare("INSERT INTO production_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
  for (const row of rows) insert.run(...row)
  db.close()
  return path
}

const CUTOVER = "2026-01-01" as IsoDate
const LIVE_PATH = writeDb("live.db", LIVE)
const ARCHIVE_PATH = writeDb("archive.db", ARCHIVE)

const engineLayer = (live: string, archive: string, archiveExplicit = true) => {
  const liveTarget = { file: "live" as const, path: live, explicit: true }
  const archiveTarget = { file: "archive" as const, path: archive, explicit: archiveExplicit }
  const targets = DbTargets.make({
    live: liveTarget,
    archive: archiveTarget,
    cutover: CUTOVER,
    of: (file: DbFile) => (file === "live" ? liveTarget : archiveTarget)
  })
  return ReferenceEngineLive.pipe(Layer.provide(Layer.succeed(DbTargets, targets)))
}

const w = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
const ALL = w("2025-01-01", "2026-12-31")
const W = w("2025-12-01", "2026-01-31")

/** A page with its rows parsed back from their JSON texts. */
const records = (window = ALL, filters: RecordFilters = {}, limit = 100, after?: RecordPosition) =>
  Effect.flatMap(QueryEngine, (e) =>
    Effect.map(e.run(new RecordsQuery({ window, filters, limit, after })), (page) => ({
      ...page,
      rows: pageRecords<ApiRecord>(page.rows)
    }))
  )
/** A page as `l4`, `a3`…: the first letter of the source, then the id. */
const keys = (window = ALL, filters: RecordFilters = {}) =>
  Effect.map(records(window, filters), (page) => page.rows.map((r) => `${r.source[0]}${r.id}`))
const run = <A>(f: (e: QueryEngine["Type"]) => Effect.Effect<A, unknown>) => Effect.flatMap(QueryEngine, f)

const ORDER_ALL = ["l7", "l6", "l5", "l4", "l3", "l2", "l1", "a3", "a2", "a1", "a5", "a4"]

layer(engineLayer(LIVE_PATH, ARCHIVE_PATH))("reference engine, both files", (it) => {
  it.effect("routes each side of the cutover to its file and ignores misfiled records", () =>
    Effect.gen(function* () {
      const page = yield* records(W)
      expect(page.rows.map((r) => `${r.source[0]}${r.id}`)).toEqual(["l4", "l3", "l2", "l1", "a3", "a2", "a1"])
      expect(page.next).toBeNull()
      expect(page.rows[0]).toEqual({
        source: "live",
        id: 4,
        production_date: "2026-01-02",
        item_code: "C300",
        item_name: "Hinge_LH",
        lot_number: "AB_126",
        line_code: "L3",
        good_quantity: 35,
        defect_quantity: 1
      })
      expect(yield* keys(w("2026-01-01", "2026-01-01"))).toEqual(["l2", "l1"])
      expect(yield* keys(w("2025-12-31", "2025-12-31"))).toEqual(["a3", "a2"])
      expect(yield* keys(w("2026-01-05", "2026-01-05"))).toEqual([])
      expect(yield* keys(w("2025-12-15", "2025-12-15"))).toEqual([])
      expect(yield* keys()).toEqual(ORDER_ALL)
    })
  )

  it.effect("filters: exact codes, literal case-sensitive lot prefix, folded literal q", () =>
    Effect.gen(function* () {
      expect(yield* keys(ALL, { item_code: "A100" })).toEqual(["l6", "l5", "l1", "a1", "a4"])
      expect(yield* keys(ALL, { line_code: "L3" })).toEqual(["l7", "l4", "a5"])
      expect(yield* keys(ALL, { lot_prefix: "AB_" })).toEqual(["l6", "l4", "l1", "a1"])
      expect(yield* keys(ALL, { lot_prefix: "ab_" })).toEqual(["l5", "a3"])
      expect(yield* keys(ALL, { lot_prefix: "50%" })).toEqual(["l3", "a4"])
      expect(yield* keys(ALL, { lot_prefix: "AB%" })).toEqual([])
      expect(yield* keys(ALL, { lot_prefix: "" })).toEqual(ORDER_ALL)
      expect(yield* keys(ALL, { q: "ø20" })).toEqual(["l6", "l5", "l1", "a1", "a4"])
      expect(yield* keys(ALL, { q: "Ø20 REV" })).toEqual(["l6", "l5", "l1"])
      expect(yield* keys(ALL, { q: "50%" })).toEqual(["l3", "a2"])
      expect(yield* keys(ALL, { q: "_LH" })).toEqual(["l4", "a3"])
      expect(yield* keys(ALL, { q: "hinge" })).toEqual(["l4", "l2", "a3"])
      expect(yield* keys(ALL, { item_code: "A100", line_code: "L1", lot_prefix: "AB_", q: "rev" })).toEqual([
        "l6",
        "l1"
      ])
    })
  )

  it.effect("pages with keyset `after`: every record once, in order, whatever the page sizes", () =>
    Effect.gen(function* () {
      for (const sizes of [[5], [2], [1], [3, 1, 4, 2]]) {
        const seen: Array<string> = []
        let after: RecordPosition | undefined
        for (let i = 0; ; i++) {
          const page = yield* records(ALL, {}, sizes[i % sizes.length]!, after)
          seen.push(...page.rows.map((r) => `${r.source[0]}${r.id}`))
          if (page.next === null) break
          after = page.next
        }
        expect(seen).toEqual(ORDER_ALL)
      }
      const page = yield* records(ALL, {}, 2, { production_date: "2026-01-02", source: "live", id: 4 })
      expect(page.rows.map((r) => r.id)).toEqual([3, 2])
      expect(page.next).toEqual({ production_date: "2026-01-01", source: "live", id: 2 })
      const last = yield* records(ALL, {}, 2, { production_date: "2025-11-20", source: "archive", id: 5 })
      expect(last).toEqual({ rows: [expect.objectContaining({ source: "archive", id: 4 })], next: null })
    })
  )

  it.effect("daily, monthly and by-line totals over the window and filters", () =>
    Effect.gen(function* () {
      const t = (good_quantity: number, defect_quantity: number, record_count: number) => ({
        good_quantity,
        defect_quantity,
        record_count
      })
      const noFilter = { window: W, item_code: undefined, line_code: undefined }
      expect(yield* run((e) => e.run(new SummaryDailyQuery(noFilter)))).toEqual({
        rows: [
          { date: "2025-12-30", ...t(100, 2, 1) },
          { date: "2025-12-31", ...t(230, 5, 2) },
          { date: "2026-01-01", ...t(175, 3, 2) },
          { date: "2026-01-02", ...t(245, 5, 2) }
        ]
      })
      expect(yield* run((e) => e.run(new SummaryMonthlyQuery(noFilter)))).toEqual({
        rows: [
          { month: "2025-12", ...t(330, 7, 3) },
          { month: "2026-01", ...t(420, 8, 4) }
        ]
      })
      expect(yield* run((e) => e.run(new SummaryByLineQuery({ window: W, item_code: undefined })))).toEqual({
        rows: [
          { line_code: "L1", ...t(450, 9, 4) },
          { line_code: "L2", ...t(265, 5, 2) },
          { line_code: "L3", ...t(35, 1, 1) }
        ]
      })
      const a100L1 = { window: W, item_code: "A100", line_code: "L1" }
      expect(yield* run((e) => e.run(new SummaryDailyQuery(a100L1)))).toEqual({
        rows: [
          { date: "2025-12-30", ...t(100, 2, 1) },
          { date: "2026-01-01", ...t(110, 3, 1) }
        ]
      })
      expect(yield* run((e) => e.run(new SummaryByLineQuery({ window: W, item_code: "B200" })))).toEqual({
        rows: [
          { line_code: "L1", ...t(210, 4, 1) },
          { line_code: "L2", ...t(200, 5, 1) }
        ]
      })
      const misfiledOnly = { window: w("2026-01-05", "2026-01-09"), item_code: undefined, line_code: undefined }
      expect(yield* run((e) => e.run(new SummaryDailyQuery(misfiledOnly)))).toEqual({ rows: [] })
    })
  )

  it.effect("by-item: good desc then item_code, limit, name of the latest counted record", () =>
    Effect.gen(function* () {
      const byItem = (window = W, line_code?: string, limit?: number) =>
        run((e) => e.run(new SummaryByItemQuery({ window, line_code, limit })))
      const row = (item_code: string, item_name: string, g: number, d: number, n: number) => ({
        item_code,
        item_name,
        good_quantity: g,
        defect_quantity: d,
        record_count: n
      })
      expect(yield* byItem()).toEqual({
        rows: [
          row("B200", "Valve 50% duty", 410, 9, 2),
          row("A100", "Bracket Ø20 rev B", 210, 5, 2),
          row("C300", "Hinge_LH", 65, 1, 2),
          row("D400", "Hinge LH", 65, 0, 1)
        ]
      })
      expect(
        ((yield* byItem(W, undefined, 2)).rows as ReadonlyArray<{ item_code: string }>).map((r) => r.item_code)
      ).toEqual(["B200", "A100"])
      expect(yield* byItem(W, "L1")).toEqual({
        rows: [
          row("A100", "Bracket Ø20 rev B", 210, 5, 2),
          row("B200", "Valve 50% duty", 210, 4, 1),
          row("C300", "Hinge_LH", 30, 0, 1)
        ]
      })
      // The rename is outside this window, and the misfiled live record (B200 "Valve MISFILED") is not counted.
      expect(yield* byItem(w("2025-11-01", "2025-12-31"))).toEqual({
        rows: [
          row("B200", "Valve 50% duty", 200, 5, 1),
          row("A100", "Bracket Ø20", 140, 3, 2),
          row("E500", "Gasket 5000", 70, 7, 1),
          row("C300", "Hinge_LH", 30, 0, 1)
        ]
      })
      // Same date: the higher id (6, "rev B") wins over id 5 ("rev C").
      expect(yield* byItem(w("2026-02-01", "2026-02-28"))).toEqual({
        rows: [row("A100", "Bracket Ø20 rev B", 200, 2, 2), row("E500", "Gasket 5000", 75, 5, 1)]
      })
    })
  )

  it.effect("monthly-by-item: one name per item for the whole response", () =>
    Effect.gen(function* () {
      const mbi = (window: typeof W, item_code?: string) =>
        run((e) => e.run(new SummaryMonthlyByItemQuery({ window, item_code, line_code: undefined })))
      const row = (month: string, item_code: string, item_name: string, g: number, d: number, n: number) => ({
        month,
        item_code,
        item_name,
        good_quantity: g,
        defect_quantity: d,
        record_count: n
      })
      expect(yield* mbi(W)).toEqual({
        rows: [
          row("2025-12", "A100", "Bracket Ø20 rev B", 100, 2, 1),
          row("2025-12", "B200", "Valve 50% duty", 200, 5, 1),
          row("2025-12", "C300", "Hinge_LH", 30, 0, 1),
          row("2026-01", "A100", "Bracket Ø20 rev B", 110, 3, 1),
          row("2026-01", "B200", "Valve 50% duty", 210, 4, 1),
          row("2026-01", "C300", "Hinge_LH", 35, 1, 1),
          row("2026-01", "D400", "Hinge LH", 65, 0, 1)
        ]
      })
      expect(yield* mbi(ALL, "A100")).toEqual({
        rows: [
          row("2025-11", "A100", "Bracket Ø20 rev B", 40, 1, 1),
          row("2025-12", "A100", "Bracket Ø20 rev B", 100, 2, 1),
          row("2026-01", "A100", "Bracket Ø20 rev B", 110, 3, 1),
          row("2026-02", "A100", "Bracket Ø20 rev B", 200, 2, 2)
        ]
      })
    })
  )

  it.effect("items: distinct pairs of every record of both files, any date; truncated; lines", () =>
    Effect.gen(function* () {
      const items = (q: string, limit = 50) => run((e) => e.run(new ItemsQuery({ q, limit })))
      const a100 = (...names: Array<string>) => names.map((item_name) => ({ item_code: "A100", item_name }))
      const names = ["Bracket Ø20", "Bracket Ø20 MISFILED", "Bracket Ø20 rev B", "bracket ø20 rev C"]
      expect(yield* items("ø20")).toEqual({ rows: a100(...names), truncated: false })
      expect(yield* items("ø20", 4)).toEqual({ rows: a100(...names), truncated: false })
      expect(yield* items("Ø20", 2)).toEqual({ rows: a100(...names.slice(0, 2)), truncated: true })
      expect(yield* items("50%")).toEqual({
        rows: [{ item_code: "B200", item_name: "Valve 50% duty" }],
        truncated: false
      })
      expect(yield* items("_lh")).toEqual({ rows: [{ item_code: "C300", item_name: "Hinge_LH" }], truncated: false })
      expect((yield* items("misfiled")).rows.map((r) => r.item_code)).toEqual(["A100", "B200"])
      expect(yield* run((e) => e.run(new LinesQuery()))).toEqual({
        rows: ["L1", "L2", "L3", "L8", "L9"].map((line_code) => ({ line_code }))
      })
    })
  )
})

layer(engineLayer(LIVE_PATH, join(dir, "no-archive.db"), false))("reference engine, archive absent", (it) => {
  it.effect("serves the live file alone; windows before the cutover are empty", () =>
    Effect.gen(function* () {
      expect(yield* keys(W)).toEqual(["l4", "l3", "l2", "l1"])
      expect(yield* keys(w("2025-01-01", "2025-12-31"))).toEqual([])
      const daily = { window: w("2025-12-01", "2025-12-31"), item_code: undefined, line_code: undefined }
      expect(yield* run((e) => e.run(new SummaryDailyQuery(daily)))).toEqual({ rows: [] })
      const items = yield* run((e) => e.run(new ItemsQuery({ q: "ø20", limit: 50 })))
      expect(items.rows.map((r) => r.item_name)).toEqual(["Bracket Ø20 rev B", "bracket ø20 rev C"])
      const lines = yield* run((e) => e.run(new LinesQuery()))
      expect(lines.rows.map((r) => r.line_code)).toEqual(["L1", "L2", "L3", "L8"])
    })
  )
})

describe("reference engine, faults and replaced files", () => {
  it.effect("a named archive that is missing fails only the windows that need it", () =>
    Effect.gen(function* () {
      expect(yield* keys(w("2026-01-01", "2026-01-01"))).toEqual(["l2", "l1"])
      const error = yield* Effect.flip(keys(W))
      expect(error).toMatchObject({ _tag: "DatabaseUnavailable", file: "archive" })
    }).pipe(Effect.provide(engineLayer(LIVE_PATH, join(dir, "named-but-missing.db"))))
  )

  it.effect("a missing live file is DatabaseUnavailable(live)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(keys(W))
      expect(error).toMatchObject({ _tag: "DatabaseUnavailable", file: "live" })
    }).pipe(Effect.provide(engineLayer(join(dir, "missing-live.db"), ARCHIVE_PATH)))
  )

  it.effect("reads the new file after the live file is replaced on disk", () => {
    const path = writeDb("replaced-live.db", LIVE.slice(0, 2))
    return Effect.gen(function* () {
      expect(yield* keys(W)).toEqual(["l2", "l1", "a3", "a2", "a1"])
      renameSync(writeDb("replacement.db", LIVE.slice(2, 4)), path)
      expect(yield* keys(W)).toEqual(["l4", "l3", "a3", "a2", "a1"])
    }).pipe(Effect.provide(engineLayer(path, ARCHIVE_PATH)))
  })
})
