import * as zlib from "node:zlib"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, HashMap, Layer, LogLevel, Logger } from "effect"
import { afterAll } from "vitest"
import { API_RECORD_FIELDS, type ApiRecord } from "../../src/domain/ProductionRecord.js"
import { DatabaseUnavailable, PoolOverloaded, QueryTimeout, type ReadError } from "../../src/query/ReadErrors.js"
import {
  type RawResponse,
  getJson,
  inRecordsOrder,
  makeEngineControl,
  makeFixture,
  removeFixture,
  request,
  serverLayer,
  serverPort,
  BACKENDS,
  type Backend
} from "./HttpTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))
const control = makeEngineControl()

interface Page {
  readonly rows: ReadonlyArray<ApiRecord>
  readonly next_cursor: string | null
}

/** Pages through `/records` with `search`, returning every row and the number of pages. */
const pageAll = (port: number, search: string, limit: number) =>
  Effect.gen(function* () {
    const rows: Array<ApiRecord> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const target: string = `/records?${search}&limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`
      const response = yield* getJson(port, target)
      expect(response.status).toBe(200)
      const page = response.json as Page
      rows.push(...page.rows)
      cursor = page.next_cursor
      pages++
    } while (cursor !== null)
    return { rows, pages }
  })

/** Checks a contract 400: status, exactly the keys, the parameter named. */
const expect400 = (port: number, target: string, parameter: string) =>
  Effect.gen(function* () {
    const response = yield* getJson(port, target)
    expect(response.status, target).toBe(400)
    expect(response.headers["content-type"]).toMatch(/^application\/json/)
    const body = response.json as Record<string, unknown>
    expect(Object.keys(body).sort(), target).toEqual(["code", "message", "parameter"])
    expect(body["code"]).toBe("invalid_parameter")
    expect(body["parameter"], target).toBe(parameter)
    expect(body["message"]).toContain(parameter)
  })

const inWindow = (from: string, to: string) => (r: ApiRecord) => r.production_date >= from && r.production_date <= to

describe.each(BACKENDS)("HTTP API on %s", (backend) => {
  layer(serverLayer(fixture, { control, backend }), { excludeTestServices: true })((it) => {
    it.effect("/records: shape, field order, headers", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const response = yield* getJson(port, "/records?from=2025-12-30&to=2026-01-02&limit=3")
        expect(response.status).toBe(200)
        const page = response.json as Page
        expect(Object.keys(page)).toEqual(["rows", "next_cursor"])
        expect(page.rows).toHaveLength(3)
        for (const row of page.rows) expect(Object.keys(row)).toEqual([...API_RECORD_FIELDS])
        expect(page.rows).toEqual(
          inRecordsOrder(fixture.records.filter(inWindow("2025-12-30", "2026-01-02"))).slice(0, 3)
        )
        expect(typeof page.next_cursor).toBe("string")
        expect(response.headers["etag"]).toMatch(/^"[^"]+"$/)
        expect(response.headers["cache-control"]).toBe("no-cache")
        expect(response.headers["x-cache"]).toBe("MISS")
        expect(response.headers["server-timing"]).toMatch(/^db;dur=\d+(\.\d+)?$/)
        expect(response.headers["content-type"]).toMatch(/^application\/json/)
      })
    )

    it.effect("/records: paging with cursors returns every record of the window once, in order", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const expected = inRecordsOrder(fixture.records.filter(inWindow("2025-12-15", "2026-01-15")))
        const { rows, pages } = yield* pageAll(port, "from=2025-12-15&to=2026-01-15", 7)
        expect(pages).toBeGreaterThan(5)
        expect(rows).toEqual(expected)

        const filtered = yield* pageAll(port, "from=2025-11-01&to=2026-02-28&item_code=IT-1&q=%C3%B820", 4)
        expect(filtered.rows).toEqual(inRecordsOrder(fixture.records.filter((r) => r.item_code === "IT-1")))

        const lots = yield* pageAll(port, "from=2025-11-01&to=2026-02-28&lot_prefix=AC0010", 3)
        expect(lots.rows).toEqual(inRecordsOrder(fixture.records.filter((r) => r.lot_number.startsWith("AC0010"))))
      })
    )

    it.effect("/records: limit may change between pages; other filters may not", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const first = (yield* getJson(port, "/records?from=2026-01-01&to=2026-01-31&limit=5")).json as Page
        const second = yield* getJson(
          port,
          `/records?from=2026-01-01&to=2026-01-31&limit=9&cursor=${first.next_cursor}`
        )
        expect(second.status).toBe(200)
        const expected = inRecordsOrder(fixture.records.filter(inWindow("2026-01-01", "2026-01-31")))
        expect((second.json as Page).rows).toEqual(expected.slice(5, 14))
        yield* expect400(port, `/records?from=2026-01-01&to=2026-01-30&limit=5&cursor=${first.next_cursor}`, "cursor")
        yield* expect400(
          port,
          `/records?from=2026-01-01&to=2026-01-31&line_code=L01&cursor=${first.next_cursor}`,
          "cursor"
        )
        yield* expect400(port, `/records?from=2026-01-01&to=2026-01-31&cursor=${first.next_cursor}x`, "cursor")
        yield* expect400(port, `/records?from=2026-01-01&to=2026-01-31&cursor=not-a-cursor`, "cursor")
      })
    )

    it.effect("defaults: the 30 days up to today (UTC, by effect's Clock)", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const rows = ((yield* getJson(port, "/summary/daily")).json as { rows: Array<{ date: string }> }).rows
        expect(rows[0]!.date).toBe("2026-01-11")
        expect(rows.at(-1)!.date).toBe("2026-02-10")
        const page = (yield* getJson(port, "/records?limit=1")).json as Page
        expect(page.rows[0]!.production_date).toBe("2026-02-10")
      })
    )

    it.effect("/items, /lines and /summary/*: shapes", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const items = (yield* getJson(port, "/items?q=%C3%98")).json
        expect(items).toEqual({
          rows: [
            { item_code: "IT-1", item_name: "Bracket Ø20, LH" },
            { item_code: "IT-4", item_name: "bracket ø20 RH" }
          ],
          truncated: false
        })
        expect((yield* getJson(port, "/items?q=o&limit=1")).json).toMatchObject({ truncated: true })
        expect((yield* getJson(port, "/lines")).json).toEqual({
          rows: [{ line_code: "L01" }, { line_code: "L02" }, { line_code: "L03" }]
        })
        const window = "from=2025-12-01&to=2026-01-31"
        const keys = {
          "/summary/daily": ["date", "good_quantity", "defect_quantity", "record_count"],
          "/summary/monthly": ["month", "good_quantity", "defect_quantity", "record_count"],
          "/summary/by-item": ["item_code", "item_name", "good_quantity", "defect_quantity", "record_count"],
          "/summary/by-line": ["line_code", "good_quantity", "defect_quantity", "record_count"],
          "/summary/monthly-by-item": [
            "month",
            "item_code",
            "item_name",
            "good_quantity",
            "defect_quantity",
            "record_count"
          ]
        }
        for (const [path, fields] of Object.entries(keys)) {
          const response = yield* getJson(port, `${path}?${window}`)
          expect(response.status, path).toBe(200)
          expect(response.headers["etag"]).toBeDefined()
          const body = response.json as { rows: Array<object> }
          expect(Object.keys(body)).toEqual(["rows"])
          expect(body.rows.length, path).toBeGreaterThan(0)
          for (const row of body.rows) expect(Object.keys(row), path).toEqual(fields)
        }
        const monthly = (yield* getJson(port, `/summary/monthly?${window}&line_code=L02`)).json as {
          rows: Array<{ month: string; record_count: number }>
        }
        expect(monthly.rows.map((r) => r.month)).toEqual(["2025-12", "2026-01"])
        const count = fixture.records.filter((r) => r.line_code === "L02" && r.production_date.startsWith("2025-12"))
        expect(monthly.rows[0]!.record_count).toBe(count.length)
        const byItem = (yield* getJson(port, `/summary/by-item?${window}&limit=2`)).json as { rows: Array<object> }
        expect(byItem.rows).toHaveLength(2)
      })
    )

    it.effect("400 for every parameter rule, naming the parameter", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        yield* expect400(port, "/summary/daily?itemcode=IT-1", "itemcode")
        yield* expect400(port, "/summary/by-line?line_code=L01", "line_code")
        yield* expect400(port, "/lines?limit=5", "limit")
        yield* expect400(port, "/records?item_code=A&item_code=B", "item_code")
        yield* expect400(port, "/records?from=2026-1-1", "from")
        yield* expect400(port, "/records?to=2025-02-30", "to")
        yield* expect400(port, "/summary/monthly?from=1899-12-31", "from")
        yield* expect400(port, "/summary/monthly?to=3000-01-01", "to")
        yield* expect400(port, "/summary/daily?from=2026-02-01&to=2026-01-01", "from")
        yield* expect400(port, "/records?limit=0", "limit")
        yield* expect400(port, "/records?limit=1001", "limit")
        yield* expect400(port, "/records?limit=2.5", "limit")
        yield* expect400(port, "/items?q=a&limit=abc", "limit")
        yield* expect400(port, "/summary/by-item?limit=1001", "limit")
        yield* expect400(port, "/items", "q")
        yield* expect400(port, "/items?q=", "q")
        yield* expect400(port, `/items?q=${"x".repeat(101)}`, "q")
        yield* expect400(port, `/records?q=${"x".repeat(101)}`, "q")
        yield* expect400(port, "/records/export?format=xml", "format")
        yield* expect400(port, "/records/export?limit=5", "limit")
      })
    )

    it.effect("`_` names are ignored and an empty value is the same as none", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const plain = yield* getJson(port, "/summary/by-line?from=2025-12-01&to=2026-01-31")
        const busted = yield* getJson(port, "/summary/by-line?from=2025-12-01&to=2026-01-31&_=123&_x=1&_x=2&item_code=")
        expect(busted.status).toBe(200)
        expect(busted.body.equals(plain.body)).toBe(true)
        expect((yield* getJson(port, "/health?anything=1")).status).toBe(200)
      })
    )

    it.effect("404 JSON for unknown paths and methods", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const [method, target] of [
          ["GET", "/nope"],
          ["GET", "/summary"],
          ["GET", "/metrics/unknown"],
          ["POST", "/records"]
        ] as const) {
          const response = yield* request(port, target, { method })
          expect(response.status, target).toBe(404)
          expect(JSON.parse(response.body.toString())).toEqual({ code: "not_found", message: expect.any(String) })
        }
      })
    )

    it.effect("ETag: a matching If-None-Match gets 304 without a body", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const target = "/summary/monthly?from=2025-11-01&to=2026-02-28"
        const first = yield* getJson(port, target)
        const etag = first.headers["etag"]!
        const again = yield* getJson(port, target)
        expect(again.headers["etag"]).toBe(etag)
        for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
          const response = yield* request(port, target, { headers: { "if-none-match": header } })
          expect(response.status).toBe(304)
          expect(response.body.length).toBe(0)
          expect(response.headers["etag"]).toBe(etag)
          expect(response.headers["cache-control"]).toBe("no-cache")
          expect(response.headers["x-cache"]).toBe("MISS")
        }
        const other = yield* request(port, target, { headers: { "if-none-match": '"other"' } })
        expect(other.status).toBe(200)
        const otherWindow = yield* getJson(port, "/summary/monthly?from=2025-11-01&to=2026-02-27")
        expect(otherWindow.headers["etag"]).not.toBe(etag)
      })
    )

    it.effect("bodies over 1 KiB are compressed with br or gzip when accepted", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const target = "/records?from=2025-11-01&to=2026-02-28&limit=200"
        const plain = yield* request(port, target)
        expect(plain.body.length).toBeGreaterThan(1024)
        expect(plain.headers["content-encoding"]).toBeUndefined()
        expect(plain.headers["vary"]).toMatch(/Accept-Encoding/)

        const gzip = yield* request(port, target, { headers: { "accept-encoding": "gzip" } })
        expect(gzip.headers["content-encoding"]).toBe("gzip")
        expect(zlib.gunzipSync(gzip.body).equals(plain.body)).toBe(true)
        expect(gzip.headers["etag"]).toBe(plain.headers["etag"])

        const br = yield* request(port, target, { headers: { "accept-encoding": "gzip, deflate, br" } })
        expect(br.headers["content-encoding"]).toBe("br")
        expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true)

        const refused = yield* request(port, target, { headers: { "accept-encoding": "br;q=0, gzip;q=0" } })
        expect(refused.headers["content-encoding"]).toBeUndefined()

        const small = yield* request(port, "/lines", { headers: { "accept-encoding": "gzip, br" } })
        expect(small.body.length).toBeLessThanOrEqual(1024)
        expect(small.headers["content-encoding"]).toBeUndefined()
      })
    )

    it.effect("read errors map to 503 overloaded (Retry-After), 503 database_unavailable, 504 timeout, read once", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const cases = [
          [new PoolOverloaded({ reason: "queue full" }), 503, "overloaded"],
          [
            new DatabaseUnavailable({ file: "archive", reason: "SQLITE_CORRUPT at /secret/path.db" }),
            503,
            "database_unavailable"
          ],
          [new QueryTimeout({ timeoutMs: 5000 }), 504, "timeout"]
        ] as const
        try {
          for (const [error, status, code] of cases) {
            let reads = 0
            control.before = () => Effect.suspend(() => (reads++, Effect.fail(error)))
            for (const target of ["/records", "/summary/daily", "/items?q=a", "/lines"]) {
              reads = 0
              const response = yield* getJson(port, target)
              expect(response.status, target).toBe(status)
              // The fast path answers the failure it met: one read.
              expect(reads, target).toBe(1)
              const body = response.json as Record<string, string>
              expect(Object.keys(body).sort()).toEqual(["code", "message"])
              expect(body["code"]).toBe(code)
              expect(body["message"]).not.toMatch(/SQLITE|secret|\.db/)
              expect(response.headers["retry-after"] !== undefined).toBe(code === "overloaded")
              if (code === "database_unavailable") expect(body["message"]).toContain("archive")
            }
          }
        } finally {
          control.before = () => Effect.void
        }
      })
    )

    it.effect("/openapi.json documents params and errors; /docs serves the UI", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const spec = (yield* getJson(port, "/openapi.json")).json as {
          paths: Record<
            string,
            { get: { parameters: Array<{ name: string; description?: string }>; responses: Record<string, unknown> } }
          >
        }
        expect(Object.keys(spec.paths).sort()).toEqual([
          "/chat",
          "/health",
          "/items",
          "/lines",
          "/metrics",
          "/metrics/cache",
          "/metrics/performance",
          "/records",
          "/records/export",
          "/summary/by-item",
          "/summary/by-line",
          "/summary/daily",
          "/summary/monthly",
          "/summary/monthly-by-item",
          "/tools",
          "/tools/{name}",
          "/v1/chat/completions",
          "/v1/models"
        ])
        const records = spec.paths["/records"]!.get
        expect(records.parameters.map((p) => p.name)).toEqual([
          "from",
          "to",
          "item_code",
          "line_code",
          "lot_prefix",
          "q",
          "limit",
          "cursor"
        ])
        for (const p of records.parameters) expect(p.description, p.name).toBeDefined()
        expect(Object.keys(records.responses).sort()).toEqual(["200", "304", "400", "503", "504"])
        expect(JSON.stringify(spec)).not.toContain("HttpApiDecodeError")
        const docs = yield* request(port, "/docs")
        expect(docs.status).toBe(200)
        expect(docs.headers["content-type"]).toMatch(/^text\/html/)
      })
    )
  })
})

describe.each(BACKENDS)("CORS on %s", (backend) => {
  layer(serverLayer(fixture, { backend, env: { CORS_ORIGINS: "https://app.example, https://other.example" } }), {
    excludeTestServices: true
  })((it) => {
    it.effect("allowed origins get CORS headers exposing ETag, X-Cache, Server-Timing", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const allowed = yield* request(port, "/lines", { headers: { origin: "https://app.example" } })
        expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example")
        const exposed = allowed.headers["access-control-expose-headers"]!.split(",").map((h) => h.trim().toLowerCase())
        expect(exposed).toEqual(expect.arrayContaining(["etag", "x-cache", "server-timing"]))
        expect(allowed.headers["vary"]).toMatch(/Origin/)

        const denied = yield* request(port, "/lines", { headers: { origin: "https://evil.example" } })
        expect(denied.status).toBe(200)
        expect(denied.headers["access-control-allow-origin"]).toBeUndefined()

        const errors = yield* request(port, "/nope", { headers: { origin: "https://other.example" } })
        expect(errors.headers["access-control-allow-origin"]).toBe("https://other.example")
      })
    )

    it.effect("preflight", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const preflight = yield* request(port, "/summary/daily", {
          method: "OPTIONS",
          headers: {
            origin: "https://app.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match"
          }
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example")
        expect(preflight.headers["access-control-allow-methods"]).toMatch(/GET/)
        expect(preflight.headers["access-control-allow-headers"]).toBe("if-none-match")
      })
    )
  })
})

describe.each(BACKENDS)("CORS off on %s", (backend) => {
  layer(serverLayer(fixture, { backend }), { excludeTestServices: true })((it) => {
    it.effect("without CORS_ORIGINS no CORS headers are sent", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const response = yield* request(port, "/lines", { headers: { origin: "https://app.example" } })
        expect(response.headers["access-control-allow-origin"]).toBeUndefined()
      })
    )
  })
})

interface LogLine {
  readonly level: string
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}
const logged: Array<LogLine> = []
const capture = Logger.make<unknown, void>(({ logLevel, message, annotations }) => {
  logged.push({ level: logLevel.label, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
})

// With CORS on, a request with an `Origin` goes to the Effect app and one without it is answered by the fast path:
// one server, one log, one set of metrics for both ways.
const ORIGIN = { origin: "https://dashboard.example" }
const CORS_HEADERS = ["access-control-allow-origin", "access-control-expose-headers"]

/** The headers that must agree between the two ways (connection bookkeeping and the app's CORS pair aside). */
const comparable = (response: RawResponse) => {
  const { date: _d, connection: _c, "keep-alive": _k, ...rest } = response.headers
  for (const name of CORS_HEADERS) delete rest[name]
  return rest
}

/** One request the fast path answers and the same one through the app, with the log line each got. */
const bothWays = (port: number, target: string) =>
  Effect.gen(function* () {
    const replies: Array<{ readonly response: RawResponse; readonly line: LogLine | undefined }> = []
    for (const headers of [{}, ORIGIN]) {
      const before = logged.length
      const response = yield* request(port, target, { headers })
      const lines = logged.slice(before).filter((l) => l.level === "WARN" || l.level === "ERROR")
      expect(lines.length, `${target} ${JSON.stringify(headers)}`).toBeLessThanOrEqual(1)
      replies.push({ response, line: lines[0] })
    }
    const [fast, app] = replies as [(typeof replies)[0], (typeof replies)[0]]
    expect(app.response.headers["access-control-allow-origin"], "the app answered").toBe("*")
    expect(fast.response.headers["access-control-allow-origin"], "the fast path answered").toBeUndefined()
    return { fast, app }
  })

const expectSameError = (port: number, target: string, status: number, code: string) =>
  Effect.gen(function* () {
    const { fast, app } = yield* bothWays(port, target)
    expect(fast.response.status, target).toBe(status)
    expect(app.response.status, target).toBe(status)
    expect(fast.response.body.equals(app.response.body), target).toBe(true)
    expect((JSON.parse(fast.response.body.toString("utf8")) as { code: string }).code).toBe(code)
    expect(comparable(fast.response), target).toEqual(comparable(app.response))
    expect(fast.line, target).toBeDefined()
    expect(fast.line, target).toEqual(app.line)
    return fast
  })

const performanceCounts = (port: number) =>
  Effect.map(getJson(port, "/metrics/performance"), (r) => r.json as Record<string, { count: number }>)

const withCorsAndLog = (backend: Backend) =>
  serverLayer(fixture, { control, backend, env: { CORS_ORIGINS: "*" } }).pipe(
    Layer.provide(Logger.replace(Logger.defaultLogger, capture)),
    Layer.provide(Logger.minimumLogLevel(LogLevel.Info))
  )

describe.each(BACKENDS)("the fast path's own error answers on %s", (backend) => {
  layer(withCorsAndLog(backend), { excludeTestServices: true })((it) => {
    it.effect("a read failure: the app's status, body, headers and log line; read once; not counted", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const cases: ReadonlyArray<readonly [ReadError, number, string, string]> = [
          [new PoolOverloaded({ reason: "queue full" }), 503, "overloaded", "PoolOverloaded: queue full"],
          [
            new DatabaseUnavailable({ file: "archive", reason: "SQLITE_CORRUPT at /secret/path.db" }),
            503,
            "database_unavailable",
            "DatabaseUnavailable (archive): SQLITE_CORRUPT at /secret/path.db"
          ],
          [new QueryTimeout({ timeoutMs: 5000 }), 504, "timeout", "QueryTimeout: past 5000 ms"]
        ]
        const counts = yield* performanceCounts(port)
        try {
          for (const [error, status, code, cause] of cases) {
            let reads = 0
            control.before = () => Effect.suspend(() => (reads++, Effect.fail(error)))
            for (const target of ["/records?from=2025-12-01", "/summary/daily", "/items?q=bolt", "/lines"]) {
              reads = 0
              const fast = yield* expectSameError(port, target, status, code)
              // Each way read once: the fast path answered the failure it met, without the app reading again.
              expect(reads, target).toBe(2)
              expect(fast.response.headers["retry-after"] !== undefined, target).toBe(code === "overloaded")
              expect(fast.line!.annotations, target).toMatchObject({ method: "GET", url: target, status, code, cause })
              expect(fast.line!.level).toBe("ERROR")
            }
          }
        } finally {
          control.before = () => Effect.void
        }
        expect(yield* performanceCounts(port)).toEqual(counts)
      })
    )

    it.effect("an invalid parameter: the app's 400, headers and log line, without database work", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        let reads = 0
        control.before = () => Effect.sync(() => void reads++)
        try {
          for (const [target, parameter] of [
            ["/records?limit=0", "limit"],
            ["/summary/daily?from=2025-02-30", "from"],
            ["/summary/by-item?itemcode=IT-1", "itemcode"],
            ["/items?q=a&q=b", "q"],
            ["/lines?from=2025-01-01", "from"]
          ] as const) {
            const fast = yield* expectSameError(port, target, 400, "invalid_parameter")
            expect(fast.line!.annotations, target).toMatchObject({ url: target, status: 400, parameter })
            expect(fast.line!.level).toBe("WARN")
          }
        } finally {
          control.before = () => Effect.void
        }
        expect(reads).toBe(0)
      })
    )

    it.effect("a defect: the app's JSON 500 and one log line with the stack, never the client", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        control.before = () => Effect.die(new Error("boom in the engine"))
        try {
          const { fast, app } = yield* bothWays(port, "/summary/by-line")
          for (const { response, line } of [fast, app]) {
            expect(response.status).toBe(500)
            expect(JSON.parse(response.body.toString("utf8"))).toEqual({
              code: "internal_error",
              message: "The service failed to answer this request."
            })
            expect(line).toMatchObject({ level: "ERROR", annotations: { query: "summary_by_line", status: 500 } })
            expect(line!.annotations["cause"]).toMatch(/^unexpected: Error: boom in the engine[\s\S]*\bat /)
          }
          expect(comparable(fast.response)).toEqual(comparable(app.response))
          expect(fast.response.body.equals(app.response.body)).toBe(true)
          const { cause: _f, ...fastLine } = fast.line!.annotations
          const { cause: _a, ...appLine } = app.line!.annotations
          expect(fastLine).toEqual(appLine)
        } finally {
          control.before = () => Effect.void
        }
      })
    )
  })
})
