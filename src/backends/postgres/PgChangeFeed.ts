import { Clock, Config, Data, Deferred, Duration, Effect, Redacted, Ref, Schedule, Stream } from "effect"
import pg from "pg"
import { ChangeFeed, DataChange } from "../../changes/ChangeFeed.js"
import { DbTargets } from "../../config/DbTargets.js"
import { DB_FILES } from "../../domain/DbFile.js"
import { touchedByFile } from "./PgTouchedDates.js"
import { CHANGES_CHANNEL } from "./PgTriggers.js"

/** The listening connection failed or ended (or could not be made). */
export class ListenDropped extends Data.TaggedError("ListenDropped")<{ readonly reason: string }> {}

/** What `/health` and `/metrics` may tell of the listener. */
export interface PgListenState {
  /** Whether LISTEN is active on a live connection now. */
  readonly connected: boolean
  /** Times LISTEN was active again after a dropped connection. */
  readonly reconnects: number
  /** Clock millis of the last notification received; null before the first. */
  readonly lastNotificationAt: number | null
}

type ListenEvent =
  { readonly _tag: "Listening"; readonly since: number } | { readonly _tag: "Notified"; readonly payload: string }

/** The listening connection's `application_name` (how `pg_stat_activity` shows it). */
export const LISTENER_NAME = "production-api change feed"

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One connection's events: `Listening` once LISTEN is active, then each notification; fails with `ListenDropped`
 * when the connection errs or ends, or a heartbeat (`SELECT 1` every `heartbeatMillis`) is not answered within
 * that time (a server or network gone silent sends no error). The connection closes with the stream.
 */
const connectionEvents = (url: Redacted.Redacted<string>, heartbeatMillis: number) =>
  Stream.asyncScoped<ListenEvent, ListenDropped>(
    (emit) =>
      Effect.gen(function* () {
        const client = yield* Effect.acquireRelease(
          Effect.sync(
            () =>
              new pg.Client({
                connectionString: Redacted.value(url),
                connectionTimeoutMillis: heartbeatMillis,
                application_name: LISTENER_NAME
              })
          ),
          (client) => Effect.promise(() => client.end().catch(() => undefined))
        )
        // Handlers first: an 'error' event without one would throw out of the driver.
        client.on("error", (error) => void emit.fail(new ListenDropped({ reason: reasonOf(error) })))
        client.on("end", () => void emit.fail(new ListenDropped({ reason: "the connection ended" })))
        client.on("notification", (n) => {
          if (n.channel === CHANGES_CHANNEL) void emit.single({ _tag: "Notified", payload: n.payload ?? "" })
        })
        yield* Effect.tryPromise({
          try: () => client.connect(),
          catch: (error) => new ListenDropped({ reason: `connect: ${reasonOf(error)}` })
        })
        const since = yield* Clock.currentTimeMillis
        yield* Effect.tryPromise({
          try: () => client.query(`LISTEN ${CHANGES_CHANNEL}`),
          catch: (error) => new ListenDropped({ reason: `LISTEN: ${reasonOf(error)}` })
        })
        yield* Effect.promise(() => emit.single({ _tag: "Listening", since }))
        const heartbeat = Duration.millis(heartbeatMillis)
        yield* Effect.tryPromise({
          try: () => client.query("SELECT 1"),
          catch: (error) => new ListenDropped({ reason: `heartbeat: ${reasonOf(error)}` })
        }).pipe(
          Effect.timeoutFail({
            duration: heartbeat,
            onTimeout: () => new ListenDropped({ reason: `no answer to a heartbeat within ${heartbeatMillis} ms` })
          }),
          Effect.repeat(Schedule.spaced(heartbeat)),
          Effect.catchAll((dropped) => Effect.promise(() => emit.fail(dropped))),
          Effect.delay(heartbeat),
          Effect.forkScoped
        )
      }),
    // Unbounded: the driver's events come in order and must not wait or be dropped (the consumer is quick).
    "unbounded"
  )

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

/**
 * The PostgreSQL change feed: a connection of its own (not the pool's) LISTENs on `production_changes`, and each
 * notification's dates go to the `ChangeFeed` per file by the cutover (a file's share too long to list: the whole
 * file). A dropped connection (or one silent past `PG_LISTEN_HEARTBEAT_MS`) is made again with a capped
 * exponential backoff from `PG_LISTEN_RETRY_MS`; once LISTEN is active again, "everything" is published once,
 * since notifications may have been missed meanwhile.
 * The layer is built once the first LISTEN is active (failing if the first connection cannot be made); the
 * listener is a fiber of the layer's scope, and its connection closes with it.
 */
export class PgChangeFeed extends Effect.Service<PgChangeFeed>()("PgChangeFeed", {
  scoped: Effect.gen(function* () {
    const url = yield* Config.redacted("DATABASE_URL")
    const retryMillis = yield* Config.integer("PG_LISTEN_RETRY_MS").pipe(
      Config.validate({ message: "PG_LISTEN_RETRY_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(250)
    )
    const heartbeatMillis = yield* Config.integer("PG_LISTEN_HEARTBEAT_MS").pipe(
      Config.validate({ message: "PG_LISTEN_HEARTBEAT_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(10_000)
    )
    const { cutover } = yield* DbTargets
    const feed = yield* ChangeFeed
    const state = yield* Ref.make<PgListenState>({ connected: false, reconnects: 0, lastNotificationAt: null })
    const firstListen = yield* Deferred.make<void, ListenDropped>()
    // A notification is received some time after its commit, and a later commit's can come in the same read as an
    // earlier one, so receipt times bound no commit; only LISTEN's start does (nothing before it is delivered).
    let unchangedUntil = 0

    const publishPayload = (payload: string) =>
      Effect.suspend(() => {
        const touched = touchedByFile(payload, cutover)
        if (touched === undefined)
          return feed.publish(
            DataChange.Everything({ reason: `unexpected change notification ${payload.slice(0, 200)}` })
          )
        return Effect.forEach(
          DB_FILES,
          (file) => {
            const dates = touched[file]
            if (dates === undefined) return Effect.void
            return dates === "all"
              ? feed.publish(DataChange.Replaced({ file, settleMillis: 0 }))
              : feed.publish(DataChange.Dates({ file, dates, unchangedUntil }))
          },
          { discard: true }
        )
      })

    const handle = (event: ListenEvent) => {
      switch (event._tag) {
        case "Notified":
          return Clock.currentTimeMillis.pipe(
            Effect.flatMap((at) => Ref.update(state, (s) => ({ ...s, lastNotificationAt: at }))),
            Effect.zipRight(publishPayload(event.payload))
          )
        case "Listening":
          return Effect.gen(function* () {
            unchangedUntil = event.since
            const again = yield* Deferred.isDone(firstListen)
            yield* Ref.update(state, (s) => ({ ...s, connected: true, reconnects: s.reconnects + (again ? 1 : 0) }))
            if (!again) return yield* Deferred.succeed(firstListen, undefined)
            yield* Effect.logInfo(`LISTEN ${CHANGES_CHANNEL} active again`)
            yield* feed.publish(
              DataChange.Everything({ reason: "the PostgreSQL change notifications may have been missed" })
            )
          })
      }
    }

    const session = Stream.runForEach(connectionEvents(url, heartbeatMillis), handle).pipe(
      Effect.tapError((dropped) =>
        Effect.gen(function* () {
          yield* Ref.update(state, (s) => ({ ...s, connected: false }))
          // The first connection's failure fails the layer's build; later ones are retried.
          if (!(yield* Deferred.isDone(firstListen))) return yield* Deferred.fail(firstListen, dropped)
          yield* Effect.logWarning(`LISTEN ${CHANGES_CHANNEL} dropped (${dropped.reason}); reconnecting`)
        })
      )
    )
    const backoff = Schedule.exponential(Duration.millis(retryMillis)).pipe(
      Schedule.either(Schedule.spaced(Duration.millis(retryMillis * 40))),
      Schedule.resetAfter(Duration.minutes(1))
    )
    yield* session.pipe(Effect.retry(backoff), Effect.forkScoped)
    yield* Deferred.await(firstListen)

    return {
      /** The listener's state now. */
      state: Ref.get(state)
    } as const
  }),
  dependencies: [DbTargets.Default]
}) {}
