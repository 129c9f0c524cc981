import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as fc from "effect/FastCheck"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { recordTextsSql } from "../../src/backends/sqlite/engine/optimized/RecordsSql.js"
import { keysetPageIds } from "./keysetPages.js"

// Keyset pages over one file: each page starts strictly after the previous page's last (date, id), in the
// contract's order (date desc, id desc), and the position is the range's only upper bound inside the window.
const db = new Database(":memory:")
db.exec(`CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT,
  item_name TEXT, lot_number TEXT, line_code TEXT, good_quantity INTEGER, defect_quantity INTEGER);
  CREATE INDEX idx_records_date ON production_records (production_date)`)
const insert = db.prepare(`INSERT INTO production_records VALUES (?, ?, 'IT', 'name', 'LOT', 'L1', 1, 0)`)

const day = (n: number) => `2026-03-${String(n).padStart(2, "0")}` as IsoDate

const pages = (from: IsoDate, to: IsoDate, limit: number): Array<number> => keysetPageIds(db, { from, to }, {}, limit)

describe("records keyset pages", () => {
  it.prop(
    "page through a window every matching record exactly once, in (date desc, id desc) order",
    [
      fc.array(fc.integer({ min: 1, max: 28 }), { maxLength: 80 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 0, max: 27 }),
      fc.integer({ min: 1, max: 7 })
    ],
    ([days, a, span, limit]) => {
      db.exec("DELETE FROM production_records")
      days.forEach((d, i) => insert.run(i + 1, day(d)))
      const from = Math.min(a, 28 - span)
      const to = from + span
      const expected = days
        .map((d, i) => ({ d, id: i + 1 }))
        .filter((r) => r.d >= from && r.d <= to)
        .sort((x, y) => y.d - x.d || y.id - x.id)
        .map((r) => r.id)
      expect(pages(day(from), day(to), limit)).toEqual(expected)
    }
  )

  it("bounds a page behind a position by the position alone, and a first page by the window", () => {
    const first = recordTextsSql({ from: day(1), to: day(9) }, {}, undefined, 10, "ndjson", "live")
    expect(first.sql).toContain("production_date BETWEEN ? AND ?")
    const behind = recordTextsSql(
      { from: day(1), to: day(9) },
      {},
      { production_date: day(5), id: 3 },
      10,
      "ndjson",
      "live"
    )
    expect(behind.sql).not.toContain("BETWEEN")
    expect(behind.sql).toContain("production_date >= ?")
    expect(behind.sql).toContain("(production_date, id) < (?, ?)")
    expect(behind.params).toEqual([day(1), day(5), 3, 10])
  })
})
