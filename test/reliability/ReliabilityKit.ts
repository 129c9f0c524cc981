/**
 * The service as it runs (`AppLive`: optimized engine, worker pool from a bundle of the current sources, response
 * cache, change detector) in this process on an ephemeral port over small migrated temp files, and a raw HTTP
 * client that sends targets byte for byte and never throws on what comes back.
 */
import { HttpServer } from "@effect/platform"
import { ConfigProvider, Context, Effect, Layer, LogLevel, Logger } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import * as path from "node:path"
import { AppLive } from "../../src/app/AppLive.js"
import { CUTOVER, fixtureRecords, makeMigratedFile } from "../cache-e2e/CachedServerKit.js"
import { testBundle } from "../pool/fixtures.js"
import { type RecordInput, tempDir, withDb } from "../support/fixtures.js"

export { CUTOVER }

export interface Files {
  readonly dir: string
  readonly live: string
  readonly archive: string
}

export const ARCHIVE_FROM = "2025-10-01"
export const LIVE_TO = "2026-03-31"

/**
 * Two migrated files in a temp dir removed with the scope: archive 2025-10-01..12-31 and live 2026-01-01..03-31
 * (2–4 records a day), plus `extraLive` records in the live file.
 */
export const reliabilityFiles = (options: { readonly extraLive?: ReadonlyArray<RecordInput> } = {}) =>
  Effect.gen(function* () {
    const dir = yield* tempDir("reliability-")
    const files: Files = { dir, live: path.join(dir, "live.db"), archive: path.join(dir, "archive.db") }
    yield* makeMigratedFile("archive", files.archive, fixtureRecords(ARCHIVE_FROM, "2025-12-31"))
    yield* makeMigratedFile("live", files.live, [...fixtureRecords(CUTOVER, LIVE_TO), ...(options.extraLive ?? [])])
    return files
  })

export interface AppOptions {
  readonly env?: Record<string, string>
  /** The app's log level when no `logger` is given: none by default (the tests expect their 503s and 504s). */
  readonly logLevel?: LogLevel.LogLevel
  /** Replaces the default logger (to see what the app logs). */
  readonly logger?: Logger.Logger<unknown, void>
}

/** `AppLive` over `files` on 127.0.0.1:0 until the scope closes (cache on, warm-up off, 100 ms polls). */
export const startApp = (files: Files, options: AppOptions = {}) =>
  Effect.gen(function* () {
    const settings = {
      HOST: "127.0.0.1",
      PORT: "0",
      LIVE_DB_PATH: files.live,
      ARCHIVE_DB_PATH: files.archive,
      CUTOVER_DATE: CUTOVER,
      POOL_SIZE: "2",
      POOL_WORKER_MODE: "bundle",
      POOL_WORKER_BUNDLE: yield* testBundle,
      CACHE_WARMUP: "false",
      CHANGE_POLL_MS: "100",
      SHUTDOWN_GRACE_MS: "1000",
      ...options.env
    }
    const app = AppLive.pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings))))),
      Layer.provide(
        options.logger === undefined
          ? Logger.minimumLogLevel(options.logLevel ?? LogLevel.None)
          : Logger.replace(Logger.defaultLogger, options.logger)
      )
    )
    const address = Context.get(yield* Layer.build(app), HttpServer.HttpServer).address
    return address._tag === "TcpAddress" ? address.port : -1
  })

// ---- HTTP ----

export interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  /** The body ended without its normal end (connection cut). */
  readonly aborted: boolean
}

export interface SendOptions {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string
  /** A keep-alive agent; a fresh connection per request without one. */
  readonly agent?: http.Agent
}

/** One request with `target` sent as given (no normalization); fails only when no response arrives at all. */
export const send = (port: number, target: string, options: SendOptions = {}): Effect.Effect<Reply, Error> =>
  Effect.async<Reply, Error>((resume) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: target,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? false
      },
      (res) => {
        const chunks: Array<Buffer> = []
        let done = false
        const finish = (aborted: boolean) => {
          if (done) return
          done = true
          const text = Buffer.concat(chunks).toString("utf8")
          resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, aborted }))
        }
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => finish(!res.complete))
        res.on("error", () => finish(true))
        res.on("close", () => finish(!res.complete))
      }
    )
    req.on("error", (error) => resume(Effect.fail(error)))
    req.end(options.body)
    return Effect.sync(() => req.destroy())
  })

/** A GET, for tests that expect an answer (a socket error is a defect). */
export const get = (port: number, target: string, agent?: http.Agent) =>
  Effect.orDie(send(port, target, agent === undefined ? {} : { agent }))

/** Raw bytes on a fresh socket (what `http.request` refuses to send); the status line's code, or 0 if none. */
export const sendRaw = (port: number, bytes: Buffer): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    const done = () => {
      const head = Buffer.concat(chunks).toString("latin1")
      resume(Effect.succeed(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0)))
    }
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      // One response is all we want: stop once its head is complete.
      if (Buffer.concat(chunks).includes("\r\n\r\n")) socket.destroy()
    })
    socket.on("close", done)
    socket.on("error", () => undefined)
    socket.end(bytes)
    return Effect.sync(() => socket.destroy())
  })

export const jsonOf = (reply: Reply): unknown => JSON.parse(reply.text)

export const rowsOf = <A = Record<string, unknown>>(reply: Reply): ReadonlyArray<A> =>
  (jsonOf(reply) as { rows: ReadonlyArray<A> }).rows

// The pool gauges of `/metrics` and polling until a condition holds, as the service tests read them.
export { eventually, poolGauges } from "../service/ServiceKit.js"

// ---- the contract's error body ----

export const ERROR_CODES = [
  "invalid_parameter",
  "not_found",
  "overloaded",
  "database_unavailable",
  "timeout",
  "chat_unavailable",
  "upstream_error",
  "unauthorized",
  "forbidden",
  "rate_limited"
]

/**
 * Why `reply` (a 4xx or 5xx) breaks the contract's error rules, or undefined: exactly `{code, message[,
 * parameter]}` as JSON strings, a known code, and a message without SQL, a stack or a path. `echoed` are
 * client-sent names the message may quote back (an unknown parameter's or tool's name), checked only outside them.
 */
export const errorBodyProblem = (reply: Reply, echoed: ReadonlyArray<string> = []): string | undefined => {
  if (reply.headers["content-type"] !== "application/json") return `content-type ${reply.headers["content-type"]}`
  let body: unknown
  try {
    body = JSON.parse(reply.text)
  } catch {
    return "body is not JSON"
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body is not an object"
  const keys = Object.keys(body).sort()
  const allowed = keys.every((k) => ["code", "message", "parameter"].includes(k))
  if (!allowed || !keys.includes("code") || !keys.includes("message")) return `keys ${keys.join(",")}`
  const { code, message, parameter } = body as Record<string, unknown>
  if (typeof code !== "string" || !ERROR_CODES.includes(code)) return `code ${String(code)}`
  if (typeof message !== "string" || message.length === 0) return "message is not a string"
  if (parameter !== undefined && typeof parameter !== "string") return "parameter is not a string"
  // A quoted name is the client's own text (clipped to 40 characters): only what is around it is checked.
  let own = message
  for (const name of echoed) if (name.length > 0) own = own.split(`"${name.slice(0, 40)}`).join('"')
  const leak = LEAKS.find((pattern) => pattern.test(own))
  return leak === undefined ? undefined : `message leaks ${leak}: ${message}`
}

/** What a client-facing message must never hold: SQL, SQLite's own words, stack frames, file paths. */
const LEAKS = [
  /\bSELECT\b|\bFROM production_records\b|\bWHERE\b|\bMATCH\b/,
  /sqlite/i,
  /\n\s+at |\bat \S+ \(|\.ts:\d+|\.js:\d+/,
  /\/tmp\/|node_modules|file:\/\/|\.db\b/
]

// ---- files ----

/** `PRAGMA integrity_check` of `file` on a connection of its own. */
export const integrityCheck = (file: string): string =>
  withDb(file, (db) =>
    (db.pragma("integrity_check") as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join("; ")
  )

/** Today's UTC date. */
export const utcToday = (): string => new Date().toISOString().slice(0, 10)

/**
 * Extra items a day that make a monthly-by-item summary over 4 inflated days run well past a 100 ms deadline on
 * this machine whatever its minute (50,000 had become borderline once the latest part stopped merging its names
 * with an empty list: the tests that need a timeout then got 200s).
 */
export const HEAVY_GROUPS = 150_000

/**
 * Makes summaries over `dates` slow on small data: `groups` extra items a day in the daily item rollup (as
 * test/query/parallelHalves.test.ts does), so `/summary/monthly-by-item` over those days aggregates and sorts
 * them all (and by-item reads as many dense totals).
 */
export const inflateRollup = (file: string, dates: ReadonlyArray<string>, groups: number): void =>
  withDb(file, (db) => {
    const insert = db.prepare(
      `INSERT INTO rollup_day_item (period, item_code, good, defect, cnt, last_date, last_id, last_name)
       VALUES (?, ?, 1, 0, 1, ?, 0, 'x')`
    )
    // By item over all lines reads the dense totals (schema v9): the same groups there.
    const dense = db.prepare(
      `INSERT INTO rollup_cum_item (period, item_code, cum_good, cum_defect, cum_cnt, last_key, last_name)
       VALUES (?, ?, ?, 0, ?, 0, 'x')`
    )
    db.transaction(() => {
      for (const [k, date] of dates.entries())
        for (let i = 0; i < groups; i++) {
          insert.run(date, `ZZ-${i}`, date)
          dense.run(date, `ZZ-${i}`, k + 1, k + 1)
        }
    })()
  })
