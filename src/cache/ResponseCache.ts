import { Cache, Clock, Context, Duration, Effect, Equal, Exit, Fiber, FiberMap } from "effect"
import type { DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"
import type { AnswerKey } from "./AnswerKey.js"
import { CacheConfig } from "./CacheConfig.js"
import type { Touched } from "../changes/Touched.js"
import { TouchedScopes } from "./AnswerScope.js"
import { CacheEntry, type Computed, type EntryMeta, type Outcome } from "./CacheEntry.js"
import { type Computation, Computations } from "./Computations.js"
import { type CacheStats, EntryStore } from "./EntryStore.js"

export interface CacheResult {
  readonly entry: CacheEntry
  readonly outcome: Outcome
}

type Store = Cache.Cache<AnswerKey, CacheEntry, unknown>

/**
 * The response cache: stale-while-revalidate over encoded answers, invalidated by the dates each commit touched.
 * An invalidated answer is served `STALE` (while one refresh runs) as long as its data is within the contract's
 * freshness bound (`CHANGE_POLL_MS` + 250 ms), and is a miss after.
 *
 * The answers are stored in effect's `Cache`. A miss is its lookup (concurrent gets of a key join one computation;
 * a failure is not kept), run in a fiber of the cache's scope that each caller joins, so that a client going away
 * interrupts its own wait, never the computation others wait for. A stale answer is served while one refresh per
 * key runs on a `FiberMap`; the refresh `set`s its answer when it succeeds and leaves the stale one when it fails
 * (`Cache.refresh` would store the failure). `EntryStore` mirrors the stored answers synchronously for the
 * `node:http` listener, says how each may be served (from the answer's own timestamps and invalidation), and keeps
 * the bounds (least recently used out first, by count and bytes); what it lets go is invalidated in the `Cache`.
 */
export class ResponseCache extends Effect.Service<ResponseCache>()("ResponseCache", {
  scoped: Effect.gen(function* () {
    const config = yield* CacheConfig
    const scope = yield* Effect.scope
    const mirror = new EntryStore(config)
    const { counts } = mirror
    const computations = new Computations()
    const refreshes = yield* FiberMap.make<AnswerKey>()

    const entryOf = (key: AnswerKey, startedAt: number): Effect.Effect<CacheEntry, unknown> =>
      Effect.flatMap(key.compute, (computed) =>
        Effect.map(Clock.currentTimeMillis, (computedAt) => {
          const entry = CacheEntry.make(key.key, key.meta, computed, { startedAt, computedAt }, mirror.encodedAdded)
          entry.cacheKey = key
          return entry
        })
      )

    /** The store's lookup: a miss's computation, known to the invalidations made while it runs. */
    const lookup = (key: AnswerKey) =>
      Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
        computations.start(key, startedAt)
        return entryOf(key, startedAt)
      })

    // The mirror bounds the answers (it sees what the listener serves): the store never evicts by itself. Its
    // lookups need nothing from the context it would capture.
    const makeStore: Effect.Effect<Store> = Cache.makeWith({
      capacity: Number.MAX_SAFE_INTEGER,
      lookup,
      timeToLive: Exit.match({ onFailure: () => Duration.zero, onSuccess: () => Duration.millis(config.expireMillis) })
    }).pipe(Effect.mapInputContext(() => Context.empty()))
    let store = yield* makeStore
    /** `store.get`s since the store was made (see `renew`). */
    let gets = 0

    /** Invalidates in the store what the mirror let go, unless the mirror holds an answer under the same key. */
    const drain = Effect.suspend(() => {
      const removed = mirror.takeRemoved()
      if (removed.length === 0) return Effect.void
      const current = store
      return Effect.forEach(
        removed,
        ({ key, cacheKey }) =>
          cacheKey === undefined || Equal.equals(mirror.entries.get(key)?.cacheKey, cacheKey)
            ? Effect.void
            : current.invalidate(cacheKey),
        { discard: true }
      )
    })

    /**
     * effect's `Cache` keeps a node per looked-up key in its least-recently-used list until it holds more than its
     * capacity, which this one (emptied by the mirror's evictions and invalidations) never does: after `capacity`
     * gets it is replaced by a fresh one, into which the mirror's answers are copied in the background. Answers
     * stored meanwhile go to the fresh one, also those of lookups still running in the old one (`storeOrDrop`).
     */
    const renewWhenDue = Effect.suspend(() => {
      if (gets < config.capacity) return Effect.void
      gets = 0
      return Effect.asVoid(Effect.forkIn(renew, scope))
    })
    const renew = Effect.gen(function* () {
      store = yield* makeStore
      for (const entry of [...mirror.entries.values()]) yield* copy(entry)
    })
    /** Copies `entry` into the store unless the mirror let it go meanwhile: checked and set without yielding. */
    const copy = (entry: CacheEntry) =>
      Effect.suspend(() =>
        mirror.entries.get(entry.key) === entry && entry.cacheKey !== undefined
          ? store.set(entry.cacheKey, entry)
          : Effect.void
      ).pipe(Effect.withMaxOpsBeforeYield(Number.MAX_SAFE_INTEGER))

    /**
     * Whether the answer of `computation` is stored: not when a file it read was replaced since it started, nor
     * when an invalidation overtook it and the answer held is later or known valid as of later.
     */
    const storable = (computation: Computation, entry: CacheEntry): boolean => {
      if (!computations.mayStore(computation)) return false
      const { validAsOf } = computation
      if (validAsOf === undefined) return true
      entry.validAsOf = validAsOf
      const held = mirror.entries.get(entry.key)
      return held === undefined || (held.validAsOf !== undefined && held.validAsOf <= validAsOf)
    }

    /** A store's `get` of `key` ended: the one that ran the lookup keeps its answer in the mirror, or drops it. */
    const storeOrDrop = (onStore: Store, key: AnswerKey, exit: Exit.Exit<CacheEntry, unknown>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const computation = computations.finish(key)
        if (computation === undefined) return Effect.void
        if (Exit.isFailure(exit) || !storable(computation, exit.value)) return onStore.invalidate(key)
        const entry = exit.value
        const renewed = onStore === store ? Effect.void : store.set(key, entry)
        return renewed.pipe(
          Effect.zipRight(Effect.sync(() => mirror.insert(entry))),
          Effect.zipRight(drain),
          Effect.zipRight(renewWhenDue)
        )
      })

    /**
     * The answer of `key` from the store: its lookup runs (or is joined) in a fiber of the cache's scope, which
     * the caller joins: a client that goes away interrupts its own wait, not the computation others wait for.
     */
    const computed = <E>(key: AnswerKey): Effect.Effect<CacheEntry, E> =>
      Effect.flatMap(drain, () => {
        const onStore = store
        gets++
        const run = Effect.onExit(onStore.get(key), (exit) => storeOrDrop(onStore, key, exit))
        // The error is that of the compute effects given for this key, which are all of type E.
        return Effect.flatMap(Effect.forkIn(run, scope), Fiber.join) as Effect.Effect<CacheEntry, E>
      })

    /** Computes the answer of `key` again in the background; stores it when it succeeds. */
    const refreshing = (key: AnswerKey): Effect.Effect<void> =>
      Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        const computation = computations.start(key, startedAt)
        const exit = yield* Effect.exit(entryOf(key, startedAt))
        computations.finish(key)
        if (Exit.isFailure(exit)) return void counts.refresh_failures++
        if (!storable(computation, exit.value)) return
        yield* store.set(key, exit.value)
        mirror.insert(exit.value)
        yield* drain
      })

    /** Starts a refresh of `key`, unless one (or a miss's computation) of it is running. */
    const refresh = (key: AnswerKey): Effect.Effect<void> =>
      Effect.flatMap(FiberMap.has(refreshes, key), (running) => {
        if (running || computations.isRunning(key)) return Effect.void
        counts.refreshes++
        return Effect.asVoid(FiberMap.run(refreshes, key, refreshing(key), { onlyIfMissing: true }))
      })

    /** Starts a refresh of a stale `entry` by its own computation (the fast path's). */
    const refreshOf = (entry: CacheEntry): Effect.Effect<void> =>
      Effect.suspend(() => {
        const source = entry.cacheKey
        return source === undefined ? Effect.void : refresh(computations.keyOf(entry.key, source.meta, source.compute))
      })

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
      mirror.touch(entry)
      if (outcome === "HIT") counts.hits++
      else counts.stale_served++
    }

    const missed = (entry: CacheEntry): CacheResult => ({ entry, outcome: "MISS" })

    const get = <E>(key: string, meta: EntryMeta, compute: Effect.Effect<Computed, E>): Effect.Effect<CacheResult, E> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const entry = config.enabled ? mirror.entries.get(key) : undefined
        const outcome = entry === undefined ? undefined : servable(entry, now)
        if (entry !== undefined && outcome !== undefined) {
          served(entry, outcome)
          if (outcome === "HIT") return Effect.succeed({ entry, outcome })
          return Effect.as(refresh(computations.keyOf(key, meta, compute)), { entry, outcome })
        }
        if (entry !== undefined) mirror.remove(key)
        counts.misses++
        const answerKey = computations.keyOf(key, meta, compute)
        if (config.enabled) return Effect.map(computed<E>(answerKey), missed)
        return Effect.map(entryOf(answerKey, now) as Effect.Effect<CacheEntry, E>, missed)
      })

    return {
      config,
      /** The cached answer of `key`, computing it with `compute` when needed (see the class comment). */
      get,
      /** The entry of `key` as stored (fresh, stale, invalidated or expired), without counting or touching it. */
      peek: (key: string): CacheEntry | undefined => mirror.entries.get(key),
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
        const entry = config.enabled ? mirror.entryForUrl(url, nowMillis) : undefined
        const outcome = entry === undefined ? undefined : servable(entry, nowMillis)
        if (entry === undefined || outcome === undefined) return undefined
        served(entry, outcome)
        return { entry, outcome, refresh: outcome === "HIT" ? Effect.void : refreshOf(entry) }
      },
      /** Records that `url` resolved to `key`; `validDay` is the UTC day its defaults were resolved on. */
      rememberUrl: (url: string, key: string, validDay: IsoDate | undefined): void =>
        mirror.rememberUrl(url, key, validDay),
      /**
       * Invalidates the answers of `file` whose window holds one of `dates`, touched by commits made after
       * `unchangedUntil` (clock millis of the change detector's previous read of the file). With `touched`, only
       * those made of a touched record (their item and line filters), and `/items` and `/lines` only when a
       * dimension changed.
       */
      invalidateDates: (
        file: DbFile,
        dates: ReadonlyArray<string>,
        unchangedUntil: number,
        touched?: Touched
      ): Effect.Effect<number> =>
        Effect.sync(() => {
          if (dates.length === 0) return 0
          const sorted = [...new Set(dates)].sort()
          const scopes = touched === undefined ? undefined : new TouchedScopes(sorted, touched)
          computations.invalidateDates(file, sorted, unchangedUntil, scopes)
          return mirror.invalidateDates(file, sorted, unchangedUntil, scopes)
        }),
      /** Drops every answer that read `file`; answers computed within `settleMillis` from now are not stored. */
      invalidateFile: (file: DbFile, settleMillis = 0): Effect.Effect<number> =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          computations.invalidateFile(file, now + settleMillis)
          const dropped = mirror.invalidateFile(file)
          return Effect.as(drain, dropped)
        }),
      stats: Effect.sync((): CacheStats => mirror.stats()),
      /** The keys of the answers in the store (effect's `Cache`): those of the mirror, once its removals are done. */
      storedKeys: Effect.zipRight(
        drain,
        Effect.suspend(() => Effect.map(store.keys, (keys) => keys.map((key) => key.key)))
      )
    } as const
  }),
  dependencies: [CacheConfig.Default]
}) {}
