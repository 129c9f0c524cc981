/**
 * The service as it runs (`AppLive`: optimized engine, read pool, response cache, fast path, change detector) on
 * an ephemeral port over two small migrated temp files, driven over real HTTP, while the tests write to the files
 * as the plant's loaders would: a plain better-sqlite3 connection, or another process.
 */
import { HttpServer } from "@effect/platform"
import type Database from "better-sqlite3"
import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Context, Effect, Layer, LogLevel, Logger, Redacted } from "effect"
import { inject } from "vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { AppLive } from "../../src/app/AppLive.js"
import type { CacheStats } from "../../src/cache/EntryStore.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { importFiles } from "../postgres/PgKit.js"
import { makeTestDatabase } from "../support/PgCluster.js"
import {
  type RecordInput,
  createRecordsFile,
  datesBetween,
  itemCode,
  itemName,
  lineCode,
  silently,
  tempDir,
  withDb
} from "../support/fixtures.js"

export const CUTOVER = "2026-01-01"
export const ARCHIVE_FROM = "2025-10-01"
export const LIVE_TO = "2026-03-31"
export const POLL_MS = 100
/** `POOL_FILE_CHECK_MS` (its default): how long a read worker trusts an open file before checking its inode. */
export const FILE_CHECK_MS = 200
/**
 * Long enough after a commit for the change detector to have seen it (a bit more than `CHANGE_POLL_MS`), and for
 * the answers it invalidated to be past the freshness bound (`CHANGE_POLL_MS` + 250 ms before the request): no
 * longer served `STALE`, computed again.
 */
export const PAST_BOUND_MS = POLL_MS + 250 + 120
/** After a file was replaced or removed: the detector has seen it and every worker has checked its inode. */
export const AFTER_FILE_MS = POLL_MS + FILE_CHECK_MS + 150

export interface ServerFiles {
  readonly dir: string
  readonly live: string
  readonly archive: string
}

export class CachedServer extends Context.Tag("CachedServer")<
  CachedServer,
  { readonly port: number; readonly files: ServerFiles }
>() {}

/** A few records a day (2–4, a fixed pattern) over `from..to`, five items, three lines; ids left to SQLite. */
export const fixtureRecords = (from: string, to: string): Array<RecordInput> =>
  datesBetween(from, to).flatMap((date, day) =>
    Array.from({ length: 2 + (day % 3) }, (_, k) => {
      const item = (day + k) % 5
      return {
        production_date: date,
        item_code: itemCode(item),
        item_name: itemName(item, 0),
        lot_number: `AB${String(day * 10 + k).padStart(5, "0")}`,
        line_code: lineCode((day + 2 * k) % 3),
        good_quantity: (day * 37 + k * 11) % 400,
        defect_quantity: (day + k) % 7
      }
    })
  )

/** Creates `file` holding `records` and migrates it, as `npm run migrate` would. */
export const makeMigratedFile = (file: DbFile, filePath: string, records: ReadonlyArray<RecordInput>) =>
  Effect.gen(function* () {
    createRecordsFile(filePath, records)
    yield* silently(migrateFile({ file, path: filePath, explicit: true }, { dryRun: false }))
  }).pipe(Effect.orDie)

/** One write by another connection (a loader), committed when `write` returns. */
export const commit = (filePath: string, write: (db: Database.Database) => void): void => withDb(filePath, write)

const sqliteShell = spawnSync("sqlite3", ["-version"]).error === undefined
const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const CHILD_WRITER = "const db = new (require('better-sqlite3'))(process.argv[1]); db.exec(process.argv[2]); db.close()"

/** `sql` committed by another process: the sqlite3 shell when it is on PATH, else node with better-sqlite3. */
export const commitInChild = (filePath: string, sql: string): void => {
  const run = sqliteShell
    ? spawnSync("sqlite3", [filePath], { input: sql, encoding: "utf8" })
    : spawnSync(process.execPath, ["-e", CHILD_WRITER, filePath, sql], { cwd: repoRoot, encoding: "utf8" })
  if (run.status !== 0 || run.stderr !== "") throw new Error(`commit to ${filePath} failed: ${run.stderr}`)
}

/**
 * Replaces `target` on disk by `source` (another good file) with a rename, as an operator restoring a copy would.
 * Both WALs are emptied first, so no committed page of the old file is left in a `-wal` beside the new one.
 */
export const replaceFile = (source: string, target: string): void => {
  for (const file of [source, target]) {
    withDb(file, (db) => {
      const [row] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>
      if (row?.busy !== 0) throw new Error(`checkpoint of ${file} was blocked`)
    })
  }
  fs.renameSync(source, target)
}

export interface ServerOptions {
  /** Environment on top of the kit's (cache warm-up off, 100 ms polls, two workers). */
  readonly env?: Record<string, string>
  /** The app to run; `AppLive` unless a test needs to interpose on its parts (the same services out). */
  readonly app?: Layer.Layer<Layer.Layer.Success<typeof AppLive>, unknown>
  readonly logLevel?: LogLevel.LogLevel
  /** Replaces the default logger (to see what the app logs). */
  readonly logger?: Logger.Logger<unknown, void>
  /** `postgres`: the same files imported into a fresh database of the test cluster, `QUERY_BACKEND=postgres`. */
  readonly backend?: "sqlite" | "postgres"
}

/** The two files imported into a fresh database of the run's test cluster (dropped with the scope): its env. */
const importedDatabase = (files: ServerFiles) =>
  Effect.gen(function* () {
    const db = yield* makeTestDatabase(inject("pgAdminUrl"))
    yield* importFiles(db.url, files).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 })),
      silently
    )
    return { QUERY_BACKEND: "postgres", DATABASE_URL: db.url, PG_POOL_SIZE: "2" }
  })

/** The app over fresh migrated files (archive 2025-10-01..12-31, live 2026-01-01..03-31) on 127.0.0.1:0. */
export const cachedServer = (options: ServerOptions = {}) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const dir = yield* tempDir("cache-e2e-")
      const files: ServerFiles = { dir, live: path.join(dir, "live.db"), archive: path.join(dir, "archive.db") }
      yield* makeMigratedFile("archive", files.archive, fixtureRecords(ARCHIVE_FROM, "2025-12-31"))
      yield* makeMigratedFile("live", files.live, fixtureRecords(CUTOVER, LIVE_TO))
      const env = {
        HOST: "127.0.0.1",
        PORT: "0",
        LIVE_DB_PATH: files.live,
        ARCHIVE_DB_PATH: files.archive,
        CUTOVER_DATE: CUTOVER,
        POOL_SIZE: "2",
        CHANGE_POLL_MS: String(POLL_MS),
        POOL_FILE_CHECK_MS: String(FILE_CHECK_MS),
        CACHE_WARMUP: "false",
        SHUTDOWN_GRACE_MS: "1000",
        ...(options.backend === "postgres" ? yield* importedDatabase(files) : {}),
        ...options.env
      }
      const server = Layer.effect(
        CachedServer,
        Effect.map(HttpServer.HttpServer, (s) => ({
          port: s.address._tag === "TcpAddress" ? s.address.port : -1,
          files
        }))
      )
      return server.pipe(
        Layer.provideMerge(options.app ?? AppLive),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))),
        Layer.provide(Logger.minimumLogLevel(options.logLevel ?? LogLevel.Error)),
        Layer.provide(options.logger === undefined ? Layer.empty : Logger.replace(Logger.defaultLogger, options.logger))
      )
    })
  )

// ---- HTTP ----

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  /** `X-Cache` */
  readonly cache: string | null
  readonly etag: string | null
  readonly json: unknown
}

/** A GET with `fetch` (which decompresses what it offered; see HttpTestKit's `request` for raw bytes). */
export const get = (port: number, target: string, headers: Record<string, string> = {}): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${target}`, { headers })
    const body = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body,
      cache: response.headers.get("x-cache"),
      etag: response.headers.get("etag"),
      json: response.headers.get("content-type") === "application/json" ? (JSON.parse(body) as unknown) : undefined
    }
  })

/** GETs `target` until it is served as a fresh cache entry (`HIT`), which it returns. */
export const primed = (port: number, target: string): Effect.Effect<Reply> =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 40; attempt++) {
      const reply = yield* get(port, target)
      if (reply.status !== 200) throw new Error(`${target}: ${reply.status} ${reply.body}`)
      if (reply.cache === "HIT") return reply
      // A stale entry is refreshed in the background: its successor is a hit.
      if (reply.cache === "STALE") yield* Effect.sleep(25)
    }
    throw new Error(`${target} was not cached`)
  })

export const cacheStats = (port: number): Effect.Effect<CacheStats> =>
  Effect.map(get(port, "/metrics/cache"), (r) => (r.json as { api_cache: CacheStats }).api_cache)

// ---- bodies ----

export interface Totals {
  readonly good_quantity: number
  readonly defect_quantity: number
  readonly record_count: number
}
export type DailyRow = Totals & { readonly date: string }

export const dailyRows = (reply: Reply): ReadonlyArray<DailyRow> => (reply.json as { rows: Array<DailyRow> }).rows

export const dayOf = (reply: Reply, date: string): DailyRow | undefined => dailyRows(reply).find((r) => r.date === date)

export interface RecordRow {
  readonly source: DbFile
  readonly id: number
  readonly production_date: string
  readonly good_quantity: number
}

export const recordRows = (reply: Reply): ReadonlyArray<RecordRow> => (reply.json as { rows: Array<RecordRow> }).rows
