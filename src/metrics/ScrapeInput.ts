import type { CacheStats as ApiCacheStats } from "../cache/EntryStore.js"
import type { DbFile } from "../domain/DbFile.js"
import type { PoolStats } from "../query/EngineStats.js"
import type { Family } from "./PrometheusText.js"

/** The response cache's figures, as `/metrics/cache` reports them (`api_cache` without `hit_rate`). */
export type CacheStats = Omit<ApiCacheStats, "hit_rate">

export interface FileState {
  readonly file: DbFile
  /** SQLite's `PRAGMA data_version` as last seen; `null` when the file could not be read. */
  readonly dataVersion: number | null
  readonly readable: boolean
  /** The change-log position the change detector has seen; null without a readable change log. */
  readonly seq: number | null
  /** The position a separate process last read (the detector's self-check); null before the first read. */
  readonly auditedSeq: number | null
  /** Whether the detector stayed short of that read for longer than a few poll intervals. */
  readonly behind: boolean
  readonly reconnects: number
}

/** What other services know at scrape time. A section left out (e.g. no cache when it is off) is not exported. */
export interface ScrapeInput {
  readonly cache?: CacheStats
  readonly pool?: PoolStats
  readonly files?: ReadonlyArray<FileState>
}

const PREFIX = "production_api_"

const gauge = (name: string, help: string, value: number): Family => ({
  type: "gauge",
  name: PREFIX + name,
  help,
  samples: [{ value }]
})

const counter = (name: string, help: string, value: number): Family => ({
  type: "counter",
  name: `${PREFIX}${name}_total`,
  help,
  samples: [{ value }]
})

// The cache's counters are exported as its service counts them (the same numbers as `/metrics/cache`).
const cacheFamilies = (cache: CacheStats): Array<Family> => [
  gauge("cache_entries", "Entries held by the response cache.", cache.size),
  gauge(
    "cache_capacity_entries",
    "Most entries the response cache holds (least recently used out first).",
    cache.capacity
  ),
  gauge("cache_bytes", "Bytes of the bodies held by the response cache, compressed forms included.", cache.bytes),
  gauge(
    "cache_max_bytes",
    "Most bytes the response cache holds, CACHE_MAX_BYTES (least recently used out first).",
    cache.max_bytes
  ),
  counter("cache_hits", "Response cache hits (api_cache.hits).", cache.hits),
  counter("cache_misses", "Response cache misses (api_cache.misses).", cache.misses),
  counter("cache_stale_served", "Answers served from a stale entry while it refreshed.", cache.stale_served),
  counter("cache_refreshes", "Background refreshes of response cache entries.", cache.refreshes),
  counter("cache_refresh_failures", "Background refreshes that failed.", cache.refresh_failures),
  counter("cache_invalidations", "Response cache invalidations after the data files changed.", cache.invalidations),
  counter("cache_evictions", "Response cache entries evicted for capacity or bytes.", cache.evictions)
]

const poolFamilies = (pool: PoolStats): Array<Family> => [
  gauge("pool_workers", "Read worker threads serving queries.", pool.size),
  gauge("pool_idle_workers", "Read worker threads waiting for a query.", pool.idle),
  gauge("pool_queue_depth", "Queries waiting for a free read worker.", pool.waiting),
  gauge("pool_in_flight_queries", "Queries running on a read worker now.", pool.inFlight),
  gauge("pool_retired_workers", "Timed-out worker threads still finishing their statement.", pool.retired),
  counter("pool_timeouts", "Queries that passed QUERY_TIMEOUT_MS.", pool.timeouts),
  counter("pool_rejections", "Queries refused because QUEUE_LIMIT queries were already waiting.", pool.rejections)
]

const fileFamilies = (files: ReadonlyArray<FileState>): Array<Family> => [
  {
    type: "gauge",
    name: `${PREFIX}db_readable`,
    help: "Whether the data file could be read at the last check (1) or not (0).",
    samples: files.map((f) => ({ labels: { file: f.file }, value: f.readable ? 1 : 0 }))
  },
  {
    type: "gauge",
    name: `${PREFIX}db_data_version`,
    help: "SQLite data_version of the data file as last seen; it changes when another process commits.",
    samples: files.flatMap((f) => (f.dataVersion === null ? [] : [{ labels: { file: f.file }, value: f.dataVersion }]))
  },
  {
    type: "gauge",
    name: `${PREFIX}change_log_seq`,
    help: "Last change_log position of the data file: seen by the change detector, or read by a separate process.",
    samples: files.flatMap((f) => [
      ...(f.seq === null ? [] : [{ labels: { file: f.file, view: "detector" }, value: f.seq }]),
      ...(f.auditedSeq === null ? [] : [{ labels: { file: f.file, view: "outside" }, value: f.auditedSeq }])
    ])
  },
  {
    type: "gauge",
    name: `${PREFIX}change_detector_behind`,
    help: "Whether the change detector has stayed behind what a separate process reads of the change log (1) or not.",
    samples: files.map((f) => ({ labels: { file: f.file }, value: f.behind ? 1 : 0 }))
  },
  {
    type: "counter",
    name: `${PREFIX}db_reconnects_total`,
    help: "Times every connection of the service to the data file was closed and reopened to read it afresh.",
    samples: files.map((f) => ({ labels: { file: f.file }, value: f.reconnects }))
  }
]

export const scrapeFamilies = (input: ScrapeInput): Array<Family> => [
  ...(input.cache === undefined ? [] : cacheFamilies(input.cache)),
  ...(input.pool === undefined ? [] : poolFamilies(input.pool)),
  ...(input.files === undefined ? [] : fileFamilies(input.files))
]
