import type { Deferred, Exit } from "effect"
import type { DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"
import type { CacheEntry, EntryMeta } from "./CacheEntry.js"
import { RangeIndex, touches } from "./RangeIndex.js"
import { UrlIndex } from "./UrlIndex.js"

/** The contract's `api_cache` object of `/metrics/cache`. */
export interface CacheStats {
  readonly size: number
  readonly capacity: number
  readonly hits: number
  readonly misses: number
  readonly stale_served: number
  readonly refreshes: number
  readonly refresh_failures: number
  readonly invalidations: number
  readonly evictions: number
  /** Percentage (0–100) of answers served from the cache (HIT or STALE). */
  readonly hit_rate: number
  /** Bytes of the cached bodies and their compressed forms, and their bound (extensions of the contract's object). */
  readonly bytes: number
  readonly max_bytes: number
}

export type Counter = Exclude<keyof CacheStats, "size" | "capacity" | "bytes" | "max_bytes" | "hit_rate">

/** One computation of a key in progress; every miss of the key meanwhile waits for it. */
export interface Flight {
  readonly key: string
  readonly meta: EntryMeta
  readonly startedAt: number
  readonly refresh: boolean
  readonly deferred: Deferred.Deferred<CacheEntry, unknown>
  /** Set by the first invalidation that overtakes it: its result is stored invalidated, valid as of this. */
  validAsOf: number | undefined
  /** Set when a file it reads was replaced (`invalidateFile`): its result is never stored. */
  dropped: boolean
}

/** The store's bounds: entries, bytes held, and the largest answer it keeps. */
export interface StoreLimits {
  readonly capacity: number
  readonly maxBytes: number
  readonly maxEntryBytes: number
}

/**
 * The cache's synchronous state: entries in least-recently-used order (a Map keeps insertion order; a use moves
 * the entry to the end), the bytes they hold, a date index per file, the URL index of the fast path, the
 * computations in flight, and the counters. Effect-free so that the plain `node:http` listener can read it.
 */
export class EntryStore {
  readonly entries = new Map<string, CacheEntry>()
  readonly flights = new Map<string, Flight>()
  readonly urls: UrlIndex
  readonly counts: Record<Counter, number> = {
    hits: 0,
    misses: 0,
    stale_served: 0,
    refreshes: 0,
    refresh_failures: 0,
    invalidations: 0,
    evictions: 0
  }
  /** Every computation in progress, also those a later request no longer joins (overtaken or dropped). */
  readonly #running = new Set<Flight>()
  readonly #indexes: Record<DbFile, RangeIndex> = { live: new RangeIndex(), archive: new RangeIndex() }
  /** Per file: computations started before this instant are not stored (see `invalidateFile`). */
  readonly #storeFrom: Record<DbFile, number> = { live: -Infinity, archive: -Infinity }

  /** Bytes held by the stored entries (`CacheEntry.size`), compressed forms counted as they are added. */
  #bytes = 0

  constructor(
    readonly limits: StoreLimits,
    readonly staleMillis: number
  ) {
    this.urls = new UrlIndex(limits.capacity * 2)
  }

  get bytes(): number {
    return this.#bytes
  }

  /** Marks `entry` most recently used. */
  touch(entry: CacheEntry): void {
    this.entries.delete(entry.key)
    this.entries.set(entry.key, entry)
  }

  /** Stores `entry` in place of the key's previous one; an answer over the size limits replaces it by nothing. */
  insert(entry: CacheEntry): void {
    this.remove(entry.key)
    if (entry.size > Math.min(this.limits.maxEntryBytes, this.limits.maxBytes)) return
    this.entries.set(entry.key, entry)
    this.#bytes += entry.size
    for (const file of entry.files) this.#indexes[file].add(entry.key, entry.window)
    this.#evictOverBounds()
  }

  remove(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.entries.delete(key)
    this.#bytes -= entry.size
    for (const file of entry.files) this.#indexes[file].remove(key, entry.window)
    return true
  }

  /** An entry kept a compressed form of `added` bytes (`CacheEntry.onEncoded`): counted if the entry is stored. */
  readonly encodedAdded = (entry: CacheEntry, added: number): void => {
    if (this.entries.get(entry.key) !== entry) return
    this.#bytes += added
    this.#evictOverBounds()
  }

  /** Registers a computation of `key`; the caller runs it and calls `land`. */
  startFlight(key: string, meta: EntryMeta, startedAt: number, refresh: boolean, deferred: Flight["deferred"]): Flight {
    const flight: Flight = { key, meta, startedAt, refresh, deferred, validAsOf: undefined, dropped: false }
    this.flights.set(key, flight)
    this.#running.add(flight)
    if (refresh) this.counts.refreshes++
    return flight
  }

  /**
   * A computation ended: stores its entry, unless a replaced file keeps it out (`invalidateFile`). One overtaken by
   * an invalidation is stored invalidated, and only in place of nothing or of an answer known valid as of earlier.
   */
  land(flight: Flight, exit: Exit.Exit<CacheEntry, unknown>): void {
    this.#detach(flight)
    this.#running.delete(flight)
    if (exit._tag === "Failure") {
      if (flight.refresh) this.counts.refresh_failures++
      return
    }
    if (flight.dropped || !flight.meta.files.every((f) => flight.startedAt >= this.#storeFrom[f])) return
    const entry = exit.value
    if (flight.validAsOf !== undefined) {
      entry.validAsOf = flight.validAsOf
      const held = this.entries.get(flight.key)
      if (held !== undefined && (held.validAsOf === undefined || held.validAsOf > flight.validAsOf)) return
    }
    this.insert(entry)
  }

  /**
   * A commit after `unchangedUntil` (clock millis: the change detector's previous read of `file`) touched `dates`:
   * the entries and computations of `file` whose window holds one of them become invalidated, valid as of the
   * later of their start and `unchangedUntil` (their data equals the database as of then). Returns how many
   * entries it invalidated.
   */
  invalidateDates(file: DbFile, dates: ReadonlyArray<string>, unchangedUntil: number): number {
    if (dates.length === 0) return 0
    const sorted = [...new Set(dates)].sort()
    for (const flight of this.#running) {
      if (flight.meta.files.includes(file) && touches(flight.meta.window, sorted)) {
        flight.validAsOf ??= Math.max(flight.startedAt, unchangedUntil)
        this.#detach(flight)
      }
    }
    let n = 0
    for (const key of this.#indexes[file].matching(sorted)) {
      const entry = this.entries.get(key)!
      if (entry.validAsOf !== undefined) continue
      entry.validAsOf = Math.max(entry.startedAt, unchangedUntil)
      n++
    }
    this.counts.invalidations += n
    return n
  }

  /**
   * Drops every entry that read `file`. Computations starting before `storeFrom` are not stored: readers may still
   * hold a replaced file open for a moment.
   */
  invalidateFile(file: DbFile, storeFrom: number): number {
    this.#storeFrom[file] = Math.max(this.#storeFrom[file], storeFrom)
    for (const flight of this.#running) {
      if (!flight.meta.files.includes(file)) continue
      flight.dropped = true
      this.#detach(flight)
    }
    let n = 0
    for (const entry of [...this.entries.values()]) if (entry.files.includes(file) && this.remove(entry.key)) n++
    this.counts.invalidations += n
    return n
  }

  /** The entry an exact URL resolved to (today, for a URL whose defaults depend on the day), as stored. */
  entryForUrl(url: string, nowMillis: number): CacheEntry | undefined {
    const key = this.urls.resolve(url, nowMillis)
    return key === undefined ? undefined : this.entries.get(key)
  }

  rememberUrl(url: string, key: string, validDay: IsoDate | undefined): void {
    this.urls.remember(url, key, validDay)
  }

  stats(): CacheStats {
    const c = this.counts
    const served = c.hits + c.stale_served
    const total = served + c.misses
    const hit_rate = total === 0 ? 0 : Math.round((served / total) * 10_000) / 100
    const { capacity, maxBytes } = this.limits
    return { size: this.entries.size, capacity, ...c, hit_rate, bytes: this.#bytes, max_bytes: maxBytes }
  }

  /** Least recently used out first, until both bounds hold. */
  #evictOverBounds(): void {
    while (this.entries.size > this.limits.capacity || this.#bytes > this.limits.maxBytes) {
      this.remove(this.entries.keys().next().value!)
      this.counts.evictions++
    }
  }

  /** Later requests of the key start a computation of their own, which sees the commit. */
  #detach(flight: Flight): void {
    if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key)
  }
}
