import { addDays, type IsoDate, maxDate, minDate } from "../../src/domain/IsoDate.js"
import { makeAliasTable, makeRng, type Rng } from "../../src/seed/Prng.js"
import type { DataProfile } from "./DataProfile.js"
import type { OneConnection } from "./HttpClient.js"
import { type Endpoint, lastDays, url, type Window } from "./Shapes.js"

/** One distinct request of the mixed workload; `followUp`: the page after the first page of `url`. */
export interface WorkloadEntry {
  readonly kind: "summary" | "records" | "records-next" | "items"
  readonly url: string
}

const SUMMARIES: ReadonlyArray<Endpoint> = [
  "summary_daily",
  "summary_monthly",
  "summary_by_item",
  "summary_by_line",
  "summary_monthly_by_item"
]

/** Zipf exponent of URL popularity (rank r drawn with weight 1 / r^s). */
export const ZIPF_S = 1

const daysBetween = (a: IsoDate, b: IsoDate): number => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000)

/** A window inside the data: starts no earlier than its first date, ends no later than its last. */
const inData = (w: Window, profile: DataProfile): Window => {
  const clipped = { from: maxDate(w.from, profile.first), to: minDate(w.to, profile.anchor) }
  return clipped.from <= clipped.to ? clipped : lastDays(profile.anchor, 30)
}

/** The last day of a random window of `length` days lying inside the data. */
const randomEnd = (rng: Rng, profile: DataProfile, length: number): IsoDate =>
  addDays(profile.anchor, -rng.int(0, Math.max(0, daysBetween(profile.first, profile.anchor) - length + 1)))

const dashboardWindow = (rng: Rng, profile: DataProfile, cutover: IsoDate): Window => {
  const a = profile.anchor
  const roll = rng.next()
  if (roll < 0.25) return lastDays(a, 30)
  if (roll < 0.45) return lastDays(a, 90)
  if (roll < 0.6) return { from: `${a.slice(0, 4)}-01-01` as IsoDate, to: a }
  if (roll < 0.72) return lastDays(a, 365)
  if (roll < 0.8) return lastDays(a, 730)
  // Random windows, half of them across the cutover.
  const length = rng.int(7, 400)
  if (rng.chance(0.5)) {
    const from = addDays(cutover, -rng.int(1, length - 1))
    return inData({ from, to: addDays(from, length - 1) }, profile)
  }
  const to = randomEnd(rng, profile, length)
  return inData({ from: addDays(to, 1 - length), to }, profile)
}

const summaryEntry = (rng: Rng, profile: DataProfile, cutover: IsoDate): WorkloadEntry => {
  const endpoint = rng.pick(SUMMARIES)
  const window = dashboardWindow(rng, profile, cutover)
  const filter = rng.next()
  const item = endpoint !== "summary_by_item" && filter < 0.25 ? rng.pick(profile.items).code : undefined
  const line = endpoint !== "summary_by_line" && filter >= 0.25 && filter < 0.5 ? rng.pick(profile.lines) : undefined
  return { kind: "summary", url: url(endpoint, { ...window, item_code: item, line_code: line }) }
}

const recordsUrl = (rng: Rng, profile: DataProfile, cutover: IsoDate): string => {
  const where = rng.next()
  const to =
    where < 0.5
      ? addDays(profile.anchor, -rng.int(0, 60))
      : where < 0.75
        ? addDays(cutover, rng.int(0, 6))
        : randomEnd(rng, profile, 7)
  const filter = rng.next()
  return url("records", {
    from: addDays(to, -6),
    to,
    item_code: filter < 0.4 ? rng.pick(profile.items).code : undefined,
    lot_prefix: filter >= 0.4 && filter < 0.7 ? rng.pick(profile.lotPrefixes) : undefined,
    limit: rng.chance(0.2) ? 50 : undefined
  })
}

/**
 * A fixed, seeded list of `distinct` requests shaped like dashboard and assistant traffic: about half summaries
 * (last 30/90 days, YTD, 12/24 months, random windows; half of them filtered by an item or line from the data),
 * a third `/records` pages of 7-day windows (item or lot-prefix filters; a third of them follow-up pages), the
 * rest `/items?q=` searches. Its order is the popularity rank.
 */
export const buildWorkload = (profile: DataProfile, cutover: IsoDate, distinct: number): Array<WorkloadEntry> => {
  const rng = makeRng("bench-workload", distinct)
  const seen = new Set<string>()
  const entries: Array<WorkloadEntry> = []
  for (let attempt = 0; entries.length < distinct && attempt < distinct * 50; attempt++) {
    const roll = rng.next()
    const entry: WorkloadEntry =
      roll < 0.5
        ? summaryEntry(rng, profile, cutover)
        : roll < 0.85
          ? { kind: rng.chance(0.33) ? "records-next" : "records", url: recordsUrl(rng, profile, cutover) }
          : { kind: "items", url: url("items", { q: rng.pick(profile.searchTerms) }) }
    const key = `${entry.kind} ${entry.url}`
    if (seen.has(key)) continue
    seen.add(key)
    entries.push(entry)
  }
  return entries
}

const TIMED_OUT = "records-next dropped: first page answered 504 timeout"

/** The workload's concrete URLs: a follow-up gets its first page's cursor (fetched here), or is dropped. */
export const resolveWorkload = async (
  client: OneConnection,
  entries: ReadonlyArray<WorkloadEntry>
): Promise<{ readonly urls: ReadonlyArray<string>; readonly kinds: Readonly<Record<string, number>> }> => {
  const urls: Array<string> = []
  const kinds: Record<string, number> = {}
  for (const entry of entries) {
    let target = entry.url
    if (entry.kind === "records-next") {
      const answer = await client.get(entry.url)
      // A first page past QUERY_TIMEOUT_MS leaves no cursor to follow: counted where the report lists the kinds.
      if (answer.status === 504) {
        kinds[TIMED_OUT] = (kinds[TIMED_OUT] ?? 0) + 1
        continue
      }
      if (answer.status !== 200)
        throw new Error(`GET ${entry.url}: ${answer.status} ${answer.body.toString().slice(0, 200)}`)
      const page = JSON.parse(answer.body.toString()) as { next_cursor: string | null }
      if (page.next_cursor === null) continue
      target = `${entry.url}&cursor=${encodeURIComponent(page.next_cursor)}`
    }
    if (urls.includes(target)) continue
    urls.push(target)
    kinds[entry.kind] = (kinds[entry.kind] ?? 0) + 1
  }
  return { urls, kinds }
}

/** `length` draws of ranks 0..count-1 with Zipf popularity, seeded: the order requests are sent in. */
export const zipfSequence = (count: number, length: number): Int32Array => {
  const table = makeAliasTable(Array.from({ length: count }, (_, r) => 1 / Math.pow(r + 1, ZIPF_S)))
  const rng = makeRng("bench-zipf", count)
  const out = new Int32Array(length)
  for (let i = 0; i < length; i++) out[i] = table.sample(rng)
  return out
}
