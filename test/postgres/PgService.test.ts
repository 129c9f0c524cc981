/**
 * The service on `QUERY_BACKEND=postgres` as a child process (src/main.ts), on a database of the test cluster:
 * its start-up refusals, `/health` and `/metrics`, and the LISTEN connection terminated and lost from outside.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import type pg from "pg"
import { inject } from "vitest"
import { LISTENER_NAME } from "../../src/backends/postgres/PgChangeFeed.js"
import { launchService, type Service, spawnService } from "../reliability/Processes.js"
import { get } from "../reliability/ReliabilityKit.js"
import { eventually } from "../service/ServiceKit.js"
import { pgMigrationSteps } from "../../src/backends/postgres/PgMigrationSteps.js"
import { makeTestDatabase, TestDatabase } from "../support/PgCluster.js"
import { CUTOVER, migratedPgLayer, pgConnection, rawConnection } from "./PgKit.js"

const ADMIN_URL = inject("pgAdminUrl")
const LATEST = Math.max(...pgMigrationSteps(CUTOVER).map((step) => step.version))
// No SQLite file exists there: the PostgreSQL backend never opens one.
const NO_FILES = { dir: "/nonexistent", live: "/nonexistent/live.db", archive: "/nonexistent/archive.db" }

const onPostgres = (url: string, env: Record<string, string> = {}) => ({
  QUERY_BACKEND: "postgres",
  DATABASE_URL: url,
  CUTOVER_DATE: CUTOVER,
  ...env
})

/** The service's exit code and its stderr's lines, once it has refused to start. */
const refusal = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const service = yield* launchService(NO_FILES, env)
    const code = yield* service.exited
    return { code, lines: service.stderr().trim().split("\n") }
  }).pipe(Effect.scoped)

const query = (client: pg.Client, text: string) => Effect.promise(() => client.query(text))

const health = (service: Service) =>
  Effect.map(get(service.port, "/health"), (reply) => ({
    status: reply.status,
    body: JSON.parse(reply.text) as {
      status: string
      databases: Record<string, Record<string, unknown>>
      reasons?: Array<string>
    }
  }))

const metricsText = (service: Service) => Effect.map(get(service.port, "/metrics"), (reply) => reply.text)

describe("QUERY_BACKEND=postgres: start-up refusals, one line each", () => {
  it.live("no DATABASE_URL; QUERY_ENGINE=reference; a bad PG_POOL_SIZE; an unreachable server", () =>
    Effect.gen(function* () {
      const missing = yield* refusal({ QUERY_BACKEND: "postgres" })
      expect(missing.code).not.toBe(0)
      expect(missing.lines).toHaveLength(1)
      expect(missing.lines[0]).toBe(
        "production-analytics: QUERY_BACKEND=postgres needs DATABASE_URL (postgres://user:password@host:port/database)"
      )
      const notPostgres = yield* refusal(onPostgres("mysql://x@y/z"))
      expect(notPostgres.lines).toEqual([
        expect.stringMatching(/DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/)
      ])

      const reference = yield* refusal(onPostgres(ADMIN_URL, { QUERY_ENGINE: "reference" }))
      expect(reference.lines).toEqual([
        expect.stringMatching(/QUERY_ENGINE must be optimized with QUERY_BACKEND=postgres/)
      ])

      const pool = yield* refusal(onPostgres(ADMIN_URL, { PG_POOL_SIZE: "0" }))
      expect(pool.lines).toEqual([expect.stringMatching(/PG_POOL_SIZE must be at least 1/)])

      const backend = yield* refusal({ QUERY_BACKEND: "mysql" })
      expect(backend.lines).toEqual([expect.stringMatching(/QUERY_BACKEND: "Expected one of \(sqlite, postgres\)/)])

      // Port 1 on the loopback: nothing listens there.
      const unreachable = yield* refusal(onPostgres("postgres://postgres:secret@127.0.0.1:1/none"))
      expect(unreachable.code).not.toBe(0)
      expect(unreachable.lines).toEqual([
        expect.stringMatching(
          /^production-analytics: cannot read PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/none: /
        )
      ])
      expect(unreachable.lines[0]).not.toContain("secret")
    })
  )

  it.live("an unmigrated database, and one migrated with another cutover", () =>
    Effect.gen(function* () {
      const empty = yield* makeTestDatabase(ADMIN_URL)
      const unmigrated = yield* refusal(onPostgres(empty.url))
      expect(unmigrated.code).not.toBe(0)
      expect(unmigrated.lines).toEqual([
        `production-analytics: ${empty.url} is not migrated (schema v0, this service needs v${LATEST}): run npm run migrate -- --postgres ${empty.url}`
      ])

      const { url } = yield* TestDatabase
      const otherCutover = yield* refusal(onPostgres(url, { CUTOVER_DATE: "2025-07-01" }))
      expect(otherCutover.code).not.toBe(0)
      expect(otherCutover.lines).toEqual([
        expect.stringMatching(
          /was migrated with cutover 2026-01-01, not CUTOVER_DATE 2025-07-01: set CUTOVER_DATE=2026-01-01/
        )
      ])
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )
})

describe("QUERY_BACKEND=postgres: /health and /metrics", () => {
  it.live("both sources by the cutover; the pool's figures; promtool accepts the text", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase
      const writer = yield* rawConnection
      yield* query(
        writer,
        `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)
         VALUES ('2025-11-30', 'A', 'Bolt', 'L1', 'L01', 1), ('2026-02-14', 'A', 'Bolt', 'L2', 'L01', 2)`
      )
      const service = yield* spawnService(NO_FILES, onPostgres(url, { PG_POOL_SIZE: "3" }))
      const { status, body } = yield* health(service)
      expect(status).toBe(200)
      const state = { present: true, migrated: true, journal_mode: null, data_version: null }
      expect(body).toEqual({
        status: "ok",
        databases: { live: { ...state, max_date: "2026-02-14" }, archive: { ...state, max_date: "2025-11-30" } }
      })
      // A later commit shows at once: /health reads the database, not a snapshot.
      yield* query(
        writer,
        `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)
         VALUES ('2026-03-01', 'A', 'Bolt', 'L3', 'L01', 3)`
      )
      expect((yield* health(service)).body.databases.live!.max_date).toBe("2026-03-01")

      const text = yield* metricsText(service)
      expect(text).toContain("production_api_pool_workers 3\n")
      expect(text).toMatch(/production_api_pool_idle_workers \d+\n/)
      expect(text).toContain('production_api_db_readable{file="live"} 1\n')
      expect(text).toContain('production_api_db_readable{file="archive"} 1\n')
      expect(text).toContain('production_api_change_detector_behind{file="live"} 0\n')
      expect(text).not.toMatch(/^production_api_db_data_version\{/m)
      if (spawnSync("promtool", ["--version"]).error === undefined) {
        const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
        expect(check.stdout + check.stderr).toBe("")
        expect(check.status).toBe(0)
      } else console.warn("promtool check metrics SKIPPED: promtool not on PATH")
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live(
    "LISTEN terminated from outside: degraded until it is back, then ok; a server refusing connections: 503 unavailable, then recovered",
    () =>
      Effect.gen(function* () {
        const { url, name } = yield* TestDatabase
        const service = yield* spawnService(NO_FILES, onPostgres(url, { PG_LISTEN_RETRY_MS: "1500" }))
        const admin = yield* pgConnection(ADMIN_URL)
        const listenerPid = Effect.map(
          query(
            admin,
            `SELECT pid FROM pg_stat_activity WHERE datname = '${name}' AND application_name = '${LISTENER_NAME}'`
          ),
          (r) => r.rows.map((row: { pid: number }) => row.pid)
        )
        expect(yield* listenerPid).toHaveLength(1)
        const [first] = yield* listenerPid
        yield* query(admin, `SELECT pg_terminate_backend(${first})`)
        yield* eventually(
          "/health degraded",
          Effect.map(health(service), (h) => h.status === 200 && h.body.status === "degraded")
        )
        const degraded = yield* health(service)
        expect(degraded.body.reasons).toEqual([expect.stringMatching(/^production_changes: LISTEN is down/)])
        yield* eventually(
          "/health ok again",
          Effect.map(health(service), (h) => h.body.status === "ok")
        )
        const [second] = yield* listenerPid
        expect(second).not.toBe(first)
        expect(service.stdout()).toContain("LISTEN production_changes active again")
        expect(yield* metricsText(service)).toContain('production_api_db_reconnects_total{file="live"} 1\n')

        // The server refuses the database's connections and drops the current ones.
        yield* query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
        yield* query(admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
        yield* eventually(
          "/health 503 unavailable",
          Effect.map(health(service), (h) => h.status === 503 && h.body.status === "unavailable")
        )
        const down = yield* health(service)
        expect(down.body.databases.live).toMatchObject({ present: false, migrated: false })
        expect(down.body.reasons?.[0]).toMatch(/^PostgreSQL: /)
        expect(yield* metricsText(service)).toContain('production_api_db_readable{file="live"} 0\n')
        yield* query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
        yield* eventually(
          "/health ok after the server is back",
          Effect.map(health(service), (h) => h.status === 200 && h.body.status === "ok")
        )
      }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )
})

const RECORDS = `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)`

const answer = (service: Service, target: string) =>
  Effect.map(get(service.port, target), (reply) => {
    expect(reply.status, target).toBe(200)
    return { cache: String(reply.headers["x-cache"]), body: reply.text }
  })

/** The lots of a `/records` answer. */
const lots = (body: string) =>
  (JSON.parse(body) as { rows: Array<{ lot_number: string }> }).rows.map((r) => r.lot_number)

const FEBRUARY = "/records?from=2026-02-01&to=2026-02-28&limit=100"
const NOVEMBER = "/summary/daily?from=2025-11-01&to=2025-11-30"

describe("QUERY_BACKEND=postgres: the cache follows NOTIFY", () => {
  it.live(
    "INSERT, UPDATE, DELETE from outside: the touched window's next answers show each, an untouched one stays a HIT; after LISTEN is lost, everything once",
    () =>
      Effect.gen(function* () {
        const { url, name } = yield* TestDatabase
        const writer = yield* rawConnection
        yield* query(
          writer,
          `${RECORDS} VALUES ('2025-11-03', 'A', 'Bolt', 'N1', 'L01', 5), ('2026-02-10', 'A', 'Bolt', 'F1', 'L01', 1)`
        )
        // Stale after 10 minutes: nothing here is refreshed by time.
        const service = yield* spawnService(
          NO_FILES,
          onPostgres(url, { PG_LISTEN_RETRY_MS: "1500", CACHE_STALE_SECONDS: "600", CACHE_EXPIRE_SECONDS: "900" })
        )
        const shows = (expected: ReadonlyArray<string>) =>
          eventually(
            `${FEBRUARY} shows ${expected.join(",")}`,
            Effect.map(answer(service, FEBRUARY), (a) => JSON.stringify(lots(a.body)) === JSON.stringify(expected))
          )
        expect(lots((yield* answer(service, FEBRUARY)).body)).toEqual(["F1"])
        expect((yield* answer(service, FEBRUARY)).cache).toBe("HIT")
        const november = (yield* answer(service, NOVEMBER)).body
        expect((yield* answer(service, NOVEMBER)).cache).toBe("HIT")

        yield* query(writer, `${RECORDS} VALUES ('2026-02-20', 'B', 'Nut', 'F2', 'L02', 2)`)
        yield* shows(["F2", "F1"])
        yield* query(writer, `UPDATE production_records SET lot_number = 'F3' WHERE lot_number = 'F1'`)
        yield* shows(["F2", "F3"])
        yield* query(writer, `DELETE FROM production_records WHERE lot_number = 'F2'`)
        yield* shows(["F3"])
        expect(yield* answer(service, NOVEMBER)).toEqual({ cache: "HIT", body: november })

        // LISTEN lost: a commit while it is down is not notified; the reconnect invalidates everything once.
        const admin = yield* pgConnection(ADMIN_URL)
        yield* query(
          admin,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND application_name = '${LISTENER_NAME}'`
        )
        yield* eventually(
          "/health degraded",
          Effect.map(health(service), (h) => h.body.status === "degraded")
        )
        yield* query(writer, `${RECORDS} VALUES ('2026-02-25', 'B', 'Nut', 'F4', 'L02', 4)`)
        yield* eventually(
          "/health ok again",
          Effect.map(health(service), (h) => h.body.status === "ok")
        )
        yield* shows(["F4", "F3"])
        const after = yield* answer(service, NOVEMBER)
        expect(after.cache).not.toBe("HIT")
        expect(after.body).toBe(november)
        yield* eventually(
          "November cached again",
          Effect.map(answer(service, NOVEMBER), (a) => a.cache === "HIT")
        )
      }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )
})

describe("QUERY_BACKEND=postgres: two replicas of the service on one database (docs/scaling.md)", () => {
  it.live(
    "a commit from outside reaches both replicas' caches through their own LISTEN; untouched windows stay HITs",
    () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase
        const writer = yield* rawConnection
        yield* query(
          writer,
          `${RECORDS} VALUES ('2025-11-03', 'A', 'Bolt', 'N1', 'L01', 5), ('2026-02-10', 'A', 'Bolt', 'F1', 'L01', 1)`
        )
        const env = onPostgres(url, { CACHE_STALE_SECONDS: "600", CACHE_EXPIRE_SECONDS: "900" })
        const replicas = [yield* spawnService(NO_FILES, env), yield* spawnService(NO_FILES, env)]
        const novembers: Array<string> = []
        for (const replica of replicas) {
          expect(lots((yield* answer(replica, FEBRUARY)).body)).toEqual(["F1"])
          expect((yield* answer(replica, FEBRUARY)).cache).toBe("HIT")
          novembers.push((yield* answer(replica, NOVEMBER)).body)
        }

        yield* query(writer, `${RECORDS} VALUES ('2026-02-20', 'B', 'Nut', 'F2', 'L02', 2)`)
        for (const [i, replica] of replicas.entries()) {
          yield* eventually(
            `replica ${i + 1}: ${FEBRUARY} shows F2`,
            Effect.map(answer(replica, FEBRUARY), (a) => JSON.stringify(lots(a.body)) === '["F2","F1"]')
          )
          expect(yield* answer(replica, NOVEMBER)).toEqual({ cache: "HIT", body: novembers[i] })
        }
      }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )
})
