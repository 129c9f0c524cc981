import { type IsoDate, maxDate } from "../../src/domain/IsoDate.js"
import type { DataProfile } from "./DataProfile.js"
import { FreshnessProbe } from "./FreshnessProbe.js"
import type { OneConnection } from "./HttpClient.js"
import { type MixedRun, runMixed } from "./Mixed.js"
import { startOutsideLoader } from "./OutsideLoader.js"
import { progress } from "./Progress.js"
import { percentile } from "./Stats.js"
import { buildWorkload, resolveWorkload } from "./Workload.js"

/** The service's `CHANGE_POLL_MS` (its default), given explicitly: the freshness target is computed from it. */
export const CHANGE_POLL_MS = 1000
/** The outside loader commits one record every this many ms (the spec's comparison 6). */
export const LOADER_INTERVAL_MS = 200
/** The freshness probe asks once every this many ms: often enough to time the lag, rarely enough not to load. */
export const PROBE_INTERVAL_MS = 25

export interface UnderWritesRun extends MixedRun {
  /** HIT and STALE over all answers to the URLs whose answer covers today (`watched`: them by `X-Cache`), per cent. */
  readonly todayHitRate: number
}

export interface Freshness {
  /** Commits the loader made, and commits that failed (it prints both). */
  readonly commits: number
  readonly failedCommits: number
  /** Commit → first answer holding it, ms, one per commit seen. */
  readonly lagsMs: ReadonlyArray<number>
  /** The round trip of each of those first answers, ms: the part of its lag spent by the answer itself. */
  readonly roundTripsMs: ReadonlyArray<number>
  /** Commits no answer held by the end (the probe asks on for `CHANGE_POLL_MS` + 5 s after the last commit). */
  readonly neverSeen: number
  readonly probes: number
  readonly probeMeanIntervalMs: number
  readonly probeFailures: ReadonlyArray<string>
}

export interface ReadsUnderWritesResult {
  /** The date the loader writes (today, UTC) and the workload's windows end at. */
  readonly today: IsoDate
  readonly pollMs: number
  readonly loaderIntervalMs: number
  /** The items and lines the loader's commits write, in turn. */
  readonly loaderTargets: ReadonlyArray<{ readonly item_code: string; readonly line_code: string }>
  readonly probeIntervalMs: number
  readonly probePath: string
  readonly distinct: number
  readonly kinds: Readonly<Record<string, number>>
  /** Distinct URLs whose answer covers today (their window contains it, or they have none: `/items`). */
  readonly coveringToday: number
  readonly warmupS: number
  readonly runs: ReadonlyArray<UnderWritesRun>
  readonly freshness: Freshness
}

/** Whether the answer of `url` covers `day`: its window contains it, or it has no window (every date). */
export const coversDay = (url: string, day: IsoDate): boolean => {
  const params = new URLSearchParams(url.slice(url.indexOf("?") + 1))
  const from = params.get("from")
  const to = params.get("to")
  return from === null || to === null ? true : from <= day && day <= to
}

/**
 * The items and lines the loader writes, one per commit in turn: `spread` items spaced out over the data's list,
 * the lines taken in turn beside them. With 1, every commit is of the first item on the first line.
 */
const loaderTargets = (profile: DataProfile, spread: number) => {
  const { items, lines } = profile
  if (items.length === 0 || lines.length === 0) throw new Error("the data has no item or no line")
  const count = Math.max(1, Math.min(spread, items.length))
  return Array.from({ length: count }, (_, k) => {
    const item = items[Math.floor((k * items.length) / count)]!
    return { item_code: item.code, item_name: item.name, line_code: lines[k % lines.length]! }
  })
}

const todayUtc = (): IsoDate => new Date().toISOString().slice(0, 10) as IsoDate

const hitRateOf = (counts: Readonly<Record<string, number>>): number => {
  const served = (counts["HIT"] ?? 0) + (counts["STALE"] ?? 0)
  return (100 * served) / Math.max(1, served + (counts["MISS"] ?? 0))
}

/**
 * The mixed workload (§3's generator and load, anchored at today so that its dashboard windows end today as in
 * production) against a server with the cache on, while an outside loader process commits a record dated today
 * into `liveFile` every 200 ms through short-lived connections, and a probe times each commit's first appearance.
 */
export const measureReadsUnderWrites = async (
  base: string,
  client: OneConnection,
  profile: DataProfile,
  cutover: IsoDate,
  liveFile: string,
  settings: {
    readonly distinct: number
    readonly connections: number
    readonly durationS: number
    readonly repeats: number
    readonly pollMs: number
    /** How many of the data's items (and, in turn, lines) the loader's commits cycle through [1]. */
    readonly loaderSpread?: number
  }
): Promise<ReadsUnderWritesResult> => {
  const today = todayUtc()
  if (today < cutover) throw new Error(`today (${today}) is before the cutover (${cutover}): its records are archive's`)
  const workload = buildWorkload({ ...profile, anchor: maxDate(profile.anchor, today) }, cutover, settings.distinct)
  const { urls, kinds } = await resolveWorkload(client, workload)
  const lotPrefix = `UW${Date.now().toString(36).toUpperCase()}-`
  const probePath = `/records?from=${today}&to=${today}&lot_prefix=${encodeURIComponent(lotPrefix)}`
  const probe = new FreshnessProbe(base, probePath, lotPrefix, PROBE_INTERVAL_MS)
  await probe.start()
  try {
    const targets = loaderTargets(profile, settings.loaderSpread ?? 1)
    progress(
      `reads under writes: outside loader on ${liveFile}, a record dated ${today} every ${LOADER_INTERVAL_MS} ms`
    )
    const loader = await startOutsideLoader({
      file: liveFile,
      date: today,
      lotPrefix,
      intervalMs: LOADER_INTERVAL_MS,
      targets
    })
    let stopped: { readonly commits: number; readonly failures: number } | undefined
    try {
      const { warmupS, runs } = await runMixed({
        label: "reads under writes",
        base,
        client,
        urls,
        connections: settings.connections,
        durationS: settings.durationS,
        repeats: settings.repeats,
        watch: (url) => coversDay(url, today),
        others: probe.tally
      })
      stopped = await loader.stop()
      const commits = loader.commits()
      await probe.seenAll(
        commits.map((c) => c.lot),
        performance.now() + settings.pollMs + 5000
      )
      const firstAnswers = commits.flatMap((c) => {
        const seen = probe.firstSeen.get(c.lot)
        return seen === undefined ? [] : [{ lagMs: seen.at - c.at, roundTripMs: seen.roundTripMs }]
      })
      const lagsMs = firstAnswers.map((a) => a.lagMs)
      const freshness: Freshness = {
        commits: commits.length,
        failedCommits: stopped.failures,
        lagsMs,
        roundTripsMs: firstAnswers.map((a) => a.roundTripMs),
        neverSeen: commits.length - lagsMs.length,
        probes: probe.probes,
        probeMeanIntervalMs: probe.meanIntervalMs,
        probeFailures: probe.failures
      }
      progress(
        `reads under writes: ${freshness.commits} commits (${freshness.failedCommits} failed), ` +
          `${freshness.neverSeen} never seen; lag p50 ${Math.round(percentile(lagsMs, 50))} ms, ` +
          `p99 ${Math.round(percentile(lagsMs, 99))} ms over ${freshness.probes} probes`
      )
      return {
        today,
        pollMs: settings.pollMs,
        loaderIntervalMs: LOADER_INTERVAL_MS,
        loaderTargets: targets.map(({ item_code, line_code }) => ({ item_code, line_code })),
        probeIntervalMs: PROBE_INTERVAL_MS,
        probePath,
        distinct: urls.length,
        kinds,
        coveringToday: urls.filter((u) => coversDay(u, today)).length,
        warmupS,
        runs: runs.map((run) => ({ ...run, todayHitRate: hitRateOf(run.watched) })),
        freshness
      }
    } finally {
      if (stopped === undefined) await loader.stop().catch(() => undefined)
    }
  } finally {
    await probe.stop()
  }
}
