import type { DateWindow } from "../../../../domain/DateWindow.js"
import { CUM_ITEM_BY_ITEM_SQL, CUM_ITEM_TABLE } from "../../migration/DenseTotals.js"
import { rollupFor } from "../../migration/Rollups.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import type { PreludeStatement, SqlValue } from "../../pool/ReadPool.js"
import type { SummaryMonthlyByItemQuery } from "../../../../query/Query.js"
import type { SqlStatement } from "./RecordsSql.js"
import { joinedRowsSql } from "./JoinedRows.js"
import { NO_RANGE, daysIn, edgeRanges, scansDays } from "./DayRanges.js"
import { itemsMadeOnLine } from "./RunningBranch.js"
import { splitWindow } from "../../../../domain/WindowSplit.js"

/**
 * `/summary/monthly-by-item` for one file's part, written as the response's JSON by SQLite: a few thousand rows
 * never become JavaScript values, in the worker or on the main thread (moving, merging and writing them there
 * cost more than the statements themselves). It works because the cutover is a month boundary in the usual
 * configuration, so the files' parts hold different months and their texts only need joining; the engine falls
 * back to the row merge when a month is split between the files.
 *
 * The loop is driven by the part's items (a few hundred), each carrying its answer's JSON prefix (code and name
 * quoted once per item, not once per row): its whole months are a primary-key range of the monthly rollup, its
 * ragged edge months come from running totals. The rows are sorted by (month, item_code) once, SQLite's BINARY
 * order being the contract's code point order. Queries for one item take the row merge instead (a row a month).
 */

interface Fragment {
  readonly sql: string
  readonly params: ReadonlyArray<SqlValue>
}

/** Where a part's items, their latest names and their edge-month sums come from. */
interface Source {
  /** `(item_code, last_name)` of each item with records in the window (on the line, if one is named). */
  readonly names: (window: DateWindow) => Fragment
  /** `(month, item_code, prefix, good, defect, cnt)` over one day range within a month, driven by `names AS n`. */
  readonly edges: (range: DateWindow | undefined) => ReadonlyArray<Fragment>
  readonly monthTable: string
  /** `AND alias.line_code = ?` where the query names a line, else nothing. */
  readonly line: (alias: string) => Fragment
}

const NOTHING: Fragment = { sql: "", params: [] }

const rangeOf = (r: DateWindow | undefined) => (r === undefined ? NO_RANGE : ([r.from, r.to] as const))

/**
 * Over all lines: the dense running totals by item (schema v9). A range's sums and its items' latest names are
 * the rows of its last day minus those of the day before it: two runs of the primary key, not seeks per item.
 */
const denseSource = (): Source => {
  const T = CUM_ITEM_TABLE
  const dayOn = (cmp: "<=" | "<") => `(SELECT max(period) FROM ${T} WHERE period ${cmp} ?)`
  return {
    // By item over the window, as the by-item summary reads it: its items and their latest names.
    names: (w) => ({ sql: `SELECT item_code, last_name FROM (${CUM_ITEM_BY_ITEM_SQL})`, params: [w.from, w.to] }),
    edges: (r) => {
      const [from, to] = rangeOf(r)
      return [
        {
          sql: `SELECT ?, n.item_code, n.prefix, ${diffs}
  FROM names AS n CROSS JOIN ${T} AS a ON a.period = ${dayOn("<=")} AND a.item_code = n.item_code
  LEFT JOIN ${T} AS b ON b.period = ${dayOn("<")} AND b.item_code = n.item_code
  WHERE ? <= ? AND a.cum_cnt - coalesce(b.cum_cnt, 0) > 0`,
          params: [from.slice(0, 7), to, from, from, to]
        }
      ]
    },
    monthTable: rollupFor("month", ["item_code"]).table,
    line: () => NOTHING
  }
}

const diffs = ["cum_good", "cum_defect", "cum_cnt"].map((c) => `a.${c} - coalesce(b.${c}, 0)`).join(", ")

/**
 * For one line: the item-and-line rollups, keyed by item first. Each item's latest name is its row at its last
 * day in the window; an edge range is summed from its day rows (a few days) or from two running-total seeks.
 */
const keyedSource = (lineCode: string): Source => {
  const day = rollupFor("day", ["item_code", "line_code"]).table
  const line = (alias: string): Fragment => ({ sql: ` AND ${alias}.line_code = ?`, params: [lineCode] })
  const monthTable = rollupFor("month", ["item_code", "line_code"]).table
  // The items made on the line in the window's months, not every item of the file.
  const items = (w: DateWindow): Fragment => itemsMadeOnLine(lineCode, [w.from, w.to])
  /** `alias` at the item's last day `cmp` bound (a key seek after a max seek). */
  const lastDay = (alias: string, outer: string, cmp: "<=" | "<", bound: string, floor?: string): Fragment => {
    const [row, sub] = [line(alias), line("x")]
    const range = floor === undefined ? `x.period ${cmp} ?` : "x.period BETWEEN ? AND ?"
    return {
      sql: `${alias}.item_code = ${outer}.item_code${row.sql} AND ${alias}.period = (SELECT max(period) FROM ${day} AS x
    WHERE x.item_code = ${outer}.item_code${sub.sql} AND ${range})`,
      params: [...row.params, ...sub.params, ...(floor === undefined ? [] : [floor]), bound]
    }
  }
  const scan = (range: readonly [string, string]): Fragment => {
    const l = line("d")
    return {
      sql: `SELECT substr(d.period, 1, 7), n.item_code, n.prefix, sum(d.good), sum(d.defect), sum(d.cnt)
  FROM names AS n CROSS JOIN ${day} AS d ON d.item_code = n.item_code${l.sql} AND d.period BETWEEN ? AND ?
  WHERE ? <= ? GROUP BY n.item_code`,
      params: [...l.params, range[0], range[1], range[0], range[1]]
    }
  }
  // The total at the item's last day <= to minus the total at its last day < from. Where the difference counts
  // records, the later row lies in the range, so in its month.
  const running = (range: readonly [string, string]): Fragment => {
    const [a, b] = [lastDay("a", "n", "<=", range[1]), lastDay("b", "n", "<", range[0])]
    return {
      sql: `SELECT substr(a.period, 1, 7), n.item_code, n.prefix, ${diffs}
  FROM names AS n CROSS JOIN ${day} AS a ON ${a.sql} LEFT JOIN ${day} AS b ON ${b.sql}
  WHERE ? <= ? AND a.cum_cnt - coalesce(b.cum_cnt, 0) > 0`,
      params: [...a.params, ...b.params, range[0], range[1]]
    }
  }
  return {
    names: (w) => {
      const r = lastDay("r", "g", "<=", w.to, w.from)
      const g = items(w)
      return {
        sql: `SELECT g.item_code, r.last_name FROM (${g.sql}) AS g JOIN ${day} AS r ON ${r.sql}`,
        params: [...g.params, ...r.params]
      }
    },
    // Both ways are in the text and the unused one gets an empty range: one SQL text per shape.
    edges: (r) => {
      const scans = r !== undefined && scansDays(daysIn(r))
      return [scan(scans ? rangeOf(r) : NO_RANGE), running(scans ? NO_RANGE : rangeOf(r))]
    },
    monthTable,
    line
  }
}

const sourceOf = (q: SummaryMonthlyByItemQuery): Source => {
  // One item's few rows are merged as rows (OptimizedEngine): no round trip for its name first.
  if (q.item_code !== undefined) throw new Error("monthly by item as text answers queries without an item filter")
  return q.line_code === undefined ? denseSource() : keyedSource(q.line_code)
}

/**
 * `(item_code, prefix)` of a part's items, `prefix` the JSON between a row's month and its quantities (code and
 * name quoted once per item). With `given`: an item's name is the given one if any (pri 0), else its own; only
 * items with records here (pri 1) count. One sort of both lists, no lookup per item (SQLite would scan the given
 * list for each); without, the part's own names as they are (the latest part, which has no names to merge).
 */
const namesWithPrefix = (own: Fragment, given: string | undefined): Fragment => {
  const prefix = (name: string) =>
    `',"item_code":' || json_quote(item_code) || ',"item_name":' || json_quote(${name}) || ',"good_quantity":'`
  if (given === undefined)
    return { sql: `SELECT item_code, ${prefix("last_name")} FROM (${own.sql})`, params: own.params }
  return {
    sql: `SELECT item_code, ${prefix("name")}
  FROM (SELECT item_code, min(pri), name FROM (
      SELECT value ->> 0 AS item_code, value ->> 1 AS name, 0 AS pri FROM json_each(?)
      UNION ALL SELECT item_code, last_name, 1 FROM (${own.sql}))
    GROUP BY item_code HAVING sum(pri) = 1)`,
    params: [given, ...own.params]
  }
}

/** The latest names of a part's items as a JSON array of `[item_code, item_name]`. */
export const latestNamesJsonSql = (q: SummaryMonthlyByItemQuery, window: DateWindow): SqlStatement => {
  const names = sourceOf(q).names(window)
  return { sql: `SELECT json_group_array(json_array(item_code, last_name)) FROM (${names.sql})`, params: names.params }
}

/**
 * One file's part as the text of its JSON rows (comma-joined, no brackets) and their count: one row
 * `[text, count]`. `given`, for an earlier part, is a JSON array of `[item_code, item_name]` from the latest
 * part, whose names win (an item's latest record is in the latest part that has it), bound as the first
 * parameter; the latest part names its items itself.
 */
export const monthlyByItemTextSql = (
  q: SummaryMonthlyByItemQuery,
  window: DateWindow,
  given?: string
): SqlStatement => {
  const source = sourceOf(q)
  const names = namesWithPrefix(source.names(window), given)
  const split = splitWindow(window)
  const months = split.months === undefined ? NO_RANGE : ([split.months.from, split.months.to] as const)
  const monthLine = source.line("m")
  const edges = edgeRanges(window)
  if (edges.length > 2) throw new Error(`expected at most 2 edge ranges, got ${edges.length}`)
  const parts: ReadonlyArray<Fragment> = [
    { sql: `WITH names(item_code, prefix) AS MATERIALIZED (${names.sql}),`, params: names.params },
    {
      sql: `rows(month, item_code, prefix, good, defect, cnt) AS (
  SELECT m.period, n.item_code, n.prefix, m.good, m.defect, m.cnt
  FROM names AS n CROSS JOIN ${source.monthTable} AS m ON m.item_code = n.item_code${monthLine.sql} AND m.period BETWEEN ? AND ?
  WHERE ? <= ?`,
      params: [...monthLine.params, months[0], months[1], months[0], months[1]]
    },
    // Two edge slots (head and tail), whatever the window: one SQL text per shape.
    ...[edges[0], edges[1]]
      .flatMap((r) => source.edges(r))
      .map((f) => ({ sql: `UNION ALL ${f.sql}`, params: f.params })),
    {
      sql: `)
${joinedRowsSql(
  `printf('{"month":%s%s%d,"defect_quantity":%d,"record_count":%d}', json_quote(month), prefix, good, defect, cnt)`,
  "rows",
  "month, item_code"
)}`,
      params: []
    }
  ]
  return { sql: parts.map((p) => p.sql).join("\n"), params: parts.flatMap((p) => p.params) }
}

/**
 * The earlier part's text given the latest part's names, read by a prelude on the latest part's file in the same
 * worker (`ReadRequest.prelude`, whose value is bound as the first parameter: `given`'s place). The names are
 * what the earlier part waits for; fetching them through the main thread cost a round trip between the two.
 */
export const earlierMonthlyByItemTextSql = (
  q: SummaryMonthlyByItemQuery,
  window: DateWindow,
  latest: { readonly file: DbFile; readonly window: DateWindow }
): SqlStatement & { readonly prelude: PreludeStatement } => {
  const { sql, params } = monthlyByItemTextSql(q, window, "[]")
  return { sql, params: params.slice(1), prelude: { file: latest.file, ...latestNamesJsonSql(q, latest.window) } }
}
