/**
 * What the tool tests add to `test/http/HttpTestKit.ts`: a JSON POST client, real JSON Schema validators (ajv,
 * draft 2020-12 and draft-07), the arguments of the HTTP endpoints' happy-path tests, and the app with its
 * response cache over a counting engine (to show that tools share the endpoints' cache and metrics).
 */
import { Ajv } from "ajv"
import { Ajv2020 } from "ajv/dist/2020.js"
import { ConfigProvider, Effect, Layer } from "effect"
import * as http from "node:http"
import { appOver } from "../../src/app/AppLive.js"
import { SqliteFilesLive } from "../../src/backends/sqlite/SqliteBackend.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { isIsoDate } from "../../src/domain/IsoDate.js"
import type { Query } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"
import type { ParametersSchema } from "../../src/tools/ToolParameters.js"
import { CUTOVER, type Fixture, TODAY, clockAt } from "../http/HttpTestKit.js"

export interface PostResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  readonly json: unknown
}

/** `POST target` with `body` as sent (a string is sent verbatim, anything else as JSON). */
export const post = (port: number, target: string, body: unknown): Effect.Effect<PostResponse> =>
  Effect.async<PostResponse>((resume) => {
    const payload = typeof body === "string" ? body : JSON.stringify(body)
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: target,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        agent: false
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8")
          resume(
            Effect.succeed({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: text === "" ? undefined : (JSON.parse(text) as unknown)
            })
          )
        })
      }
    )
    req.on("error", (error) => resume(Effect.die(error)))
    req.end(payload)
  })

export const callTool = (port: number, name: string, args: unknown) => post(port, `/tools/${name}`, args)

/** Strict validators of both drafts; `date` checks the calendar as the contract does. */
export const validators = () => {
  const formats = { date: (value: string) => isIsoDate(value) }
  return { draft2020: new Ajv2020({ strict: true, formats }), draft07: new Ajv({ strict: true, formats }) }
}

/** The tool of each endpoint, and the query strings of that endpoint's happy-path tests in `test/http`. */
export const HAPPY_PATHS: Readonly<
  Record<string, { readonly path: string; readonly searches: ReadonlyArray<string> }>
> = {
  search_records: {
    path: "/records",
    searches: [
      "from=2025-12-30&to=2026-01-02&limit=3",
      "from=2025-12-15&to=2026-01-15&limit=7",
      "from=2025-11-01&to=2026-02-28&item_code=IT-1&q=%C3%B820&limit=4",
      "from=2025-11-01&to=2026-02-28&lot_prefix=AC0010&limit=3",
      "from=2026-01-01&to=2026-01-31&limit=5",
      "from=2025-11-01&to=2026-02-28&limit=200",
      "lot_prefix=AB_&q=50%25&item_code=A%2BB",
      "limit=1",
      ""
    ]
  },
  get_daily_summary: {
    path: "/summary/daily",
    searches: ["from=2025-12-01&to=2026-01-31", "from=2024-02-29&to=2024-02-29", "item_code=IT-1&line_code=L01", ""]
  },
  get_monthly_summary: {
    path: "/summary/monthly",
    searches: [
      "from=2025-12-01&to=2026-01-31",
      "from=2025-12-01&to=2026-01-31&line_code=L02",
      "from=2025-11-01&to=2026-02-28"
    ]
  },
  get_summary_by_item: {
    path: "/summary/by-item",
    searches: ["from=2025-12-01&to=2026-01-31", "from=2025-12-01&to=2026-01-31&limit=2", "line_code=L03"]
  },
  get_summary_by_line: {
    path: "/summary/by-line",
    searches: ["from=2025-12-01&to=2026-01-31", "from=2025-11-01&to=2026-02-28&item_code=IT-2"]
  },
  get_monthly_summary_by_item: {
    path: "/summary/monthly-by-item",
    searches: ["from=2025-12-01&to=2026-01-31", "from=2025-11-01&to=2026-02-28&item_code=IT-4&line_code=L02"]
  },
  search_items: { path: "/items", searches: ["q=%C3%98", "q=o&limit=1", "q=a"] },
  list_lines: { path: "/lines", searches: [""] }
}

/** A query string as tool arguments: integers as JSON numbers (by the tool's schema), the rest as strings. */
export const argumentsOf = (search: string, parameters: ParametersSchema): Record<string, unknown> => {
  const args: Record<string, unknown> = {}
  for (const [name, value] of new URLSearchParams(search)) {
    args[name] = parameters.properties[name]?.type === "integer" ? Number(value) : value
  }
  return args
}

/** The endpoint's query string for a tool's arguments: the tool's own defaults made explicit. */
export const withToolDefaults = (search: string, defaults: Readonly<Record<string, string>>): string => {
  const params = new URLSearchParams(search)
  for (const [name, value] of Object.entries(defaults)) if (!params.has(name)) params.set(name, value)
  return params.toString()
}

/** Engine runs by query name, counted below the cache. */
export interface EngineLog {
  readonly runs: Array<Query["_tag"]>
}

const CountingEngine = (log: EngineLog) =>
  Layer.effect(
    QueryEngine,
    Effect.map(QueryEngine, (inner) =>
      QueryEngine.of({
        name: inner.name,
        exportChunk: inner.exportChunk,
        run: (query) =>
          Effect.zipRight(
            Effect.sync(() => log.runs.push(query._tag)),
            inner.run(query)
          )
      })
    )
  ).pipe(Layer.provide(ReferenceEngineLive))

/**
 * The app as the service runs it (`appOver`: the response cache, its fast path, the SQLite files' change detector)
 * over `fixture`, with the reference engine counting its runs in `log`.
 */
export const cachedServerLayer = (fixture: Fixture, log: EngineLog) =>
  appOver(Layer.merge(CountingEngine(log), SqliteFilesLive)).pipe(
    Layer.provide(DbTargets.Default),
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["HOST", "127.0.0.1"],
            ["PORT", "0"],
            ["LIVE_DB_PATH", fixture.livePath],
            ["ARCHIVE_DB_PATH", fixture.archivePath],
            ["CUTOVER_DATE", CUTOVER],
            ["CACHE_WARMUP", "false"]
          ])
        )
      )
    ),
    Layer.provide(Layer.setClock(clockAt(TODAY)))
  )
