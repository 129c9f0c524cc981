import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import * as fc from "effect/FastCheck"
import { type ApiRecord, RECORD_COLUMNS, recordJson } from "../../src/domain/ProductionRecord.js"
import { csvLine, ndjsonLine } from "../../src/domain/RecordLines.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { type RecordFormat, recordTextsSql } from "../../src/backends/sqlite/engine/optimized/RecordsSql.js"

// The optimized engine has SQLite render records (json_object, CSV concatenation) where the reference engine
// renders them in JavaScript: both must give the same bytes for any text a file may hold.
const db = new Database(":memory:")
db.exec(`CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT,
  item_name TEXT, lot_number TEXT, line_code TEXT, good_quantity INTEGER, defect_quantity INTEGER)`)
const insert = db.prepare(`INSERT INTO production_records VALUES (${RECORD_COLUMNS.map(() => "?").join(", ")})`)

const DAY = "2026-03-04" as IsoDate
const rendered = (format: RecordFormat, source: "live" | "archive"): Array<string> => {
  const st = recordTextsSql({ from: DAY, to: DAY }, {}, undefined, 1000, format, source)
  return (
    db
      .prepare(st.sql)
      .raw(true)
      .all(...st.params) as Array<[string]>
  ).map((r) => r[0])
}

// Quotes, backslashes, commas, CR/LF, every C0 control, DEL, U+2028/9, astral characters.
const nastyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom('"', "\\", ",", "\r", "\n", "\t", "\u0000", "\u001f", "\u007f", "\u2028", "é", "😀"),
    maxLength: 8
  })
)

describe("records rendered by SQLite", () => {
  it.prop(
    "equal the JavaScript renderings (JSON, NDJSON, CSV) for any text",
    [
      fc.array(fc.tuple(nastyText, nastyText, nastyText, nastyText, fc.integer(), fc.nat()), {
        minLength: 1,
        maxLength: 5
      })
    ],
    ([rows]) => {
      db.exec("DELETE FROM production_records")
      const records: Array<ApiRecord> = rows.map(([code, name, lot, line, good, defect], i) => ({
        source: "archive",
        id: rows.length - i,
        production_date: DAY,
        item_code: code,
        item_name: name,
        lot_number: lot,
        line_code: line,
        good_quantity: good,
        defect_quantity: defect
      }))
      for (const r of records) insert.run(...RECORD_COLUMNS.map((c) => r[c]))
      expect(rendered("json-list", "archive")).toEqual(records.map((r) => `,${recordJson(r)}`))
      expect(rendered("ndjson", "archive")).toEqual(records.map(ndjsonLine))
      expect(rendered("csv", "archive")).toEqual(records.map(csvLine))
    },
    { fastCheck: { numRuns: 300 } }
  )
})
