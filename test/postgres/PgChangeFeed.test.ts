import { describe, expect, it } from "@effect/vitest"
import { Clock, ConfigProvider, Context, Effect, Exit, Layer, Logger, LogLevel, Scope } from "effect"
import type pg from "pg"
import { from as copyFrom } from "pg-copy-streams"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { inject } from "vitest"
import { LISTENER_NAME, ListenDropped, PgChangeFeed } from "../../src/backends/postgres/PgChangeFeed.js"
import { ChangeFeed, DataChange } from "../../src/changes/ChangeFeed.js"
import { eventually } from "../service/ServiceKit.js"
import { TestDatabase } from "../support/PgCluster.js"
import { pgConnection, CUTOVER, migratedPgLayer, rawConnection } from "./PgKit.js"

const ADMIN_URL = inject("pgAdminUrl")
const COLUMNS = "production_date, item_code, item_name, lot_number, line_code, good_quantity"

const query = (client: pg.Client, text: string) => Effect.promise(() => client.query(text))
const insert = (client: pg.Client, ...dates: ReadonlyArray<string>) =>
  query(
    client,
    `INSERT INTO production_records (${COLUMNS}) VALUES ${dates.map((d, i) => `('${d}', 'A', 'Bolt', 'L${i}', 'L01', 1)`).join(", ")}`
  )

/** PgChangeFeed on `url` in the current scope, and every change it published, in order. */
const startFeed = (url: string, settings: { readonly heartbeatMillis?: number } = {}) =>
  Effect.gen(function* () {
    const config = ConfigProvider.fromMap(
      new Map([
        ["DATABASE_URL", url],
        ["CUTOVER_DATE", CUTOVER],
        ["PG_LISTEN_RETRY_MS", "20"],
        ["PG_LISTEN_HEARTBEAT_MS", String(settings.heartbeatMillis ?? 10_000)]
      ])
    )
    const context = yield* Layer.build(
      PgChangeFeed.Default.pipe(
        Layer.provideMerge(ChangeFeed.Default),
        Layer.provide(Layer.setConfigProvider(config)),
        Layer.provide(Logger.minimumLogLevel(LogLevel.None))
      )
    )
    const published: Array<DataChange> = []
    yield* Context.get(context, ChangeFeed).subscribe((change) => Effect.sync(() => published.push(change)))
    return { listener: Context.get(context, PgChangeFeed), published }
  })

/** A connection to the cluster's admin database (ALTER DATABASE cannot name the current one). */
const adminConnection = pgConnection(ADMIN_URL)

/** The backend pids of the listener's connections to the database. */
const listenerPids = (client: pg.Client) =>
  Effect.map(
    Effect.promise(() =>
      client.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ORDER BY pid",
        [LISTENER_NAME]
      )
    ),
    (result) => result.rows.map((row: { pid: number }) => row.pid)
  )

const EVERYTHING = DataChange.Everything({ reason: "the PostgreSQL change notifications may have been missed" })

const dates = (file: "live" | "archive", list: ReadonlyArray<string>) =>
  DataChange.Dates({ file, dates: list, unchangedUntil: expect.any(Number) as unknown as number })

describe("PgChangeFeed", () => {
  it.live(
    "a commit publishes its touched dates per file by the cutover (INSERT, UPDATE, DELETE, COPY); a rollback nothing",
    () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase
        const builtBefore = yield* Clock.currentTimeMillis
        const { listener, published } = yield* startFeed(url)
        const writer = yield* rawConnection
        yield* insert(writer, "2025-12-31", "2026-01-01")
        yield* query(writer, "BEGIN")
        yield* insert(writer, "2030-01-01")
        yield* query(writer, "ROLLBACK")
        yield* query(
          writer,
          "UPDATE production_records SET production_date = '2026-02-03' WHERE production_date = '2025-12-31'"
        )
        yield* query(writer, "DELETE FROM production_records WHERE production_date = '2026-01-01'")
        yield* Effect.promise(() =>
          pipeline(
            Readable.from(["2024-06-02\tB\tNut\tL9\tL02\t2\n", "2024-06-01\tB\tNut\tL8\tL02\t3\n"]),
            writer.query(copyFrom(`COPY production_records (${COLUMNS}) FROM STDIN`))
          )
        )
        yield* insert(writer, "2027-07-07")
        yield* eventually(
          "the last insert published",
          Effect.sync(() => published.length >= 7)
        )
        expect(published).toEqual([
          dates("live", ["2026-01-01"]),
          dates("archive", ["2025-12-31"]),
          dates("live", ["2026-02-03"]),
          dates("archive", ["2025-12-31"]),
          dates("live", ["2026-01-01"]),
          dates("archive", ["2024-06-01", "2024-06-02"]),
          dates("live", ["2027-07-07"])
        ])
        // Every commit came after LISTEN started, which came after the build began.
        for (const change of published) {
          if (change._tag === "Dates") expect(change.unchangedUntil).toBeGreaterThanOrEqual(builtBefore)
        }
        const state = yield* listener.state
        expect(state).toMatchObject({ connected: true, reconnects: 0 })
        expect(state.lastNotificationAt).toBeGreaterThanOrEqual(builtBefore)
      }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live("a burst of commits: each published, in commit order", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase
      const { published } = yield* startFeed(url)
      const writer = yield* rawConnection
      const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2026, 2, 1) + i * 86_400_000))
      const burst = days.map((d) => d.toISOString().slice(0, 10))
      yield* Effect.forEach(burst, (date) => insert(writer, date), { discard: true })
      yield* eventually(
        "all published",
        Effect.sync(() => published.length >= burst.length)
      )
      expect(published).toEqual(burst.map((date) => dates("live", [date])))
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live("TRUNCATE drops both files' answers; a payload that is not the trigger's, everything", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase
      const { published } = yield* startFeed(url)
      const writer = yield* rawConnection
      yield* query(writer, "TRUNCATE production_records")
      yield* query(writer, "SELECT pg_notify('production_changes', 'not a list of ranges')")
      yield* eventually(
        "both published",
        Effect.sync(() => published.length >= 3)
      )
      expect(published).toEqual([
        DataChange.Replaced({ file: "live", settleMillis: 0 }),
        DataChange.Replaced({ file: "archive", settleMillis: 0 }),
        DataChange.Everything({ reason: "unexpected change notification not a list of ranges" })
      ])
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live("a commit missed while the connection was down: everything once after LISTEN is back, then dates again", () =>
    Effect.gen(function* () {
      const { name, url } = yield* TestDatabase
      const { listener, published } = yield* startFeed(url)
      const writer = yield* rawConnection
      const admin = yield* adminConnection
      const [pid] = yield* listenerPids(writer)
      // No connection to the database can be made until the missed commit is in: the order is certain.
      yield* query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
      yield* query(writer, `SELECT pg_terminate_backend(${pid})`)
      yield* eventually(
        "the listener disconnected",
        Effect.map(listener.state, (s) => !s.connected)
      )
      yield* insert(writer, "2026-05-05")
      yield* query(admin, `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
      yield* eventually(
        "the listener reconnected",
        Effect.map(listener.state, (s) => s.connected)
      )
      yield* eventually(
        "everything published",
        Effect.sync(() => published.length >= 1)
      )
      expect(published).toEqual([EVERYTHING])
      yield* insert(writer, "2025-05-05")
      yield* eventually(
        "the next commit published",
        Effect.sync(() => published.length >= 2)
      )
      expect(published.slice(1)).toEqual([dates("archive", ["2025-05-05"])])
      expect(yield* listener.state).toMatchObject({ connected: true, reconnects: 1 })
      expect(yield* listenerPids(writer)).not.toContain(pid)
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live(
    "a server gone silent: no answer to the heartbeat, the listener reconnects and publishes everything once",
    () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase
        const { listener, published } = yield* startFeed(url, { heartbeatMillis: 200 })
        const writer = yield* rawConnection
        const [pid] = yield* listenerPids(writer)
        // The backend stops (as a hung server would): its socket stays open and says nothing.
        yield* Effect.acquireRelease(
          Effect.sync(() => process.kill(pid!, "SIGSTOP")),
          () => Effect.sync(() => process.kill(pid!, "SIGCONT"))
        )
        yield* eventually(
          "the listener reconnected",
          Effect.map(listener.state, (s) => s.connected && s.reconnects >= 1)
        )
        // One "everything" a reconnect (a heartbeat late on a busy machine adds a reconnect, not another rule).
        const { reconnects } = yield* listener.state
        expect(published).toEqual(Array.from({ length: reconnects }, () => EVERYTHING))
        yield* insert(writer, "2026-08-08")
        yield* eventually(
          "the next commit published",
          Effect.sync(() => published.some((change) => change._tag === "Dates"))
        )
        expect(published.filter((change) => change._tag === "Dates")).toEqual([dates("live", ["2026-08-08"])])
      }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live("closing the layer's scope ends the listener's connection", () =>
    Effect.gen(function* () {
      const { url } = yield* TestDatabase
      const writer = yield* rawConnection
      const scope = yield* Scope.make()
      yield* startFeed(url).pipe(Scope.extend(scope))
      const pids = yield* listenerPids(writer)
      expect(pids).toHaveLength(1)
      yield* Scope.close(scope, Exit.void)
      yield* eventually(
        "no connection of the listener left",
        Effect.map(
          query(writer, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${pids[0]}`),
          (result) => result.rows[0].n === 0
        )
      )
    }).pipe(Effect.scoped, Effect.provide(migratedPgLayer(ADMIN_URL)))
  )

  it.live("the layer fails to build when the first connection cannot be made", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(startFeed("postgres://nobody@127.0.0.1:1/none"))
      expect(error).toBeInstanceOf(ListenDropped)
    }).pipe(Effect.scoped)
  )
})
