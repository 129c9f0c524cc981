import { addDays, type IsoDate } from "../../src/domain/IsoDate.js"
import { QUERY_ENDPOINTS } from "../../src/http/QueryParams.js"
import type { DataProfile } from "./DataProfile.js"

export const ENDPOINTS = [
  "records",
  "items",
  "lines",
  "summary_daily",
  "summary_monthly",
  "summary_by_item",
  "summary_by_line",
  "summary_monthly_by_item"
] as const
export type Endpoint = (typeof ENDPOINTS)[number]

export const ENDPOINT_PATHS = Object.fromEntries(QUERY_ENDPOINTS.map((e) => [e.name, e.path])) as Readonly<
  Record<Endpoint, string>
>

/** One request shape measured uncached; `followUp`: the page after this URL's first page (its `next_cursor`). */
export interface Shape {
  readonly endpoint: Endpoint
  readonly label: string
  readonly url: string
  readonly followUp?: boolean
}

/** The shape whose baseline/optimized ratio the speed-up target is about. */
export const TWO_YEAR_MONTHLY = "24 months"

export type Window = { readonly from: IsoDate; readonly to: IsoDate }

/** Windows ending at the data's last date. */
export const lastDays = (anchor: IsoDate, days: number): Window => ({ from: addDays(anchor, 1 - days), to: anchor })

export const url = (endpoint: Endpoint, params: Readonly<Record<string, string | number | undefined>>): string => {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v))
  const query = search.toString()
  return ENDPOINT_PATHS[endpoint] + (query === "" ? "" : `?${query}`)
}

/**
 * The request shapes each endpoint is measured with uncached: windows from 7 days to 3 years, with and without
 * filters, first and follow-up pages, short and long search terms.
 */
export const uncachedShapes = (profile: DataProfile, cutover: IsoDate): ReadonlyArray<Shape> => {
  const a = profile.anchor
  const d30 = lastDays(a, 30)
  const d90 = lastDays(a, 90)
  const m12 = lastDays(a, 365)
  const m24 = lastDays(a, 730)
  const y3 = lastDays(a, 1095)
  const ytd = { from: `${a.slice(0, 4)}-01-01` as IsoDate, to: a }
  const week = lastDays(a, 7)
  const acrossCutover = { from: addDays(cutover, -3), to: addDays(cutover, 3) }
  const item = profile.items[Math.floor(profile.items.length / 3)]?.code
  const line = profile.lines[Math.floor(profile.lines.length / 2)]
  const lot = profile.lotPrefixes[0]
  const term = profile.searchTerms.find((t) => t.length >= 3) ?? "bolt"
  const term2 = profile.searchTerms.find((t) => t.length >= 3 && t !== term) ?? "ring"
  const short = profile.searchTerms.find((t) => t.length === 2) ?? "m1"
  const s = (
    endpoint: Endpoint,
    label: string,
    params: Readonly<Record<string, string | number | undefined>>
  ): Shape => ({
    endpoint,
    label,
    url: url(endpoint, params)
  })
  return [
    s("summary_monthly", "90 days", d90),
    s("summary_monthly", "YTD", ytd),
    s("summary_monthly", "12 months", m12),
    s("summary_monthly", TWO_YEAR_MONTHLY, m24),
    s("summary_monthly", "36 months", y3),
    s("summary_monthly", "12 months, item", { ...m12, item_code: item }),
    s("summary_monthly", "24 months, line", { ...m24, line_code: line }),
    s("summary_daily", "30 days", d30),
    s("summary_daily", "90 days", d90),
    s("summary_daily", "12 months", m12),
    s("summary_daily", "36 months", y3),
    s("summary_daily", "90 days, item", { ...d90, item_code: item }),
    s("summary_daily", "12 months, line", { ...m12, line_code: line }),
    s("summary_by_item", "30 days", d30),
    s("summary_by_item", "12 months", m12),
    s("summary_by_item", "36 months", y3),
    s("summary_by_item", "12 months, line, top 20", { ...m12, line_code: line, limit: 20 }),
    s("summary_by_line", "30 days", d30),
    s("summary_by_line", "12 months", m12),
    s("summary_by_line", "36 months", y3),
    s("summary_by_line", "12 months, item", { ...m12, item_code: item }),
    s("summary_monthly_by_item", "90 days", d90),
    s("summary_monthly_by_item", "12 months", m12),
    s("summary_monthly_by_item", "24 months", m24),
    s("summary_monthly_by_item", "24 months, item", { ...m24, item_code: item }),
    s("summary_monthly_by_item", "12 months, line", { ...m12, line_code: line }),
    s("records", "7 days", week),
    { ...s("records", "7 days, next page", week), followUp: true },
    s("records", "7 days, item", { ...week, item_code: item }),
    s("records", "7 days, lot prefix", { ...week, lot_prefix: lot }),
    s("records", "7 days across cutover", acrossCutover),
    { ...s("records", "7 days across cutover, next page", acrossCutover), followUp: true },
    s("records", "7 days, 1000 rows", { ...week, limit: 1000 }),
    s("records", "36 months, item", { ...y3, item_code: item }),
    s("records", `36 months, q=${term}`, { ...y3, q: term }),
    s("items", `q=${term}`, { q: term }),
    s("items", `q=${term2}`, { q: term2 }),
    s("items", `q=${short}`, { q: short }),
    s("lines", "all", {})
  ]
}
