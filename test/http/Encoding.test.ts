import { describe, expect, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { API_RECORD_FIELDS, type ApiRecord, recordJson } from "../../src/domain/ProductionRecord.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { etagOf } from "../../src/cache/CacheEntry.js"
import { negotiate } from "../../src/http/Compression.js"
import { allowedOrigin } from "../../src/http/Cors.js"
import { CSV_HEADER, csvField, csvLine } from "../../src/domain/RecordLines.js"
import { ifNoneMatches } from "../../src/http/QueryResponse.js"
import { serializeResult } from "../../src/http/ResponseBody.js"
import { ItemsQuery, RecordsQuery, SummaryByItemQuery, SummaryMonthlyByItemQuery } from "../../src/query/Query.js"

const record: ApiRecord = {
  source: "archive",
  id: 7,
  production_date: "2025-12-31",
  item_code: "IT,1",
  item_name: 'Shaft 1/2" "x"\r\nnext',
  lot_number: "AB_01",
  line_code: "L01",
  good_quantity: 12,
  defect_quantity: 0
}
const window = { from: "2025-12-01" as IsoDate, to: "2025-12-31" as IsoDate }

describe("CSV", () => {
  it("quotes exactly the fields holding a comma, quote, CR or LF", () => {
    expect(csvField("plain")).toBe("plain")
    expect(csvField("a,b")).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField("a\rb")).toBe('"a\rb"')
    expect(csvField("a\nb")).toBe('"a\nb"')
    expect(csvField(42)).toBe("42")
  })

  it("round-trips through a CSV parser, CRLF line ends, Record field order", () => {
    expect(CSV_HEADER).toBe(
      "source,id,production_date,item_code,item_name,lot_number,line_code,good_quantity,defect_quantity\r\n"
    )
    const text = CSV_HEADER + csvLine(record) + csvLine({ ...record, id: 8, item_name: "x" })
    expect(text.endsWith("\r\n")).toBe(true)
    const rows = parse(text, { columns: true, record_delimiter: "\r\n" }) as Array<Record<string, string>>
    expect(rows).toHaveLength(2)
    expect(Object.keys(rows[0]!)).toEqual([...API_RECORD_FIELDS])
    expect(rows[0]!["item_name"]).toBe(record.item_name)
    expect(rows[0]!["item_code"]).toBe("IT,1")
  })
})

describe("JSON bodies", () => {
  it("write every Record field in the contract's order, whatever the engine's key order", () => {
    const shuffled = Object.fromEntries(Object.entries(record).reverse()) as unknown as ApiRecord
    const body = serializeResult(new RecordsQuery({ window, filters: {}, limit: 1, after: undefined }), {
      rows: [recordJson({ ...shuffled, extra: 1 } as ApiRecord)],
      next: null
    })
    const parsed = JSON.parse(body.toString()) as { rows: Array<object>; next_cursor: unknown }
    expect(Object.keys(parsed)).toEqual(["rows", "next_cursor"])
    expect(Object.keys(parsed.rows[0]!)).toEqual([...API_RECORD_FIELDS])
    expect(parsed.rows[0]).toEqual(record)
    expect(parsed.next_cursor).toBeNull()
  })

  it("write the other shapes exactly", () => {
    expect(
      serializeResult(new ItemsQuery({ q: "a", limit: 1 }), {
        rows: [{ item_code: "A", item_name: "a" }],
        truncated: true
      }).toString()
    ).toBe('{"rows":[{"item_code":"A","item_name":"a"}],"truncated":true}')
    const totals = { record_count: 2, defect_quantity: 1, good_quantity: 5, item_name: "n", item_code: "c" }
    expect(
      serializeResult(new SummaryByItemQuery({ window, line_code: undefined, limit: undefined }), {
        rows: [totals]
      }).toString()
    ).toBe('{"rows":[{"item_code":"c","item_name":"n","good_quantity":5,"defect_quantity":1,"record_count":2}]}')
  })

  it("join rendered rows' pieces with commas, skipping empty pieces", () => {
    const query = new SummaryMonthlyByItemQuery({ window, item_code: undefined, line_code: undefined })
    const pieces = ['{"a":1},{"a":2}', "", '{"a":3}'].map((t) => new TextEncoder().encode(t))
    const body = serializeResult(query, { rows: { _tag: "RenderedRows", count: 3, pieces } })
    expect(body.toString()).toBe('{"rows":[{"a":1},{"a":2},{"a":3}]}')
    const none = serializeResult(query, { rows: { _tag: "RenderedRows", count: 0, pieces: [new Uint8Array(0)] } })
    expect(none.toString()).toBe('{"rows":[]}')
  })
})

describe("validators", () => {
  const etag = etagOf("body")
  it("are strong, quoted content hashes", () => {
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    expect(etagOf("body")).toBe(etag)
    expect(etagOf("body2")).not.toBe(etag)
  })

  it("match If-None-Match lists, weak forms and *", () => {
    expect(ifNoneMatches(etag, etag)).toBe(true)
    expect(ifNoneMatches(`"x", ${etag}`, etag)).toBe(true)
    expect(ifNoneMatches(`W/${etag}`, etag)).toBe(true)
    expect(ifNoneMatches("*", etag)).toBe(true)
    expect(ifNoneMatches('"other"', etag)).toBe(false)
    expect(ifNoneMatches(undefined, etag)).toBe(false)
  })
})

describe("content negotiation", () => {
  it("prefers br, then gzip, honouring q=0 and *", () => {
    expect(negotiate("gzip, deflate, br")).toBe("br")
    expect(negotiate("gzip")).toBe("gzip")
    expect(negotiate("br;q=0, gzip;q=0.5")).toBe("gzip")
    expect(negotiate("gzip;q=0")).toBeUndefined()
    expect(negotiate("*")).toBe("br")
    expect(negotiate("*;q=0")).toBeUndefined()
    expect(negotiate("identity")).toBeUndefined()
    expect(negotiate("")).toBeUndefined()
    expect(negotiate(undefined)).toBeUndefined()
  })
})

describe("CORS policy", () => {
  it("allows nobody, anybody, or the listed origins", () => {
    expect(allowedOrigin({ _tag: "Off" }, "https://a.example")).toBeUndefined()
    expect(allowedOrigin({ _tag: "Any" }, "https://a.example")).toBe("*")
    const list = { _tag: "List", origins: new Set(["https://a.example"]) } as const
    expect(allowedOrigin(list, "https://a.example")).toBe("https://a.example")
    expect(allowedOrigin(list, "https://b.example")).toBeUndefined()
    expect(allowedOrigin(list, undefined)).toBeUndefined()
  })
})
