import type { DbFile } from "../domain/DbFile.js"
import type { IsoDate } from "../domain/IsoDate.js"
import type { CacheEntry } from "./CacheEntry.js"
import type { TouchedScopes } from "./AnswerScope.js"
import { RangeIndex } from "./RangeIndex.js"
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

/** The store's bounds: entries, bytes held, and the largest answer it keeps. */
export interface StoreLimits {
  readonly capacity: number
  readonly maxBytes: number
  readonly maxEntryBytes: number
}

/**
 * The synchronous mirror of the stored answers (those effect's `Cache` holds for `ResponseCache`): entries in
 * least-recently-used order (a Map keeps insertion order; a use moves the entry to the end), the bytes they hold, a
 * date index per file, the URL index of the fast path, and the counters. Effect-free so that the plain `node:http`
 * listener can read it. It keeps the bounds: what it lets go (evicted, replaced, removed) is handed to
 * `ResponseCache` (`takeRemoved`) to be invalidated in the `Cache` too.
 */
export class EntryStore {
  readonly entries = new Map<string, CacheEntry>()
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
  readonly #indexes: Record<DbFile, RangeIndex> = { live: new RangeIndex(), archive: new RangeIndex() }
  /** Bytes held by the stored entries (`CacheEntry.size`), compressed forms counted as they are added. */
  #bytes = 0
  /** Entries let go since the last `takeRemoved`, and answers too large to keep. */
  #removed: Array<CacheEntry> = []

  constructor(readonly limits: StoreLimits) {
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

  /**
   * Stores `entry` in place of the key's previous one. An answer over the size limits replaces it by nothing:
   * false, and the answer is handed back with what was let go.
   */
  insert(entry: CacheEntry): boolean {
    this.remove(entry.key)
    if (entry.size > Math.min(this.limits.maxEntryBytes, this.limits.maxBytes)) {
      this.#removed.push(entry)
      return false
    }
    this.entries.set(entry.key, entry)
    this.#bytes += entry.size
    for (const file of entry.files) this.#indexes[file].add(entry.key, entry.window)
    this.#evictOverBounds()
    return true
  }

  remove(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.entries.delete(key)
    this.#bytes -= entry.size
    for (const file of entry.files) this.#indexes[file].remove(key, entry.window)
    this.#removed.push(entry)
    return true
  }

  /** The entries let go since the last call (evicted, replaced, removed, or too large to keep). */
  takeRemoved(): ReadonlyArray<CacheEntry> {
    const removed = this.#removed
    if (removed.length > 0) this.#removed = []
    return removed
  }

  /** An entry kept a compressed form of `added` bytes (`CacheEntry.onEncoded`): counted if the entry is stored. */
  readonly encodedAdded = (entry: CacheEntry, added: number): void => {
    if (this.entries.get(entry.key) !== entry) return
    this.#bytes += added
    this.#evictOverBounds()
  }

  /**
   * A commit after `unchangedUntil` (clock millis: the change detector's previous read of `file`) touched
   * `sortedDates`: the entries of `file` whose window holds one of them become invalidated, valid as of the later
   * of their start and `unchangedUntil` (their data equals the database as of then). Returns how many.
   */
  invalidateDates(
    file: DbFile,
    sortedDates: ReadonlyArray<string>,
    unchangedUntil: number,
    touched: TouchedScopes | undefined
  ): number {
    let n = 0
    for (const key of this.#indexes[file].matching(sortedDates)) {
      const entry = this.entries.get(key)!
      // The index found the windows holding a touched date; `touched` narrows them to the scopes it reaches.
      if (entry.validAsOf !== undefined || touched?.affects(entry.window, entry.meta.scope) === false) continue
      entry.validAsOf = Math.max(entry.startedAt, unchangedUntil)
      n++
    }
    this.counts.invalidations += n
    return n
  }

  /** Removes every entry that read `file`; returns how many. */
  invalidateFile(file: DbFile): number {
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
}
