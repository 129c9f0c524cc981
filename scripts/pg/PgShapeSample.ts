/**
 * Sample values for the PostgreSQL engine's statement shapes, taken from a database's own data, and the shapes
 * with them: what `npm run analyze-indexes -- --postgres URL` and `scripts/pg-engine-timing.ts --explain` plan.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { pgRecordShapes } from "../../src/backends/postgres/engine/PgRecordShapes.js"
import type { PgShape } from "../../src/backends/postgres/engine/PgStatement.js"
import { pgSummaryShapes } from "../../src/backends/postgres/engine/PgSummaryShapes.js"
import { addDays, type IsoDate } from "../../src/domain/IsoDate.js"

/** The latest date, a record of that day (its item, line, lot prefix, id) and a word of its item's name. */
export const pgShapeSample = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [latest] = yield* sql<{ d: string | null }>`
    SELECT to_char(max(production_date), 'YYYY-MM-DD') AS d FROM production_records`
  if (latest?.d == null) return yield* Effect.fail(new Error("production_records is empty: nothing to sample"))
  const today = latest.d as IsoDate
  const rows = yield* sql<{ item_code: string; item_name: string; line_code: string; lot_number: string; id: string }>`
    SELECT item_code, item_name, line_code, lot_number, id::text FROM production_records
    WHERE production_date = ${today}::date ORDER BY id DESC LIMIT 51`
  // The 51st newest of the day when there are that many: a page's `after` with older rows of the day behind it.
  const row = rows[Math.min(50, rows.length - 1)]!
  const word = row.item_name.split(/\s+/).find((w) => w.length >= 3) ?? row.item_name
  return { today, ...row, lot_prefix: row.lot_number.slice(0, 6), q: word.toLowerCase().slice(0, 6) }
})

export type PgShapeSample = Effect.Effect.Success<typeof pgShapeSample>

/** The items whose name contains `q` by the database's fold (sample parameters only: the engine folds exactly). */
const matchingPairs = (q: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ item_code: string; item_name: string }>`
        SELECT item_code, item_name FROM items WHERE item_name_folded LIKE '%' || fold_case(${q}) || '%'`,
      (rows) => ({ codes: rows.map((r) => r.item_code), names: rows.map((r) => r.item_name) })
    )
  )

/** Every statement shape the PostgreSQL engine sends, with the sample's values where a shape reads records. */
export const pgEngineShapes = (s: PgShapeSample): Effect.Effect<ReadonlyArray<PgShape>, unknown, SqlClient.SqlClient> =>
  Effect.map(matchingPairs(s.q), (pairs) => [
    ...pgRecordShapes({
      window: { from: addDays(s.today, -6), to: s.today },
      item_code: s.item_code,
      item_name: s.item_name,
      pairs,
      line_code: s.line_code,
      lot_prefix: s.lot_prefix,
      q: s.q,
      after: { production_date: s.today, source: "live", id: Number(s.id) }
    }),
    ...pgSummaryShapes()
  ])
