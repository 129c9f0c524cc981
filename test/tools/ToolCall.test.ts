import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll } from "vitest"
import type { ApiRecord } from "../../src/domain/ProductionRecord.js"
import { DatabaseUnavailable, PoolOverloaded, QueryTimeout } from "../../src/query/ReadErrors.js"
import { TOOLS } from "../../src/tools/ToolDefinitions.js"
import {
  getJson,
  inRecordsOrder,
  makeEngineControl,
  makeFixture,
  removeFixture,
  request,
  serverLayer,
  serverPort
} from "../http/HttpTestKit.js"
import { BAD_ARGUMENTS } from "./BadArguments.js"
import { HAPPY_PATHS, argumentsOf, withToolDefaults, callTool, post } from "./ToolsTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))
const control = makeEngineControl()

interface Page {
  readonly rows: ReadonlyArray<ApiRecord>
  readonly next_cursor: string | null
}

const expectBadArguments = (port: number, tool: string, args: unknown, parameter: string | undefined) =>
  Effect.gen(function* () {
    const response = yield* callTool(port, tool, args)
    const label = `${tool} ${typeof args === "string" ? args : JSON.stringify(args)}`
    expect(response.status, label).toBe(400)
    expect(response.headers["content-type"]).toMatch(/^application\/json/)
    const body = response.json as Record<string, unknown>
    expect(body["code"], label).toBe("invalid_parameter")
    if (parameter === undefined) {
      expect(Object.keys(body).sort(), label).toEqual(["code", "message"])
    } else {
      expect(Object.keys(body).sort(), label).toEqual(["code", "message", "parameter"])
      expect(body["parameter"], label).toBe(parameter)
      expect(body["message"], label).toContain(`"${parameter}"`)
    }
  })

describe("POST /tools/{name}", () => {
  layer(serverLayer(fixture, { control }), { excludeTestServices: true })((it) => {
    it.effect("each tool's result is the endpoint's body for the same explicit arguments", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const tool of TOOLS) {
          const { path, searches } = HAPPY_PATHS[tool.name]!
          for (const search of searches) {
            const args = argumentsOf(search, tool.parameters)
            const called = yield* callTool(port, tool.name, args)
            const label = `${tool.name} ${JSON.stringify(args)}`
            expect(called.status, label).toBe(200)
            expect(called.headers["content-type"], label).toMatch(/^application\/json/)
            expect(Object.keys(called.json as object), label).toEqual(["result"])
            const endpoint = yield* getJson(port, `${path}?${withToolDefaults(search, tool.defaults)}`)
            expect(endpoint.status, label).toBe(200)
            expect((called.json as { result: unknown }).result, label).toEqual(endpoint.json)
            expect(called.text, label).toBe(`{"result":${endpoint.body.toString("utf8")}}`)
          }
        }
      })
    )

    it.effect("search_records pages 20 records by default and its cursor pages on, as /records does", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const window = { from: "2025-12-01", to: "2026-01-31" }
        const expected = inRecordsOrder(
          fixture.records.filter((r) => r.production_date >= window.from && r.production_date <= window.to)
        )
        const rows: Array<ApiRecord> = []
        let page = (yield* callTool(port, "search_records", window)).json as { result: Page }
        expect(page.result.rows).toHaveLength(20)
        rows.push(...page.result.rows)
        while (page.result.next_cursor !== null) {
          const args = { ...window, cursor: page.result.next_cursor, limit: 50 }
          const next = yield* callTool(port, "search_records", args)
          expect(next.status).toBe(200)
          const endpoint = yield* getJson(port, `/records?${new URLSearchParams({ ...window, ...args, limit: "50" })}`)
          expect((next.json as { result: Page }).result).toEqual(endpoint.json)
          page = next.json as { result: Page }
          rows.push(...page.result.rows)
        }
        expect(rows).toEqual(expected)
        // A cursor is bound to its filters and window, as over HTTP.
        const first = (yield* callTool(port, "search_records", window)).json as { result: Page }
        const cursor = first.result.next_cursor
        yield* expectBadArguments(port, "search_records", { ...window, line_code: "L01", cursor }, "cursor")
        yield* expectBadArguments(port, "search_records", { from: "2025-12-02", to: window.to, cursor }, "cursor")
        yield* expectBadArguments(port, "search_records", { ...window, cursor: `${cursor}x` }, "cursor")
      })
    )

    it.effect("null and empty strings are the same as absent arguments; an empty body is no arguments", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const plain = yield* callTool(port, "get_summary_by_line", { from: "2025-12-01", to: "2026-01-31" })
        const loose = yield* callTool(port, "get_summary_by_line", {
          from: "2025-12-01",
          to: "2026-01-31",
          item_code: null,
          _trace: 1
        })
        expect(loose.status).toBe(200)
        expect(loose.text).toBe(plain.text)
        expect(
          (yield* callTool(port, "get_summary_by_line", { ...{ from: "2025-12-01", to: "2026-01-31" }, item_code: "" }))
            .text
        ).toBe(plain.text)
        const lines = yield* post(port, "/tools/list_lines", "")
        expect(lines.status).toBe(200)
        expect(lines.json).toEqual({ result: (yield* getJson(port, "/lines")).json })
      })
    )

    it.effect("bad arguments → 400 invalid_parameter naming the argument", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const bad of BAD_ARGUMENTS) yield* expectBadArguments(port, bad.tool, bad.args, bad.parameter)
        for (const body of ["{not json", "[1,2]", '"from"', "null", "42"]) {
          yield* expectBadArguments(port, "get_daily_summary", body, undefined)
        }
        const padded = (n: number) => JSON.stringify({ q: "a", _pad: "x".repeat(n) })
        yield* expectBadArguments(port, "search_items", padded(100_000), undefined)
        expect((yield* callTool(port, "search_items", padded(60_000))).status).toBe(200)
      })
    )

    it.effect("unknown tool → 404 not_found; other methods on /tools paths → 404", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const name of ["search_record", "get_summary", "SEARCH_RECORDS", "x".repeat(300)]) {
          const response = yield* callTool(port, name, {})
          expect(response.status, name).toBe(404)
          const body = response.json as Record<string, string>
          expect(Object.keys(body).sort()).toEqual(["code", "message"])
          expect(body["code"]).toBe("not_found")
          // The router refuses path segments over 100 characters before any handler: a plain 404 then.
          if (name.length <= 100) expect(body["message"], name).toContain("search_records")
        }
        expect((yield* request(port, "/tools/list_lines")).status).toBe(404)
        expect((yield* request(port, "/tools", { method: "POST" })).status).toBe(404)
      })
    )

    it.effect("read errors map as the endpoints: 503 overloaded, 503 database_unavailable, 504 timeout", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const cases = [
          [new PoolOverloaded({ reason: "queue full" }), 503, "overloaded"],
          [new DatabaseUnavailable({ file: "live", reason: "SQLITE_CANTOPEN /x.db" }), 503, "database_unavailable"],
          [new QueryTimeout({ timeoutMs: 5000 }), 504, "timeout"]
        ] as const
        try {
          for (const [error, status, code] of cases) {
            control.before = () => Effect.fail(error)
            const response = yield* callTool(port, "get_monthly_summary", {})
            expect(response.status).toBe(status)
            expect(response.json).toEqual({ code, message: expect.any(String) })
            expect(response.text).not.toMatch(/SQLITE|\.db/)
            expect(response.headers["retry-after"] !== undefined).toBe(code === "overloaded")
          }
        } finally {
          control.before = () => Effect.void
        }
      })
    )

    it.effect("the OpenAPI document lists the tools group", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const spec = (yield* getJson(port, "/openapi.json")).json as {
          paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
        }
        expect(spec.paths["/tools"]?.["get"]).toBeDefined()
        const call = spec.paths["/tools/{name}"]?.["post"]
        expect(Object.keys(call?.responses ?? {}).sort()).toEqual(["200", "400", "404", "503", "504"])
        expect(JSON.stringify(spec)).not.toContain("HttpApiDecodeError")
      })
    )
  })
})
