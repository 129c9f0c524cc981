import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll } from "vitest"
import type { QueryPerformance } from "../../src/metrics/AnswerWindow.js"
import { getJson, makeFixture, removeFixture, serverPort } from "../http/HttpTestKit.js"
import { type EngineLog, cachedServerLayer, callTool } from "./ToolsTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))
const log: EngineLog = { runs: [] }

const performance = (port: number) =>
  Effect.map(getJson(port, "/metrics/performance"), (r) => r.json as Record<string, QueryPerformance>)

describe("tools share the endpoints' response cache and metrics", () => {
  layer(cachedServerLayer(fixture, log), { excludeTestServices: true })((it) => {
    it.effect("a tool call and the matching endpoint answer from one cache entry, under one metrics name", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const window = { from: "2025-12-01", to: "2026-01-31" }
        log.runs.length = 0
        const first = yield* callTool(port, "get_summary_by_line", window)
        expect(first.status).toBe(200)
        expect(first.headers["x-cache"]).toBe("MISS")
        const again = yield* callTool(port, "get_summary_by_line", window)
        expect(again.headers["x-cache"]).toBe("HIT")
        expect(again.text).toBe(first.text)
        const endpoint = yield* getJson(port, `/summary/by-line?${new URLSearchParams(window)}`)
        expect(endpoint.headers["x-cache"]).toBe("HIT")
        expect(first.text).toBe(`{"result":${endpoint.body.toString("utf8")}}`)
        expect(log.runs).toEqual(["summary_by_line"])

        // The tool's own default is the endpoint's explicit `limit=20`: the same entry again.
        yield* getJson(port, "/records?limit=20")
        log.runs.length = 0
        expect((yield* callTool(port, "search_records", {})).headers["x-cache"]).toBe("HIT")
        expect(log.runs).toEqual([])

        const byLine = (yield* performance(port))["summary_by_line"]!
        expect(byLine.count).toBe(3)
        expect(byLine.cache_hit_rate).toBeCloseTo(200 / 3, 1)
        expect((yield* performance(port))["records"]!.count).toBe(2)
      })
    )

    it.effect("every tool is counted under its endpoint's query name; refused calls are not counted", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const calls = [
          ["get_daily_summary", "summary_daily"],
          ["get_monthly_summary", "summary_monthly"],
          ["get_summary_by_item", "summary_by_item"],
          ["get_monthly_summary_by_item", "summary_monthly_by_item"],
          ["search_items", "items"],
          ["list_lines", "lines"]
        ] as const
        for (const [tool, query] of calls) {
          log.runs.length = 0
          const response = yield* callTool(port, tool, tool === "search_items" ? { q: "o" } : {})
          expect(response.status, tool).toBe(200)
          expect(log.runs, tool).toEqual([query])
          expect((yield* performance(port))[query]?.count, tool).toBe(1)
        }
        const before = yield* performance(port)
        log.runs.length = 0
        expect((yield* callTool(port, "get_daily_summary", { from: "2026-13-01" })).status).toBe(400)
        expect((yield* callTool(port, "nope", {})).status).toBe(404)
        expect(log.runs).toEqual([])
        expect(yield* performance(port)).toEqual(before)
      })
    )
  })
})
