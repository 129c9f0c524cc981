import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as fc from "effect/FastCheck"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import {
  type LotPlan,
  lotPlanOf,
  lotProbeSql,
  newestMayHold,
  recordTextsSql
} from "../../src/backends/sqlite/engine/optimized/RecordsSql.js"
import { keysetPageIds } from "./keysetPages.js"

// A lot prefix alone is read through the index the engine picks after its probe: both plans page through the same
// records in the same order as a plain filter of the rows, and the probe counts what the plan rule needs.
const db = new Database(":memory:")
db.exec(`CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT,
  item_name TEXT, lot_number TEXT, line_code TEXT, good_quantity INTEGER, defect_quantity INTEGER);
  CREATE INDEX idx_records_date ON production_records (production_date);
  CREATE INDEX idx_lot_number ON production_records (lot_number);
  CREATE INDEX idx_records_lot_date ON production_records (lot_number, production_date)`)
const insert = db.prepare(`INSERT INTO production_records VALUES (?, ?, 'IT', 'name', ?, 'L1', 1, 0)`)

const day = (n: number) => `2026-03-${String(n).padStart(2, "0")}` as IsoDate
// Lots sharing prefixes at several lengths, with characters that sort around the prefix's upper bound.
const lotArb = fc.stringMatching(/^[AB][AB\u00ff\uffff]{0,3}$/)

const pages = (from: IsoDate, to: IsoDate, prefix: string, limit: number, plan: LotPlan): Array<number> =>
  keysetPageIds(db, { from, to }, { lot_prefix: prefix }, limit, plan)

describe("a lot prefix read through either plan", () => {
  it.prop(
    "both plans page through exactly the matching records in (date desc, id desc) order; the probe counts them",
    [
      fc.array(fc.tuple(fc.integer({ min: 1, max: 28 }), lotArb), { maxLength: 80 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 27 }),
      fc.stringMatching(/^[AB][AB\u00ff\uffff]{0,2}$/),
      fc.integer({ min: 1, max: 7 })
    ],
    ([records, a, span, prefix, limit]) => {
      db.exec("DELETE FROM production_records")
      records.forEach(([d, lot], i) => insert.run(i + 1, day(d), lot))
      const from = Math.min(a, 28 - span)
      const to = from + span
      const ofPrefix = records.map(([d, lot], i) => ({ d, lot, id: i + 1 })).filter((r) => r.lot.startsWith(prefix))
      const expected = ofPrefix
        .filter((r) => r.d >= from && r.d <= to)
        .sort((x, y) => y.d - x.d || y.id - x.id)
        .map((r) => r.id)
      expect(pages(day(from), day(to), prefix, limit, "lot")).toEqual(expected)
      expect(pages(day(from), day(to), prefix, limit, "date")).toEqual(expected)
      // Fewer than the newest-records budget lie in the window here: that plan reads them all.
      expect(pages(day(from), day(to), prefix, limit, "newest")).toEqual(expected)

      const probe = lotProbeSql({ from: day(from), to: day(to) }, prefix, undefined)
      const counts = db
        .prepare(probe.sql)
        .raw(true)
        .get(...probe.params) as [number, number]
      expect(counts).toEqual([ofPrefix.length, expected.length])
      expect(lotPlanOf(counts, limit)).toBe(expected.length <= 20 * limit ? "lot" : "date")
    }
  )

  it("reads only the window's newest 2,000 records through the newest plan: its page is then the start of the answer", () => {
    db.exec("DELETE FROM production_records")
    // 3,000 records on one day; the prefix's are the oldest 1,500 and every tenth of the newest 1,500.
    for (let id = 1; id <= 3_000; id++) insert.run(id, day(5), id <= 1_500 || id % 10 === 0 ? "AB" : "BB")
    const newest = recordTextsSql(
      { from: day(1), to: day(9) },
      { lot_prefix: "A" },
      undefined,
      500,
      "ndjson",
      "live",
      "newest"
    )
    const ids = (
      db
        .prepare(newest.sql)
        .raw(true)
        .all(...newest.params) as Array<[string, string, number]>
    ).map((r) => r[2])
    // The newest 2,000 are ids 3,000..1,001: 150 of the prefix among 3,000..1,501, then 1,500..1,001.
    expect(ids).toEqual([
      ...Array.from({ length: 150 }, (_, i) => 3_000 - 10 * i),
      ...Array.from({ length: 350 }, (_, i) => 1_500 - i)
    ])
    expect(pages(day(1), day(9), "A", 500, "lot").slice(0, 500)).toEqual(ids)
  })

  it("takes the date plan once the probe reads its whole budget, or too many records lie in the window", () => {
    expect(lotPlanOf([19_999, 0], 100)).toBe("lot")
    expect(lotPlanOf([20_000, 0], 100)).toBe("date")
    expect(lotPlanOf([5_000, 2_000], 100)).toBe("lot")
    expect(lotPlanOf([5_000, 2_001], 100)).toBe("date")
    expect(lotPlanOf(undefined, 100)).toBe("lot")
    // The newest records are tried for pages, not for an export's 5,000-row chunks.
    expect([newestMayHold(1_000), newestMayHold(2_000), newestMayHold(5_000)]).toEqual([true, true, false])
  })
})
