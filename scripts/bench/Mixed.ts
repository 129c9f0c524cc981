import type { IsoDate } from "../../src/domain/IsoDate.js"
import type { DataProfile } from "./DataProfile.js"
import type { OneConnection } from "./HttpClient.js"
import { type LoadResult, runLoad } from "./Load.js"
import { progress } from "./Progress.js"
import { buildWorkload, resolveWorkload, zipfSequence } from "./Workload.js"

interface ServerCounters {
  readonly hits: number
  readonly misses: number
  readonly stale: number
  readonly poolTimeouts: number
  readonly poolRejections: number
}

const counter = (text: string, name: string): number => {
  const match = new RegExp(`^production_api_${name}_total(?:\\{[^}]*\\})? (\\d+)`, "m").exec(text)
  return match === null ? 0 : Number(match[1])
}

const counters = async (client: OneConnection): Promise<ServerCounters> => {
  const cache = await client.json<{ api_cache: { hits: number; misses: number; stale_served: number } }>(
    "/metrics/cache"
  )
  const text = (await client.get("/metrics")).body.toString()
  return {
    hits: cache.api_cache.hits,
    misses: cache.api_cache.misses,
    stale: cache.api_cache.stale_served,
    poolTimeouts: counter(text, "pool_timeouts"),
    poolRejections: counter(text, "pool_rejections")
  }
}

export interface MixedRun extends LoadResult {
  /** Answers from the cache (hits and stale) over all cache lookups during the run, per cent (`/metrics/cache`). */
  readonly hitRate: number
  readonly misses: number
  /** Statements that passed their deadline waiting for or running on a worker, and refusals (`/metrics`). */
  readonly poolTimeouts: number
  readonly poolRejections: number
}

export interface MixedResult {
  readonly distinct: number
  readonly kinds: Readonly<Record<string, number>>
  /** Distinct URLs whose window contains the cutover (both files read). */
  readonly crossing: number
  readonly warmupS: number
  readonly runs: ReadonlyArray<MixedRun>
}

/** Dashboards run in browsers, which ask for compressed answers; the cache keeps each coding once. */
export const BROWSER_HEADERS = { "accept-encoding": "gzip, deflate, br" } as const

const crossesCutover = (url: string, cutover: IsoDate): boolean => {
  const params = new URLSearchParams(url.slice(url.indexOf("?") + 1))
  const from = params.get("from")
  const to = params.get("to")
  return from !== null && to !== null && from < cutover && cutover <= to
}

/** Answers served from the cache (hits and stale) and misses: cache lookups, as counted by the server or a client. */
export interface CacheTally {
  readonly served: number
  readonly misses: number
}

/** The mixed workload's load: `urls` sent in a seeded Zipf order over `connections` connections. */
export interface MixedLoad {
  /** Names the runs in the progress lines. */
  readonly label: string
  readonly base: string
  /** The server's counters are read through it before and after each run. */
  readonly client: OneConnection
  readonly urls: ReadonlyArray<string>
  readonly connections: number
  readonly durationS: number
  readonly repeats: number
  /** Paths whose answers' `X-Cache` each run counts (`LoadResult.watched`). */
  readonly watch?: (path: string) => boolean
  /** Cache lookups by other clients of the server so far (cumulative): left out of the runs' hit rates. */
  readonly others?: () => CacheTally
}

/**
 * A warm-up run, then `repeats` measured runs by autocannon, each bracketed by the server's cache and pool
 * counters.
 */
export const runMixed = async (
  load: MixedLoad
): Promise<{ readonly warmupS: number; readonly runs: ReadonlyArray<MixedRun> }> => {
  const rotation = { paths: load.urls, sequence: zipfSequence(load.urls.length, 100_000) }
  const spec = {
    base: load.base,
    path: rotation,
    connections: load.connections,
    headers: BROWSER_HEADERS,
    ...(load.watch === undefined ? {} : { watch: load.watch })
  }
  const others = load.others ?? (() => ({ served: 0, misses: 0 }))
  const warmupS = Math.max(1, Math.round(load.durationS / 4))
  progress(`${load.label}: ${load.urls.length} distinct URLs; warm-up ${warmupS} s at ${load.connections} connections`)
  await runLoad({ ...spec, durationS: warmupS })
  const runs: Array<MixedRun> = []
  for (let i = 1; i <= load.repeats; i++) {
    const before = await counters(load.client)
    const othersBefore = others()
    const result = await runLoad({ ...spec, durationS: load.durationS })
    const after = await counters(load.client)
    const othersAfter = others()
    const served = after.hits - before.hits + (after.stale - before.stale) - (othersAfter.served - othersBefore.served)
    const misses = after.misses - before.misses - (othersAfter.misses - othersBefore.misses)
    runs.push({
      ...result,
      hitRate: (100 * served) / Math.max(1, served + misses),
      misses,
      poolTimeouts: after.poolTimeouts - before.poolTimeouts,
      poolRejections: after.poolRejections - before.poolRejections
    })
    progress(
      `${load.label} ${i}/${load.repeats}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, ` +
        `p99 ${result.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}, ` +
        `hit rate ${runs.at(-1)!.hitRate.toFixed(1)} %`
    )
  }
  return { warmupS, runs }
}

/**
 * The mixed workload against a server with the cache on: the seeded list of distinct URLs (follow-up cursors
 * fetched first), sent in a seeded Zipf order by autocannon over `connections` connections; a warm-up run, then
 * `repeats` measured runs, each bracketed by the server's cache and pool counters.
 */
export const measureMixed = async (
  base: string,
  client: OneConnection,
  profile: DataProfile,
  cutover: IsoDate,
  settings: {
    readonly distinct: number
    readonly connections: number
    readonly durationS: number
    readonly repeats: number
  }
): Promise<MixedResult> => {
  const { urls, kinds } = await resolveWorkload(client, buildWorkload(profile, cutover, settings.distinct))
  const { connections, durationS, repeats } = settings
  const load = { label: "mixed workload", base, client, urls, connections, durationS, repeats }
  const { warmupS, runs } = await runMixed(load)
  return {
    distinct: urls.length,
    kinds,
    crossing: urls.filter((u) => crossesCutover(u, cutover)).length,
    warmupS,
    runs
  }
}
