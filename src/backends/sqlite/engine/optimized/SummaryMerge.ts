import { compareText } from "../../../../domain/TextOrder.js"
import type { SqlValue } from "../../pool/ReadPool.js"
import type { SummaryQuery } from "../../../../query/Query.js"
import type { Totals } from "../../../../query/QueryResults.js"

/** One group merged over the files: its key values, exact sums and (where tracked) its latest record's name. */
interface Group {
  readonly first: string
  /** The second key (monthly-by-item's item code), "" for one-key groups. */
  readonly second: string
  good: number
  defect: number
  cnt: number
  /** The latest record's `last_key` (day number * 1e10 + id), -1 when the group tracks none. */
  latestKey: number
  latestName: string
}

type Rows = ReadonlyArray<ReadonlyArray<SqlValue>>

const totals = (g: Group): Totals => ({ good_quantity: g.good, defect_quantity: g.defect, record_count: g.cnt })

/**
 * Adds up per-file rows `[...keys, good, defect, cnt, (latest_key, last_name)]` (one or two keys) group by group.
 * Two-key groups are kept in a map per first key: no key string is built per row.
 */
const mergeGroups = (parts: ReadonlyArray<Rows>, keyCount: 1 | 2): Array<Group> => {
  const byFirst = new Map<string, Map<string, Group>>()
  const groups: Array<Group> = []
  for (const rows of parts) {
    for (const row of rows) {
      const first = String(row[0])
      const second = keyCount === 2 ? String(row[1]) : ""
      let inner = byFirst.get(first)
      if (inner === undefined) byFirst.set(first, (inner = new Map()))
      let g = inner.get(second)
      if (g === undefined) {
        g = { first, second, good: 0, defect: 0, cnt: 0, latestKey: -1, latestName: "" }
        inner.set(second, g)
        groups.push(g)
      }
      g.good += Number(row[keyCount])
      g.defect += Number(row[keyCount + 1])
      g.cnt += Number(row[keyCount + 2])
      const latestKey = row[keyCount + 3]
      if (latestKey != null && Number(latestKey) > g.latestKey) {
        g.latestKey = Number(latestKey)
        g.latestName = String(row[keyCount + 4])
      }
    }
  }
  return groups
}

/** Each distinct value's rank in code point order: sorting then compares numbers, not strings. */
const ranks = (values: Iterable<string>): Map<string, number> =>
  new Map([...new Set(values)].sort(compareText).map((v, i) => [v, i]))

const byFirstKey = (groups: Array<Group>): Array<Group> => {
  const rank = ranks(groups.map((g) => g.first))
  return groups.sort((a, b) => rank.get(a.first)! - rank.get(b.first)!)
}

/** The name on each item's latest record among all groups of the response (the contract's `item_name` rule). */
const latestNames = (groups: ReadonlyArray<Group>): Map<string, string> => {
  const best = new Map<string, Group>()
  for (const g of groups) {
    const seen = best.get(g.second)
    if (seen === undefined || g.latestKey > seen.latestKey) best.set(g.second, g)
  }
  return new Map([...best].map(([item, g]) => [item, g.latestName]))
}

/** Merges the files' partial summaries into the contract's rows and order. */
export const mergeSummary = (q: SummaryQuery, parts: ReadonlyArray<Rows>) => {
  switch (q._tag) {
    case "summary_daily":
      return byFirstKey(mergeGroups(parts, 1)).map((g) => ({ date: g.first, ...totals(g) }))
    case "summary_monthly":
      return byFirstKey(mergeGroups(parts, 1)).map((g) => ({ month: g.first, ...totals(g) }))
    case "summary_by_line":
      return byFirstKey(mergeGroups(parts, 1)).map((g) => ({ line_code: g.first, ...totals(g) }))
    case "summary_by_item": {
      const groups = mergeGroups(parts, 1)
      const rank = ranks(groups.map((g) => g.first))
      const rows = groups
        .sort((a, b) => b.good - a.good || rank.get(a.first)! - rank.get(b.first)!)
        .map((g) => ({ item_code: g.first, item_name: g.latestName, ...totals(g) }))
      return q.limit === undefined ? rows : rows.slice(0, q.limit)
    }
    case "summary_monthly_by_item": {
      const groups = mergeGroups(parts, 2)
      const months = ranks(groups.map((g) => g.first))
      const items = ranks(groups.map((g) => g.second))
      groups.sort((a, b) => months.get(a.first)! - months.get(b.first)! || items.get(a.second)! - items.get(b.second)!)
      const names = latestNames(groups)
      return groups.map((g) => ({ month: g.first, item_code: g.second, item_name: names.get(g.second)!, ...totals(g) }))
    }
  }
}
