import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, HashMap, Layer, LogLevel, Logger } from "effect"
import * as fs from "node:fs"
import { getJson, makeEngineControl, makeFixture, removeFixture, serverLayer, serverPort } from "../http/HttpTestKit.js"
import { spawnService } from "./Processes.js"
import {
  type Reply,
  errorBodyProblem,
  eventually,
  HEAVY_GROUPS,
  inflateRollup,
  poolGauges,
  reliabilityFiles,
  send
} from "./ReliabilityKit.js"

/** A live-only window over inflated rollups: far past a 100 ms deadline. */
// Monthly by item over a few days sums the (inflated) day rows of every item: slow whatever the window's length
// does for by-item, which reads running totals.
const HEAVY = "/summary/monthly-by-item?from=2026-01-01&to=2026-01-04"

interface LogLine {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

/** The JSON lines of the service's stdout that are its error-answer log lines. */
const errorLines = (stdout: string): ReadonlyArray<LogLine> =>
  stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.message === "request failed")

describe("logs: one structured line per error answer", () => {
  it.scopedLive(
    "npm start logs JSON lines: method, URL, query name, status, code and the internal cause; clients get neither",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        inflateRollup(files.live, ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"], HEAVY_GROUPS)
        const service = yield* spawnService(files, {
          POOL_SIZE: "1",
          QUEUE_LIMIT: "0",
          QUERY_TIMEOUT_MS: "100",
          CACHE_ENABLED: "false"
        })
        const port = service.port
        const errors: Array<{ readonly target: string; readonly reply: Reply }> = []
        const call = (target: string, options: Parameters<typeof send>[2] = {}) =>
          Effect.map(Effect.orDie(send(port, target, options)), (reply) => {
            if (reply.status >= 400) errors.push({ target, reply })
            return reply
          })
        const poolIdle = eventually(
          "the pool idle again",
          Effect.map(poolGauges(port), (g) => g["idle_workers"] === 1 && g["retired_workers"] === 0),
          30_000
        )

        expect((yield* call("/summary/daily?from=2026-01-01&to=2026-01-31")).status).toBe(200)
        expect((yield* call("/records?limit=0")).status).toBe(400)
        expect((yield* call("/records?itemcode=IT-1&q=%27%20OR%201%3D1")).status).toBe(400)
        expect((yield* call("/nope?x=1")).status).toBe(404)
        const body = '{"q":5}'
        const headers = { "content-type": "application/json", "content-length": String(body.length) }
        expect((yield* call("/tools/search_items", { method: "POST", headers, body })).status).toBe(400)
        expect((yield* call(HEAVY)).status).toBe(504)
        yield* poolIdle
        // QUEUE_LIMIT=0: while the heavy statement holds the only worker (and, past its deadline, until a replacement
        // has started), the next request is refused. Sent once the pool shows no idle worker, not after a fixed delay
        // that a busy machine may need just to get the heavy request to the pool.
        const heavy = yield* Effect.fork(call(HEAVY))
        yield* eventually(
          "the heavy statement holding the only worker",
          Effect.map(poolGauges(port), (g) => g["idle_workers"] === 0)
        )
        const refused = yield* call("/lines")
        expect([(yield* Fiber.join(heavy)).status, refused.status]).toEqual([504, 503])
        yield* poolIdle
        fs.rmSync(files.archive)
        yield* eventually(
          "the archive's absence seen",
          Effect.map(call("/summary/daily?from=2025-11-01&to=2025-11-30"), (r) => r.status === 503)
        )
        expect((yield* call("/summary/daily?from=2026-02-01&to=2026-02-28")).status).toBe(200)
        // Log lines are written as the answers are sent: wait for the last one to come through the pipe.
        yield* eventually(
          "a log line for every error answer",
          Effect.sync(() => errorLines(service.stdout()).length >= errors.length)
        )

        for (const { target, reply } of errors) expect(errorBodyProblem(reply, ["itemcode"]), target).toBeUndefined()
        const lines = errorLines(service.stdout())
        // The two answers of the pair above may be sent close enough together to arrive here in either order.
        const key = (url: unknown, status: unknown) => `${String(status)} ${String(url)}`
        const lineKey = (line: LogLine) => key(line.annotations["url"], line.annotations["status"])
        expect(lines.map(lineKey).sort()).toEqual(errors.map((e) => key(e.target, e.reply.status)).sort())
        for (const line of lines) {
          const reply = errors.find((e) => key(e.target, e.reply.status) === lineKey(line))!.reply
          const code = (JSON.parse(reply.text) as { code: string }).code
          expect(line.annotations).toMatchObject({ method: expect.any(String), status: reply.status, code })
          expect(line.logLevel).toBe(reply.status >= 500 ? "ERROR" : "WARN")
          expect(typeof line.annotations["cause"]).toBe("string")
        }
        const byStatus = (status: number) => lines.filter((l) => l.annotations["status"] === status)
        expect(lines[0]!.annotations).toMatchObject({ query: "records", parameter: "limit" })
        expect(lines[3]!.annotations).toMatchObject({ method: "POST", query: "/tools/search_items", parameter: "q" })
        expect(byStatus(504).map((l) => l.annotations)).toEqual([
          expect.objectContaining({
            query: "summary_monthly_by_item",
            code: "timeout",
            cause: "QueryTimeout: past 100 ms"
          }),
          expect.objectContaining({ query: "summary_monthly_by_item", code: "timeout" })
        ])
        expect(
          byStatus(503).map((l) => [l.annotations["query"], l.annotations["code"], l.annotations["cause"]])
        ).toEqual([
          ["lines", "overloaded", expect.stringMatching(/^PoolOverloaded: /)],
          ...byStatus(503)
            .slice(1)
            .map(() => [
              "summary_daily",
              "database_unavailable",
              expect.stringMatching(/^DatabaseUnavailable \(archive\): /)
            ])
        ])
        console.log(
          `logs: ${lines.length} error answers, ${lines.length} log lines, e.g. ${JSON.stringify(byStatus(503).at(-1))}`
        )
      }),
    60_000
  )

  it.scopedLive("a defect (never client input) is a 500 whose stack goes to one log line, not to the client", () =>
    Effect.gen(function* () {
      const fixture = makeFixture()
      yield* Effect.addFinalizer(() => Effect.sync(() => removeFixture(fixture)))
      const control = makeEngineControl()
      control.before = (query) => (query._tag === "lines" ? Effect.die(new Error("boom in the engine")) : Effect.void)
      const logged: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
      const logger = Logger.make<unknown, void>(({ logLevel, message, annotations }) => {
        logged.push({ level: logLevel.label, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })
      const app = serverLayer(fixture, { control }).pipe(
        Layer.provide(Logger.replace(Logger.defaultLogger, logger)),
        Layer.provide(Logger.minimumLogLevel(LogLevel.Info))
      )
      const port = yield* Effect.provide(serverPort, yield* Layer.build(app))

      const reply = yield* getJson(port, "/lines")
      expect(reply.status).toBe(500)
      expect(reply.json).toEqual({ code: "internal_error", message: "The service failed to answer this request." })
      expect((yield* getJson(port, "/items?q=bolt")).status).toBe(200)
      const lines = logged.filter((l) => l.level === "ERROR" || l.level === "WARN")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({
        level: "ERROR",
        message: ["request failed"],
        annotations: { url: "/lines", query: "lines", status: 500, code: "internal_error" }
      })
      expect(lines[0]!.annotations["cause"]).toMatch(/boom in the engine[\s\S]*\bat /)
    })
  )
})
