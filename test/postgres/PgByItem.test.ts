import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { makePgSummaries } from "../../src/backends/postgres/engine/PgSummaries.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { SummaryByItemQuery } from "../../src/query/Query.js"
import { migratedPgLayer } from "./PgKit.js"

const byItem = (from: string, to: string, line_code?: string) =>
  Effect.flatMap(makePgSummaries, (run) =>
    run(new SummaryByItemQuery({ window: { from: from as IsoDate, to: to as IsoDate }, line_code, limit: undefined }))
  )

describe("PostgreSQL by-item from the month- and year-to-date totals", () => {
  layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 60_000 })((it) => {
    it.effect(
      "the name is the latest counted record's by (date, id), negative ids (imported SQLite rowids) included; items without records in the window are left out",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO production_records (id, production_date, item_code, item_name, lot_number, line_code, good_quantity)
          VALUES (-7, '2025-03-01', 'A', 'minus seven', 'ABC1', 'L1', 1), (-1, '2025-03-01', 'A', 'minus one', 'ABC1', 'L1', 2),
            (-9000000000000000000, '2025-03-02', 'B', 'far negative, later day', 'ABC1', 'L2', 3),
            (5, '2025-03-01', 'B', 'five, earlier day', 'ABC1', 'L2', 4)`
          const rows = yield* byItem("2025-01-01", "2025-12-31")
          expect(rows.rows).toEqual([
            {
              item_code: "B",
              item_name: "far negative, later day",
              good_quantity: 7,
              defect_quantity: 0,
              record_count: 2
            },
            { item_code: "A", item_name: "minus one", good_quantity: 3, defect_quantity: 0, record_count: 2 }
          ])
          // A window after the records counts none: the items are left out, not listed with zeros.
          expect((yield* byItem("2025-03-03", "2026-02-01")).rows).toEqual([])
          expect((yield* byItem("2025-03-01", "2025-03-01", "L1")).rows).toEqual([
            { item_code: "A", item_name: "minus one", good_quantity: 3, defect_quantity: 0, record_count: 2 }
          ])
        })
    )
  })
})
