import { compareText } from "../../domain/TextOrder.js"
import type { SqlValue } from "../../pool/ReadPool.js"
import type { SummaryQuery } from "../Query.js"
import type { Totals } from "../QueryResults.js"

/** One group merged over the files: its key values, exact sums and (where tracked) its latest record's name. */
interface Group {
  readonly keys: ReadonlyArray<string>
  good: number
  defect: number
  cnt: number
  /** The latest record's `last_key` (day number * 1e10 + id), -1 when the group tracks none. */
  latestKey: number
  latestName: string
}

const totals = (g: Group): Totals => ({ good_quantity: g.good, defect_quantity: g.defect, record_count: g.cnt })

/** Adds up per-file rows `[...keys, good, defect, cnt, (latest_key, last_name)]` group by group. */
const mergeGroups = (parts: ReadonlyArray<ReadonlyArray<ReadonlyArray<SqlValue>>>, keyCount: number) => {
  const groups = new Map<string, Group>()
  for (const rows of parts) {
    for (const row of rows) {
      const keys = row.slice(0, keyCount).map(String)
      const id = keys.join("\u0000")
      const [good, defect, cnt, latestKey, latestName] = row.slice(keyCount)
      const g = groups.get(id) ?? { keys, good: 0, defect: 0, cnt: 0, latestKey: -1, latestName: "" }
      g.good += Number(good)
      g.defect += Number(defect)
      g.cnt += Number(cnt)
      if (latestKey != null && Number(latestKey) > g.latestKey) {
        g.latestKey = Number(latestKey)
        g.latestName = String(latestName)
      }
      groups.set(id, g)
    }
  }
  return [...groups.values()]
}

const byKeys = (a: Group, b: Group): number => {
  for (let i = 0; i < a.keys.length; i++) {
    const d = compareText(a.keys[i]!, b.keys[i]!)
    if (d !== 0) return d
  }
  return 0
}

/** The name on each item's latest record among all groups of the response (the contract's `item_name` rule). */
const latestNames = (groups: ReadonlyArray<Group>, itemKeyIndex: number): Map<string, string> => {
  const best = new Map<string, { key: number; name: string }>()
  for (const g of groups) {
    const item = g.keys[itemKeyIndex]!
    const seen = best.get(item)
    if (seen === undefined || g.latestKey > seen.key) best.set(item, { key: g.latestKey, name: g.latestName })
  }
  return new Map([...best].map(([item, v]) => [item, v.name]))
}

/** Merges the files' partial summaries into the contract's rows and order. */
export const mergeSummary = (q: SummaryQuery, parts: ReadonlyArray<ReadonlyArray<ReadonlyArray<SqlValue>>>) => {
  switch (q._tag) {
    case "summary_daily":
      return mergeGroups(parts, 1)
        .sort(byKeys)
        .map((g) => ({ date: g.keys[0]!, ...totals(g) }))
    case "summary_monthly":
      return mergeGroups(parts, 1)
        .sort(byKeys)
        .map((g) => ({ month: g.keys[0]!, ...totals(g) }))
    case "summary_by_line":
      return mergeGroups(parts, 1)
        .sort(byKeys)
        .map((g) => ({ line_code: g.keys[0]!, ...totals(g) }))
    case "summary_by_item": {
      const rows = mergeGroups(parts, 1)
        .sort((a, b) => b.good - a.good || byKeys(a, b))
        .map((g) => ({ item_code: g.keys[0]!, item_name: g.latestName, ...totals(g) }))
      return q.limit === undefined ? rows : rows.slice(0, q.limit)
    }
    case "summary_monthly_by_item": {
      const groups = mergeGroups(parts, 2).sort(byKeys)
      const names = latestNames(groups, 1)
      return groups.map((g) => ({
        month: g.keys[0]!,
        item_code: g.keys[1]!,
        item_name: names.get(g.keys[1]!)!,
        ...totals(g)
      }))
    }
  }
}
