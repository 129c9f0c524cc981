import type Database from "better-sqlite3"
import type { DateWindow } from "../../src/domain/DateWindow.js"
import type { RecordFilters } from "../../src/query/Query.js"
import { type LotPlan, recordTextsSql } from "../../src/backends/sqlite/engine/optimized/RecordsSql.js"

/**
 * The ids of every record a window's `/records` statements return on one file, page after page of `limit`, each
 * page after the previous one's last (date, id): what the engine's keyset paging reads.
 */
export const keysetPageIds = (
  db: Database.Database,
  window: DateWindow,
  filters: RecordFilters,
  limit: number,
  plan?: LotPlan
): Array<number> => {
  const ids: Array<number> = []
  let after: { production_date: string; id: number } | undefined
  for (;;) {
    const st = recordTextsSql(window, filters, after, limit, "ndjson", "live", plan)
    const rows = db
      .prepare(st.sql)
      .raw(true)
      .all(...st.params) as Array<[string, string, number]>
    ids.push(...rows.map((r) => r[2]))
    if (rows.length < limit) return ids
    const last = rows[rows.length - 1]!
    after = { production_date: last[1], id: last[2] }
  }
}
