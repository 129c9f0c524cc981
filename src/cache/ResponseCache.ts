import { Clock, Deferred, Effect, FiberId } from "effect"
import type { DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"
import { CacheConfig } from "./CacheConfig.js"
import { CacheEntry, type Computed, type EntryMeta, type Outcome } from "./CacheEntry.js"
import { type CacheStats, EntryStore, type Flight } from "./EntryStore.js"

export interface CacheResult {
  readonly entry: CacheEntry
  readonly outcome: Outcome
}

/**
 * The response cache: stale-while-revalidate over encoded answers, invalidated by the dates each commit touched.
 * An invalidated answer is served `STALE` (while one refresh runs) as long as its data is within the contract's
 * freshness bound (`CHANGE_POLL_MS` + 250 ms), and is a miss after.
 *
 * Built on a structure of its own rather than effect's `Cache`: the HTTP fast path must read it synchronously,
 * invalidation selects entries by file and date range (an index kept in step with every insert and eviction),
 * evictions are counted, a stale entry is served while one refresh runs, and a failed refresh must not replace
 * the stale value (`Cache.refresh` stores the failure).
 */
export class ResponseCache extends Effect.Service<ResponseCache>()("ResponseCache", {
  scoped: Effect.gen(function* () {
    const config = yield* CacheConfig
    const scope = yield* Effect.scope
    const store = new EntryStore(config, config.staleMillis)

    const entryOf = <E, R>(key: string, meta: EntryMeta, compute: Effect.Effect<Computed, E, R>, startedAt: number) =>
      Effect.flatMap(compute, (computed) =>
        Effect.map(Clock.currentTimeMillis, (computedAt) => {
          const entry = CacheEntry.make(key, meta, computed, { startedAt, computedAt }, store.encodedAdded)
          // Context already provided by the callers (Answers): a refresh needs nothing more.
          entry.recompute = compute as Effect.Effect<Computed, unknown>
          return entry
        })
      )

    /**
     * How `entry` may be served at `now`: fresh (`HIT`); stale, or invalidated while its data is within the
     * freshness bound, as `STALE` while one refresh runs; or not at all (expired, or invalidated too long ago).
     */
    const servable = (entry: CacheEntry, now: number): "HIT" | "STALE" | undefined => {
      const age = now - entry.computedAt
      const { validAsOf } = entry
      if (age < config.staleMillis && validAsOf === undefined) return "HIT"
      const withinBound = validAsOf === undefined || validAsOf >= now - config.freshnessMillis
      return age < config.expireMillis && withinBound ? "STALE" : undefined
    }

    const served = (entry: CacheEntry, outcome: "HIT" | "STALE"): void => {
      store.touch(entry)
      if (outcome === "HIT") store.counts.hits++
      else store.counts.stale_served++
    }

    /**
     * The computation of `key` in flight, started if there is none. It runs in the cache's scope, not the caller's
     * fiber: a client that goes away neither cancels it for the other waiters nor loses its result.
     */
    const flightOf = <E, R>(
      key: string,
      meta: EntryMeta,
      compute: Effect.Effect<Computed, E, R>,
      now: number,
      refresh: boolean
    ): Effect.Effect<Flight, never, R> =>
      Effect.uninterruptible(
        Effect.suspend(() => {
          const running = store.flights.get(key)
          if (running !== undefined) return Effect.succeed(running)
          const flight = store.startFlight(key, meta, now, refresh, Deferred.unsafeMake(FiberId.none))
          const run = entryOf(key, meta, compute, now).pipe(
            Effect.onExit((exit) =>
              Effect.sync(() => {
                store.land(flight, exit)
                Deferred.unsafeDone(flight.deferred, exit)
              })
            )
          )
          return Effect.as(Effect.forkIn(run, scope), flight)
        })
      )

    const awaitFlight = <E>(flight: Flight): Effect.Effect<CacheResult, E> =>
      // The flight's error is that of the compute effects given for this key, which are all of type E.
      Effect.map(Deferred.await(flight.deferred) as Effect.Effect<CacheEntry, E>, (entry) => ({
        entry,
        outcome: "MISS" as const
      }))

    const get = <E, R>(
      key: string,
      meta: EntryMeta,
      compute: Effect.Effect<Computed, E, R>
    ): Effect.Effect<CacheResult, E, R> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (!config.enabled) {
          store.counts.misses++
          return Effect.map(entryOf(key, meta, compute, now), (entry) => ({ entry, outcome: "MISS" as const }))
        }
        const entry = store.entries.get(key)
        if (entry !== undefined) {
          const outcome = servable(entry, now)
          if (outcome !== undefined) served(entry, outcome)
          if (outcome === "HIT") return Effect.succeed({ entry, outcome })
          if (outcome === "STALE") return Effect.as(flightOf(key, meta, compute, now, true), { entry, outcome })
          store.remove(key)
        }
        store.counts.misses++
        return Effect.flatMap(flightOf(key, meta, compute, now, false), awaitFlight<E>)
      })

    return {
      config,
      /** The cached answer of `key`, computing it with `compute` when needed (see the class comment). */
      get,
      /** The entry of `key` as stored (fresh, stale, invalidated or expired), without counting or touching it. */
      peek: (key: string): CacheEntry | undefined => store.entries.get(key),
      /**
       * Fast path: the answer the exact request URL resolved to, if it may be served now (see `get`), counted as
       * served (call it only when the answer will be sent from it); a `STALE` one has its refresh started (fork
       * the returned effect). Undefined when disabled, unknown, expired, invalidated too long ago or for another
       * UTC day.
       */
      serveUrl: (
        url: string,
        nowMillis: number
      ):
        | { readonly entry: CacheEntry; readonly outcome: "HIT" | "STALE"; readonly refresh: Effect.Effect<void> }
        | undefined => {
        const entry = config.enabled ? store.entryForUrl(url, nowMillis) : undefined
        const outcome = entry === undefined ? undefined : servable(entry, nowMillis)
        if (entry === undefined || outcome === undefined) return undefined
        served(entry, outcome)
        const { recompute } = entry
        const refresh =
          outcome === "HIT" || recompute === undefined
            ? Effect.void
            : Effect.asVoid(flightOf(entry.key, entry, recompute, nowMillis, true))
        return { entry, outcome, refresh }
      },
      /** Records that `url` resolved to `key`; `validDay` is the UTC day its defaults were resolved on. */
      rememberUrl: (url: string, key: string, validDay: IsoDate | undefined): void =>
        store.rememberUrl(url, key, validDay),
      /**
       * Invalidates the answers of `file` whose window holds one of `dates`, touched by commits made after
       * `unchangedUntil` (clock millis of the change detector's previous read of the file).
       */
      invalidateDates: (file: DbFile, dates: ReadonlyArray<string>, unchangedUntil: number): Effect.Effect<number> =>
        Effect.sync(() => store.invalidateDates(file, dates, unchangedUntil)),
      /** Drops every answer that read `file`; answers computed within `settleMillis` from now are not stored. */
      invalidateFile: (file: DbFile, settleMillis = 0): Effect.Effect<number> =>
        Effect.map(Clock.currentTimeMillis, (now) => store.invalidateFile(file, now + settleMillis)),
      stats: Effect.sync((): CacheStats => store.stats())
    } as const
  }),
  dependencies: [CacheConfig.Default]
}) {}
