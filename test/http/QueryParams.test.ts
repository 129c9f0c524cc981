import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { InvalidParameter } from "../../src/http/ApiErrors.js"
import { encodeCursor } from "../../src/http/Cursor.js"
import {
  type EndpointParams,
  ExportParams,
  ItemsParams,
  LinesParams,
  RecordsParams,
  SummaryByItemParams,
  SummaryDailyParams,
  SummaryMonthlyParams,
  decodeParams
} from "../../src/http/QueryParams.js"
import { RecordsQuery, SummaryByItemQuery, SummaryDailyQuery } from "../../src/query/Query.js"

const TODAY = "2026-02-10" as IsoDate

const ok = <A>(endpoint: EndpointParams<A>, search: string, today: IsoDate = TODAY): A => {
  const result = decodeParams(endpoint, search, today)
  if (Either.isLeft(result)) throw new Error(`expected success for ${search}: ${result.left.message}`)
  return result.right
}

/** The error for `search`, checking that it names `parameter` and is a contract 400. */
const fails = <A>(endpoint: EndpointParams<A>, search: string, parameter: string): InvalidParameter => {
  const result = decodeParams(endpoint, search, TODAY)
  if (Either.isRight(result)) throw new Error(`expected a 400 for ${search}`)
  expect(result.left).toBeInstanceOf(InvalidParameter)
  expect(result.left.code).toBe("invalid_parameter")
  expect(result.left.parameter).toBe(parameter)
  expect(result.left.message).toContain(parameter)
  return result.left
}

describe("structural rules", () => {
  it("rejects an unknown parameter, naming it", () => {
    fails(SummaryDailyParams, "itemcode=ABC", "itemcode")
    fails(SummaryByItemParams, "item_code=ABC", "item_code")
    fails(LinesParams, "q=x", "q")
    fails(ItemsParams, "q=x&from=2026-01-01", "from")
  })

  it("ignores names starting with _ (even repeated)", () => {
    expect(ok(SummaryDailyParams, "_=1&_cache=2&_cache=3")).toEqual(ok(SummaryDailyParams, ""))
    expect(ok(LinesParams, "_ts=1")._tag).toBe("lines")
  })

  it("rejects a repeated parameter, even with equal or empty values", () => {
    fails(SummaryDailyParams, "item_code=A&item_code=A", "item_code")
    fails(RecordsParams, "limit=5&limit=", "limit")
  })

  it("treats an empty value as absent", () => {
    expect(ok(SummaryDailyParams, "item_code=&line_code=&from=&to=")).toEqual(ok(SummaryDailyParams, ""))
    expect(ok(RecordsParams, "q=&lot_prefix=&limit=&cursor=")).toEqual(ok(RecordsParams, ""))
    expect(ok(SummaryDailyParams, "item_code")).toEqual(ok(SummaryDailyParams, ""))
  })

  it("decodes percent-encoding and keeps every character literal", () => {
    const query = ok(RecordsParams, "lot_prefix=AB_&q=50%25&item_code=A%2BB")
    expect(query.filters).toEqual({ lot_prefix: "AB_", q: "50%", item_code: "A+B" })
  })
})

describe("dates", () => {
  it("defaults to the 30 days before today", () => {
    expect(ok(SummaryDailyParams, "").window).toEqual({ from: "2026-01-11", to: "2026-02-10" })
    expect(ok(SummaryDailyParams, "to=2026-03-31").window).toEqual({ from: "2026-03-01", to: "2026-03-31" })
    expect(ok(SummaryDailyParams, "from=2026-02-01").window).toEqual({ from: "2026-02-01", to: "2026-02-10" })
  })

  it("never defaults `from` before 1900-01-01", () => {
    expect(ok(SummaryDailyParams, "to=1900-01-10").window).toEqual({ from: "1900-01-01", to: "1900-01-10" })
  })

  it("accepts the span's ends and leap days", () => {
    expect(ok(SummaryDailyParams, "from=1900-01-01&to=2999-12-31").window).toEqual({
      from: "1900-01-01",
      to: "2999-12-31"
    })
    expect(ok(SummaryDailyParams, "from=2024-02-29&to=2024-02-29").window.from).toBe("2024-02-29")
  })

  it.each([
    ["malformed", "from=2026-1-01"],
    ["malformed", "from=20260101"],
    ["malformed", "from=2026-01-01T00:00:00Z"],
    ["malformed", "from= 2026-01-01"],
    ["malformed", "from=yesterday"],
    ["impossible", "from=2025-02-30"],
    ["impossible", "from=2023-02-29"],
    ["impossible", "from=2026-13-01"],
    ["impossible", "from=2026-00-10"],
    ["out of span", "from=1899-12-31"],
    ["out of span", "from=0000-01-01"]
  ])("rejects a %s `from` (%s)", (_, search) => {
    fails(SummaryDailyParams, search, "from")
  })

  it.each(["to=3000-01-01", "to=2026-02-29", "to=abc"])("rejects a bad `to` (%s)", (search) => {
    fails(SummaryMonthlyParams, search, "to")
  })

  it("rejects from > to, including against the default `to`", () => {
    fails(SummaryDailyParams, "from=2026-02-02&to=2026-02-01", "from")
    fails(SummaryDailyParams, "from=2026-03-01", "from")
    expect(ok(SummaryDailyParams, "from=2026-02-01&to=2026-02-01").window).toEqual({
      from: "2026-02-01",
      to: "2026-02-01"
    })
  })
})

describe("limits", () => {
  it("applies each endpoint's default", () => {
    expect(ok(RecordsParams, "").limit).toBe(100)
    expect(ok(ItemsParams, "q=a").limit).toBe(50)
    expect(ok(SummaryByItemParams, "").limit).toBeUndefined()
  })

  it("accepts integers within 1..1000", () => {
    expect(ok(RecordsParams, "limit=1").limit).toBe(1)
    expect(ok(RecordsParams, "limit=1000").limit).toBe(1000)
    expect(ok(ItemsParams, "q=a&limit=007").limit).toBe(7)
    expect(ok(SummaryByItemParams, "limit=3")).toEqual(
      new SummaryByItemQuery({
        window: { from: "2026-01-11", to: "2026-02-10" } as never,
        line_code: undefined,
        limit: 3
      })
    )
  })

  it.each(["0", "1001", "-1", "1.5", "1e2", "abc", "+5", "0x10", "99999999999"])("rejects limit=%s", (value) => {
    fails(RecordsParams, `limit=${value}`, "limit")
    fails(ItemsParams, `q=a&limit=${value}`, "limit")
    fails(SummaryByItemParams, `limit=${value}`, "limit")
  })
})

describe("q", () => {
  it("is required by /items and 1..100 code points long", () => {
    fails(ItemsParams, "", "q")
    fails(ItemsParams, "q=", "q")
    fails(ItemsParams, `q=${"a".repeat(101)}`, "q")
    fails(RecordsParams, `q=${"a".repeat(101)}`, "q")
    expect(ok(ItemsParams, `q=${"a".repeat(100)}`).q).toHaveLength(100)
    // 100 astral characters are 200 UTF-16 units but 100 code points.
    expect(ok(ItemsParams, `q=${encodeURIComponent("😀".repeat(100))}`).q).toBe("😀".repeat(100))
  })
})

describe("export format", () => {
  it("is csv by default, or ndjson", () => {
    expect(ok(ExportParams, "").format).toBe("csv")
    expect(ok(ExportParams, "format=ndjson").format).toBe("ndjson")
    fails(ExportParams, "format=xml", "format")
    fails(ExportParams, "format=CSV", "format")
    fails(ExportParams, "limit=5", "limit")
    fails(ExportParams, "cursor=abc", "cursor")
  })
})

describe("cursor", () => {
  const first = ok(RecordsParams, "from=2025-12-01&to=2026-01-31&item_code=IT-1&limit=5")
  const position = { production_date: "2026-01-05", source: "live", id: 42 } as const
  const cursor = encodeCursor(position, first)

  it("is opaque base64url and resumes after its position", () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/)
    const next = ok(RecordsParams, `from=2025-12-01&to=2026-01-31&item_code=IT-1&cursor=${cursor}`)
    expect(next).toEqual(new RecordsQuery({ ...first, limit: 100, after: position }))
  })

  it("may change limit but not the filters or the window", () => {
    expect(ok(RecordsParams, `to=2026-01-31&from=2025-12-01&limit=7&item_code=IT-1&cursor=${cursor}`).after).toEqual(
      position
    )
    fails(RecordsParams, `from=2025-12-01&to=2026-01-31&item_code=IT-2&cursor=${cursor}`, "cursor")
    fails(RecordsParams, `from=2025-12-01&to=2026-01-31&cursor=${cursor}`, "cursor")
    fails(RecordsParams, `from=2025-12-02&to=2026-01-31&item_code=IT-1&cursor=${cursor}`, "cursor")
    fails(RecordsParams, `from=2025-12-01&to=2026-01-31&item_code=IT-1&q=x&cursor=${cursor}`, "cursor")
  })

  it("rejects anything that does not decode or was altered", () => {
    const base = "from=2025-12-01&to=2026-01-31&item_code=IT-1&cursor="
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1)
    for (let i = 0; i < cursor.length; i++) fails(RecordsParams, base + flip(cursor, i), "cursor")
    for (const bad of ["x", "%%%", "bnVsbA", "W10", cursor + "A", cursor.slice(0, -1), "a".repeat(500)]) {
      fails(RecordsParams, base + bad, "cursor")
    }
    const forged = Buffer.from(JSON.stringify(["2026-01-05", "l", 41, "x"])).toString("base64url")
    fails(RecordsParams, base + forged, "cursor")
  })
})

describe("messages", () => {
  it("never echo the value", () => {
    const error = fails(SummaryDailyParams, "from=';DROP TABLE production_records;--", "from")
    expect(error.message).not.toMatch(/DROP|production_records/)
  })

  it("decode straight to the engine's query classes", () => {
    expect(ok(SummaryDailyParams, "item_code=A&from=2026-01-01&to=2026-01-31")).toEqual(
      new SummaryDailyQuery({
        window: { from: "2026-01-01", to: "2026-01-31" } as never,
        item_code: "A",
        line_code: undefined
      })
    )
  })
})
