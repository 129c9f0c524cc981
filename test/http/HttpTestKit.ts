/**
 * Shared by the HTTP tests: a small pair of un-migrated SQLite files, the app served by the reference engine on
 * an ephemeral port with a clock fixed at `TODAY`, and a raw `node:http` client (no automatic decompression).
 */
import { HttpServer } from "@effect/platform"
import Database from "better-sqlite3"
import { Clock, ConfigProvider, Effect, Layer } from "effect"
import { inject } from "vitest"
import { PgBackendLive } from "../../src/backends/postgres/PgBackend.js"
import type { DatabaseHealth } from "../../src/health/DatabaseHealth.js"
import { importFiles } from "../postgres/PgKit.js"
import { silently } from "../support/fixtures.js"
import { TestDatabase, testPgLayer } from "../support/PgCluster.js"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { SqliteFilesLive } from "../../src/backends/sqlite/SqliteBackend.js"
import { ChangeFeed } from "../../src/changes/ChangeFeed.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { PRODUCTION_RECORDS_DDL } from "../../src/backends/sqlite/db/BaseSchema.js"
import type { ApiRecord } from "../../src/domain/ProductionRecord.js"
import { HttpLive } from "../../src/http/HttpServer.js"
import type { ReadError } from "../../src/query/ReadErrors.js"
import type { Query } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"

export const TODAY = "2026-02-10"
export const CUTOVER = "2026-01-01"

/** Names that CSV must quote (comma, quote, line breaks) and that `q` must fold (Ø/ø). */
const NAMES = ["Hex Bolt M8", "Bracket Ø20, LH", 'Shaft 1/2"', "Cover\r\nplate", "bracket ø20 RH", "Gasket\nµ5"]
const LINES = ["L01", "L02", "L03"]

export interface Fixture {
  readonly dir: string
  readonly livePath: string
  readonly archivePath: string
  readonly records: ReadonlyArray<ApiRecord>
}

const dateAdd = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)

/** 2025-11-01..2026-02-28, a few records a day (a deterministic pattern), split at `CUTOVER`. */
export const makeFixture = (options: { readonly withArchive?: boolean } = {}): Fixture => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "http-test-"))
  const livePath = path.join(dir, "live.db")
  const archivePath = path.join(dir, "archive.db")
  const files = { live: new Database(livePath), archive: new Database(archivePath) }
  const records: Array<ApiRecord> = []
  for (const db of Object.values(files)) db.exec(PRODUCTION_RECORDS_DDL)
  const insert = {
    live: files.live.prepare(`INSERT INTO production_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    archive: files.archive.prepare(`INSERT INTO production_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
  }
  let id = 1
  for (let day = 0, date = "2025-11-01"; date <= "2026-02-28"; day++, date = dateAdd(date, 1)) {
    for (let k = 0; k < 2 + (day % 3); k++) {
      const i = (day * 7 + k * 3) % NAMES.length
      const source = date >= CUTOVER ? "live" : "archive"
      const record: ApiRecord = {
        source,
        id: id++,
        production_date: date,
        item_code: `IT-${i}`,
        item_name: NAMES[i]!,
        lot_number: `${k % 2 === 0 ? "AB" : "AC"}${String(day * 10 + k).padStart(5, "0")}`,
        line_code: LINES[(day + k) % LINES.length]!,
        good_quantity: (day * 37 + k * 11) % 500,
        defect_quantity: (day + k) % 7
      }
      insert[source].run(Object.values(record).slice(1))
      records.push(record)
    }
  }
  files.live.close()
  files.archive.close()
  if (options.withArchive === false) fs.rmSync(archivePath)
  return { dir, livePath, archivePath, records }
}

export const removeFixture = (fixture: Fixture): void => fs.rmSync(fixture.dir, { recursive: true, force: true })

/** The records of `/records` order (date desc, live first, id desc). */
export const inRecordsOrder = (records: ReadonlyArray<ApiRecord>): ReadonlyArray<ApiRecord> =>
  [...records].sort((a, b) =>
    a.production_date !== b.production_date
      ? a.production_date < b.production_date
        ? 1
        : -1
      : a.source !== b.source
        ? a.source === "live"
          ? -1
          : 1
        : b.id - a.id
  )

/** A clock showing `today` (noon UTC) whose sleeps are real, so timeouts still work. */
export const clockAt = (today: string): Clock.Clock => {
  const live = Clock.make()
  const offset = Date.parse(`${today}T12:00:00Z`) - Date.now()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => live.unsafeCurrentTimeMillis() + offset,
    unsafeCurrentTimeNanos: () => live.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => live.unsafeCurrentTimeMillis() + offset),
    currentTimeNanos: Effect.sync(() => live.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n),
    sleep: (duration) => live.sleep(duration)
  }
}

/** Runs before every engine call of the test server; may fail it or hold it. */
export interface EngineControl {
  before: (query: Query) => Effect.Effect<void, ReadError>
}

export const makeEngineControl = (): EngineControl => ({ before: () => Effect.void })

const ControlledEngine = <E, R>(control: EngineControl, inner: Layer.Layer<QueryEngine, E, R>) =>
  Layer.effect(
    QueryEngine,
    Effect.map(QueryEngine, (inner) =>
      QueryEngine.of({
        name: inner.name,
        run: (query) =>
          Effect.zipRight(
            Effect.suspend(() => control.before(query)),
            inner.run(query)
          ),
        exportChunk: (query, format) =>
          Effect.zipRight(
            Effect.suspend(() => control.before(query)),
            inner.exportChunk(query, format)
          )
      })
    )
  ).pipe(Layer.provide(inner))

/** Which backend serves the test app: the SQLite files, or the same records imported into PostgreSQL. */
export type Backend = "sqlite" | "postgres"
export const BACKENDS: ReadonlyArray<Backend> = ["sqlite", "postgres"]

export interface ServerOptions {
  readonly env?: Record<string, string>
  readonly control?: EngineControl
  readonly backend?: Backend
}

/** The app over `backend` (the engine behind `control`, which the merge puts over the backend's own). */
const appOver = <E, R, E2, R2>(
  backend: Layer.Layer<DatabaseHealth, E, R>,
  engine: Layer.Layer<QueryEngine, E2, R2>,
  fixture: Fixture,
  options: ServerOptions
) =>
  HttpLive.pipe(
    Layer.provide(Layer.merge(backend, ControlledEngine(options.control ?? makeEngineControl(), engine))),
    Layer.provide(ChangeFeed.Default),
    Layer.provide(DbTargets.Default),
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map(
            Object.entries({
              HOST: "127.0.0.1",
              PORT: "0",
              LIVE_DB_PATH: fixture.livePath,
              ARCHIVE_DB_PATH: fixture.archivePath,
              CUTOVER_DATE: CUTOVER,
              ...options.env
            })
          )
        )
      )
    ),
    Layer.provide(Layer.setClock(clockAt(TODAY)))
  )

/** A database of the run's test cluster holding the fixture's two files, imported by the real import. */
const importedFixture = (fixture: Fixture) =>
  Layer.effectDiscard(
    Effect.flatMap(TestDatabase, (db) =>
      silently(importFiles(db.url, { live: fixture.livePath, archive: fixture.archivePath }))
    )
  ).pipe(Layer.provideMerge(testPgLayer(inject("pgAdminUrl"))))

/**
 * The whole app on 127.0.0.1:0 over `fixture`, behind `control`: on SQLite, the reference engine over the
 * files; on PostgreSQL, the backend as `QUERY_BACKEND=postgres` builds it, over the fixture imported.
 */
export const serverLayer = (fixture: Fixture, options: ServerOptions = {}) =>
  options.backend === "postgres"
    ? Layer.unwrapEffect(
        Effect.map(TestDatabase, (db) =>
          appOver(PgBackendLive, PgBackendLive, fixture, { ...options, env: { DATABASE_URL: db.url, ...options.env } })
        )
      ).pipe(Layer.provide(importedFixture(fixture)))
    : appOver(SqliteFilesLive, ReferenceEngineLive, fixture, options)

export const serverPort: Effect.Effect<number, never, HttpServer.HttpServer> = Effect.map(
  HttpServer.HttpServer,
  (server) => (server.address._tag === "TcpAddress" ? server.address.port : -1)
)

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
  /** The transfer ended without its normal end (connection reset or cut). */
  readonly aborted: boolean
}

/** One request on a fresh connection; the body is returned as sent (no decompression). */
export const request = (
  port: number,
  target: string,
  options: { readonly method?: string; readonly headers?: Record<string, string> } = {}
): Effect.Effect<RawResponse> =>
  Effect.async<RawResponse>((resume) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: target,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false
      },
      (res) => {
        const chunks: Array<Buffer> = []
        let done = false
        const finish = (aborted: boolean) => {
          if (done) return
          done = true
          resume(
            Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted })
          )
        }
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => finish(!res.complete))
        res.on("error", () => finish(true))
        res.on("aborted", () => finish(true))
        res.on("close", () => finish(!res.complete))
      }
    )
    req.on("error", (error) => resume(Effect.die(error)))
    req.end()
  })

export const getJson = (port: number, target: string, headers: Record<string, string> = {}) =>
  Effect.map(request(port, target, { headers }), (response) => ({
    ...response,
    json: response.body.length === 0 ? undefined : (JSON.parse(response.body.toString("utf8")) as unknown)
  }))
