/**
 * The PostgreSQL engine's errors on a real server, as the client sees them: a statement past the timeout is a
 * 504 `timeout` (cancelled on the server), a terminated or refused connection a 503 `database_unavailable`.
 */
import { PgClient } from "@effect/sql-pg"
import { expect, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Fiber, Layer, Redacted } from "effect"
import type pg from "pg"
import { inject } from "vitest"
import { PgEngineLive } from "../../src/backends/postgres/engine/PgEngine.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { fromReadError } from "../../src/http/ApiErrors.js"
import { RecordsQuery } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import type { ReadError } from "../../src/query/ReadErrors.js"
import { eventually } from "../service/ServiceKit.js"
import { TestDatabase } from "../support/PgCluster.js"
import { migratedPgLayer, pgConnection, rawConnection } from "./PgKit.js"

const query = (client: pg.Client, text: string) => Effect.promise(() => client.query(text))

const page = new RecordsQuery({
  window: { from: "2026-01-01" as IsoDate, to: "2026-01-31" as IsoDate },
  filters: {},
  limit: 10,
  after: undefined
})

/** The engine over `sql`, with `QUERY_TIMEOUT_MS` as given. */
const engineWith = (timeoutMs: number) =>
  Effect.map(
    Layer.build(PgEngineLive).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["QUERY_TIMEOUT_MS", String(timeoutMs)]])))
    ),
    Context.get(QueryEngine)
  )

/** What the HTTP layer answers for a read error (its body's fields; the class carries the status). */
const clientFailure = (error: ReadError) => Effect.flip(fromReadError(error))

/** Holds an exclusive lock on the records (a transaction of `client`) so that every read waits. */
const lockRecords = (client: pg.Client) =>
  Effect.acquireRelease(
    Effect.zipRight(query(client, "BEGIN"), query(client, "LOCK TABLE production_records IN ACCESS EXCLUSIVE MODE")),
    () => query(client, "ROLLBACK")
  )

/** Backends of this database waiting for a lock (the engine's blocked statement). */
const waitingPids = (admin: pg.Client, database: string) =>
  Effect.map(
    query(
      admin,
      `SELECT pid FROM pg_stat_activity WHERE datname = '${database}' AND wait_event_type = 'Lock' AND state = 'active'`
    ),
    (r) => r.rows.map((row: { pid: number }) => row.pid)
  )

layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 60_000, excludeTestServices: true })(
  "PgEngine errors",
  (it) => {
    it.scoped("a statement past QUERY_TIMEOUT_MS: QueryTimeout (504 timeout), and the server stops it", () =>
      Effect.gen(function* () {
        const { name } = yield* TestDatabase
        const engine = yield* engineWith(300)
        const locker = yield* rawConnection
        const admin = yield* rawConnection
        yield* lockRecords(locker)
        const error = yield* Effect.flip(engine.run(page))
        expect(error).toEqual(expect.objectContaining({ _tag: "QueryTimeout", timeoutMs: 300 }))
        expect(yield* clientFailure(error)).toMatchObject({
          _tag: "QueryTimedOut",
          code: "timeout",
          message: "The query did not finish within 300 ms. Narrow the date window or add filters."
        })
        // The interruption sent a cancel request: no statement of the engine is left waiting.
        yield* eventually(
          "the cancelled statement gone",
          Effect.map(waitingPids(admin, name), (pids) => pids.length === 0)
        )
      })
    )

    it.scoped("the server's statement_timeout (SQLSTATE 57014) is QueryTimeout too", () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase
        const withStatementTimeout = new URL(url)
        withStatementTimeout.searchParams.set("options", "-c statement_timeout=200")
        const client = yield* Layer.build(
          PgClient.layer({ url: Redacted.make(withStatementTimeout.toString()), maxConnections: 1 })
        )
        const engine = yield* Effect.provide(engineWith(60_000), client)
        yield* lockRecords(yield* rawConnection)
        const error = yield* Effect.flip(engine.run(page))
        expect(error).toEqual(expect.objectContaining({ _tag: "QueryTimeout" }))
      })
    )

    it.scoped(
      "a connection terminated mid-statement: ServerUnavailable (503 database_unavailable); then served again",
      () =>
        Effect.gen(function* () {
          const { name } = yield* TestDatabase
          const engine = yield* engineWith(30_000)
          const admin = yield* rawConnection
          const locker = yield* pgConnection((yield* TestDatabase).url)
          yield* query(locker, "BEGIN")
          yield* query(locker, "LOCK TABLE production_records IN ACCESS EXCLUSIVE MODE")
          const read = yield* Effect.fork(Effect.flip(engine.run(page)))
          yield* eventually(
            "the engine's statement waiting",
            Effect.map(waitingPids(admin, name), (pids) => pids.length === 1)
          )
          const [pid] = yield* waitingPids(admin, name)
          yield* query(admin, `SELECT pg_terminate_backend(${pid})`)
          const error = yield* Fiber.join(read)
          expect(error._tag).toBe("ServerUnavailable")
          expect(yield* clientFailure(error)).toMatchObject({
            _tag: "DatabaseUnavailableError",
            code: "database_unavailable",
            message: "The database cannot be read right now. Retry later."
          })
          yield* query(locker, "ROLLBACK")
          // A pooled connection whose end the pool has not noticed yet may fail one more request (a 503: retried).
          yield* eventually(
            "served again",
            engine.run(page).pipe(
              Effect.as(true),
              Effect.orElseSucceed(() => false)
            )
          )
        })
    )

    it.scoped("no connection can be made: ServerUnavailable (503 database_unavailable)", () =>
      Effect.gen(function* () {
        const { name } = yield* TestDatabase
        const engine = yield* engineWith(30_000)
        const admin = yield* pgConnection(inject("pgAdminUrl"))
        yield* Effect.acquireRelease(query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`), () =>
          query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
        )
        yield* query(admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`)
        const error = yield* Effect.flip(engine.run(page))
        expect(error._tag).toBe("ServerUnavailable")
        expect((yield* clientFailure(error))._tag).toBe("DatabaseUnavailableError")
      })
    )
  }
)
