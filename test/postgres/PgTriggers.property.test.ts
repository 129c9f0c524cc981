import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import * as fc from "effect/FastCheck"
import type pg from "pg"
import { from as copyFrom } from "pg-copy-streams"
import { pipeline } from "node:stream/promises"
import { Readable } from "node:stream"
import { inject } from "vitest"
import { TestDatabase } from "../support/PgCluster.js"
import {
  PG_CUMULATIVES,
  PG_ROLLUPS,
  allRecords,
  cumulativeRows,
  dimensionRows,
  migratedPgLayer,
  pgConnection,
  rawConnection,
  referenceCumulative,
  referenceDimensions,
  referenceRollup,
  rollupRows
} from "./PgKit.js"

// Dates around a year end and the cutover, so updates move records across partitions and sources; a leap day
// and month ends and starts, for the month-to-date and year-to-date tables.
const DATES = [
  "2024-02-10",
  "2024-02-29",
  "2024-12-31",
  "2025-01-01",
  "2025-06-01",
  "2025-06-15",
  "2025-06-30",
  "2025-12-31",
  "2026-01-01",
  "2026-01-02",
  "2027-03-01"
]

const record = fc.record({
  production_date: fc.constantFrom(...DATES),
  item_code: fc.constantFrom("A", "B", "C"),
  item_name: fc.constantFrom("Bolt", "Bolt rev2", "Ñut"),
  lot_number: fc.constantFrom("ABC1", "L2026-01-01-0001"),
  line_code: fc.constantFrom("L1", "L2"),
  good_quantity: fc.integer({ min: 0, max: 1000 }),
  defect_quantity: fc.integer({ min: 0, max: 20 })
})
type Rec = typeof record extends fc.Arbitrary<infer R> ? R : never

/** Which records an UPDATE or DELETE touches: ids in a residue class (a few, many, or all). */
const selector = fc.record({ modulo: fc.integer({ min: 1, max: 4 }), rest: fc.integer({ min: 0, max: 3 }) })

const SETS = [
  "good_quantity = good_quantity + 7, defect_quantity = 0",
  "item_name = 'Bolt rev3'",
  "line_code = 'L3', item_code = 'B'",
  // Across a year end and the cutover: a record changes partition and source.
  "production_date = production_date - 365",
  "production_date = DATE '2026-01-02'"
] as const

const op = fc.oneof(
  fc.record({ _tag: fc.constant("insert" as const), rows: fc.array(record, { minLength: 1, maxLength: 12 }) }),
  fc.record({ _tag: fc.constant("copy" as const), rows: fc.array(record, { minLength: 1, maxLength: 12 }) }),
  fc.record({ _tag: fc.constant("update" as const), where: selector, set: fc.constantFrom(...SETS) }),
  fc.record({ _tag: fc.constant("delete" as const), where: selector }),
  // A writer may name a partition: its own statement triggers keep the derived tables.
  fc.record({
    _tag: fc.constant("updatePartition" as const),
    year: fc.constantFrom(2024, 2025, 2026),
    where: selector
  }),
  fc.record({
    _tag: fc.constant("deletePartition" as const),
    year: fc.constantFrom(2024, 2025, 2026),
    where: selector
  }),
  // An item's latest record: the month-to-date and year-to-date rows after it fall back to the one before.
  fc.record({ _tag: fc.constant("deleteLatest" as const), item: fc.constantFrom("A", "B", "C") })
)

const COLUMNS = "production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity"

const copyRows = (client: pg.Client, rows: ReadonlyArray<Rec>) =>
  Effect.promise(() =>
    pipeline(
      Readable.from(rows.map((r) => `${Object.values(r).join("\t")}\n`)),
      client.query(copyFrom(`COPY production_records (${COLUMNS}) FROM STDIN`))
    )
  )

const whereOf = (w: { modulo: number; rest: number }) => `id % ${w.modulo} = ${w.rest % w.modulo}`

/** Every derived table equals the plain aggregation of the records as they are now. */
const expectDerivedExact = Effect.gen(function* () {
  const records = yield* allRecords
  for (const r of PG_ROLLUPS) expect(yield* rollupRows(r), r.table).toEqual(referenceRollup(r, records))
  for (const c of PG_CUMULATIVES) expect(yield* cumulativeRows(c), c.table).toEqual(referenceCumulative(c, records))
  expect(yield* dimensionRows).toEqual(referenceDimensions(records))
  for (const rec of records) expect(rec.source).toBe(rec.production_date >= "2026-01-01" ? "live" : "archive")
})

describe("the statement triggers keep every derived table exact", () => {
  // The live clock: a test polls for a writer to be blocked.
  layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 300_000, excludeTestServices: true })((it) => {
    it.effect.prop(
      "after each INSERT, COPY, UPDATE (across years and the cutover) and DELETE, on the table or a partition, rollups = GROUP BY of the records, month- and year-to-date = running sums",
      { ops: fc.array(op, { minLength: 1, maxLength: 8 }) },
      ({ ops }) =>
        Effect.scoped(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const client = yield* rawConnection
            yield* sql`TRUNCATE production_records`
            yield* expectDerivedExact
            for (const o of ops) {
              switch (o._tag) {
                case "insert": {
                  const values = o.rows.map(
                    (r) =>
                      `(${Object.values(r)
                        .map((v) => `'${v}'`)
                        .join(", ")})`
                  )
                  yield* sql.unsafe(`INSERT INTO production_records (${COLUMNS}) VALUES ${values.join(", ")}`)
                  break
                }
                case "copy":
                  yield* copyRows(client, o.rows)
                  break
                case "update":
                  yield* sql.unsafe(`UPDATE production_records SET ${o.set} WHERE ${whereOf(o.where)}`)
                  break
                case "delete":
                  yield* sql.unsafe(`DELETE FROM production_records WHERE ${whereOf(o.where)}`)
                  break
                case "updatePartition":
                  yield* sql.unsafe(
                    `UPDATE production_records_${o.year} SET good_quantity = good_quantity + 3, item_name = 'Bolt rev4'
                    WHERE ${whereOf(o.where)}`
                  )
                  break
                case "deletePartition":
                  yield* sql.unsafe(`DELETE FROM production_records_${o.year} WHERE ${whereOf(o.where)}`)
                  break
                case "deleteLatest":
                  yield* sql`DELETE FROM production_records WHERE (production_date, id) = (SELECT production_date, id
                    FROM production_records WHERE item_code = ${o.item} ORDER BY production_date DESC, id DESC LIMIT 1)`
              }
              yield* expectDerivedExact
            }
          })
        ),
      { fastCheck: { numRuns: 30 } }
    )

    it.effect(
      "two writers at once on one item's year (other months, names and lines): the second waits for the first's commit, both counted",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const { url } = yield* TestDatabase
            const first = yield* pgConnection(url)
            const second = yield* pgConnection(url)
            yield* sql`TRUNCATE production_records`
            const insert = (client: pg.Client, date: string, name: string, line: string) =>
              Effect.promise(() =>
                client.query(`INSERT INTO production_records (${COLUMNS}) VALUES ($1, 'A', $2, 'ABC1', $3, 5, 1)`, [
                  date,
                  name,
                  line
                ])
              )
            yield* Effect.promise(() => first.query("BEGIN"))
            yield* insert(first, "2025-01-05", "Bolt", "L1")
            const secondInsert = yield* Effect.fork(insert(second, "2025-03-05", "Ñut", "L2"))
            yield* sql<{ waiting: boolean }>`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity
              WHERE query LIKE 'INSERT INTO production_records%' AND state = 'active' AND pid <> pg_backend_pid()`.pipe(
              Effect.filterOrFail((rows) => rows.some((r) => r.waiting)),
              Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("20 seconds")))
            )
            yield* Effect.promise(() => first.query("COMMIT"))
            yield* Fiber.join(secondInsert)
            yield* expectDerivedExact
          })
        )
    )

    it.effect("TRUNCATE empties them", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)
          VALUES ('2026-01-05', 'A', 'Bolt', 'ABC1', 'L1', 3)`
        yield* sql`TRUNCATE production_records`
        for (const r of PG_ROLLUPS) expect(yield* rollupRows(r)).toEqual([])
        for (const c of PG_CUMULATIVES) expect(yield* cumulativeRows(c)).toEqual([])
        expect(yield* dimensionRows).toEqual({ items: [], lines: [] })
      })
    )
  })
})
