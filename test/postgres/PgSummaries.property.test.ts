import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import Database from "better-sqlite3"
import { Context, Effect, FastCheck as fc, Layer } from "effect"
import * as fs from "node:fs"
import { afterAll, inject } from "vitest"
import { makePgSummaries } from "../../src/backends/postgres/engine/PgSummaries.js"
import { pgSummaryShapes } from "../../src/backends/postgres/engine/PgSummaryShapes.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { serializeResult } from "../../src/http/ResponseBody.js"
import type { SummaryQuery } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import {
  CUTOVER,
  FIRST_DATE,
  ITEM_NAMES,
  LAST_DATE,
  LINES,
  fixtureTargets,
  makeEngineFixture
} from "../query/engineFixture.js"
import { summaryQueryArbs } from "../query/summaryArbs.js"
import { TestDatabase, testPgLayer } from "../support/PgCluster.js"
import { importFiles, rawConnection } from "./PgKit.js"

const fixture = makeEngineFixture("pg-summaries")
afterAll(() => fs.rmSync(fixture.dir, { recursive: true, force: true }))

/** Records around a leap day and a year end, far before the fixture's own, in the archive file. */
const LEAP_DATES = ["2024-02-28", "2024-02-29", "2024-03-01", "2024-12-31", "2025-01-01"] as const
const addLeapRecords = () => {
  const db = new Database(fixture.archivePath)
  const insert = db.prepare(
    `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
     VALUES (?, ?, ?, ?, ?, ?, ?)`
  )
  LEAP_DATES.forEach((d, i) => {
    insert.run(d, fixture.itemCodes[i]!, `Leap ${d}`, "LEAP1", LINES[i % LINES.length]!, 100 + i, i)
    insert.run(d, fixture.itemCodes[0]!, ITEM_NAMES[i]!, "LEAP2", LINES[0]!, 7, 1)
  })
  db.close()
}

class Engines extends Context.Tag("PgSummaries/Engines")<
  Engines,
  {
    readonly pg: (q: SummaryQuery) => Effect.Effect<unknown, unknown>
    readonly reference: QueryEngine["Type"]
  }
>() {}

/** The fixture imported into the test database with the real import; the reference engine over the files. */
const EnginesLive = Layer.scoped(
  Engines,
  Effect.gen(function* () {
    addLeapRecords()
    const db = yield* TestDatabase
    yield* importFiles(db.url, { live: fixture.livePath, archive: fixture.archivePath })
    const pg = yield* makePgSummaries
    const reference = yield* Effect.map(Layer.build(ReferenceEngineLive), Context.get(QueryEngine))
    return { pg, reference }
  })
).pipe(Layer.provide(fixtureTargets(fixture)), Layer.provideMerge(testPgLayer(inject("pgAdminUrl"))), Layer.orDie)

// Dates around the data, the cutover, month and year ends and the leap day.
const dateArb: fc.Arbitrary<IsoDate> = fc.oneof(
  fc.integer({ min: -20, max: 260 }).map((n) => addDays(FIRST_DATE, n)),
  fc.integer({ min: -40, max: 40 }).map((n) => addDays(CUTOVER, n)),
  fc.integer({ min: -3, max: 3 }).map((n) => addDays("2024-02-29" as IsoDate, n)),
  fc.constantFrom(
    "2024-01-01",
    "2024-12-31",
    "2025-10-31",
    "2025-11-01",
    "2025-12-31",
    "2026-02-28",
    "2026-03-01",
    LAST_DATE
  ) as fc.Arbitrary<IsoDate>
)
const windowArb = fc.oneof(
  fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
  dateArb.map((d) => ({ from: d, to: d })),
  // Whole months, from one to many.
  fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 })).map(([start, months]) => {
    const first = new Date(Date.UTC(2024, start, 1))
    const end = new Date(Date.UTC(2024, start + months, 0))
    return { from: first.toISOString().slice(0, 10) as IsoDate, to: end.toISOString().slice(0, 10) as IsoDate }
  }),
  // Inside one month, from its first day or not (month-to-date lookups, with and without one subtracted).
  fc
    .tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 30 }))
    .map(([month, day, length]) => {
      const from = new Date(Date.UTC(2024, month, day))
      const to = new Date(Math.min(from.getTime() + length * 86_400_000, Date.UTC(2024, month + 1, 0)))
      return { from: from.toISOString().slice(0, 10) as IsoDate, to: to.toISOString().slice(0, 10) as IsoDate }
    })
)
const itemArb = fc.constantFrom(...fixture.itemCodes, "NOPE", "")
const lineArb = fc.constantFrom(...LINES, "")
const limitArb = fc.integer({ min: 1, max: 20 })

const summaryArb: fc.Arbitrary<SummaryQuery> = fc.oneof(
  ...summaryQueryArbs({ window: windowArb, item: itemArb, line: lineArb, limit: limitArb })
)

/** The same JSON body, byte for byte, as the HTTP layer writes it. */
const answersAsReference = (query: SummaryQuery) =>
  Effect.gen(function* () {
    const { pg, reference } = yield* Engines
    const [got, want] = yield* Effect.all([pg(query), reference.run(query)])
    expect(serializeResult(query, got as never).toString()).toEqual(serializeResult(query, want).toString())
  })

/** A change made outside the service: by a second PostgreSQL connection and, the same, in the file serving it. */
const insertArb = fc.record({
  _tag: fc.constant("insert" as const),
  date: dateArb,
  item: fc.constantFrom(...fixture.itemCodes),
  // With what JSON escapes (quote, backslash, control characters) and what it does not (DEL, non-BMP).
  name: fc.constantFrom("Renamed Bolt", 'Odd "Bolt" \\ C:\\tmp\t\n\r\b\f\u0001\u001f\u007f 𝄞 🚀', ...ITEM_NAMES),
  line: fc.constantFrom(...LINES),
  good: fc.integer({ min: 0, max: 900 }),
  defect: fc.integer({ min: 0, max: 9 })
})
const whereArb = fc.record({
  modulo: fc.integer({ min: 2, max: 7 }),
  rest: fc.integer({ min: 0, max: 6 }),
  window: windowArb
})
const changeArb = fc.oneof(
  insertArb,
  fc.record({
    _tag: fc.constant("update" as const),
    where: whereArb,
    set: fc.constantFrom(
      "good_quantity = good_quantity + 11, defect_quantity = 0",
      "item_name = 'Renamed ' || item_code",
      "line_code = 'L02'",
      "item_code = 'IT-001'"
    )
  }),
  fc.record({ _tag: fc.constant("delete" as const), where: whereArb })
)
type Change = typeof changeArb extends fc.Arbitrary<infer C> ? C : never

const whereSql = (w: Extract<Change, { where: unknown }>["where"]) =>
  `id % ${w.modulo} = ${w.rest % w.modulo} AND production_date BETWEEN '${w.window.from}' AND '${w.window.to}'`

const applyChange = (change: Change) =>
  Effect.scoped(
    Effect.gen(function* () {
      const client = yield* rawConnection
      const files = [fixture.livePath, fixture.archivePath]
      if (change._tag === "insert") {
        const values = [change.date, change.item, change.name, "OUT1", change.line, change.good, change.defect]
        const db = new Database(change.date >= CUTOVER ? fixture.livePath : fixture.archivePath)
        const { lastInsertRowid } = db
          .prepare(
            `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
             VALUES (?, ?, ?, ?, ?, ?, ?)`
          )
          .run(...values)
        db.close()
        yield* Effect.promise(() =>
          client.query(
            `INSERT INTO production_records (id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [Number(lastInsertRowid), ...values]
          )
        )
        return
      }
      const statement =
        change._tag === "update"
          ? `UPDATE production_records SET ${change.set} WHERE ${whereSql(change.where)}`
          : `DELETE FROM production_records WHERE ${whereSql(change.where)}`
      // Ids are the files' own in both places, so the same statement touches the same served records.
      for (const file of files) {
        const db = new Database(file)
        db.exec(statement)
        db.close()
      }
      yield* Effect.promise(() => client.query(statement))
    })
  )

layer(EnginesLive, { timeout: "300 seconds", excludeTestServices: true })("PostgreSQL summaries", (it) => {
  it.effect.prop(
    "every summary answers as the SQLite reference engine, to the byte of its JSON body",
    [summaryArb],
    ([query]) => answersAsReference(query),
    { fastCheck: { numRuns: 300 } }
  )

  it.effect.prop(
    "after outside inserts, updates and deletes (the triggers keep the rollups), still the same",
    [fc.array(changeArb, { minLength: 1, maxLength: 4 }), fc.array(summaryArb, { minLength: 1, maxLength: 8 })],
    ([changes, queries]) =>
      Effect.gen(function* () {
        for (const change of changes) yield* applyChange(change)
        for (const query of queries) yield* answersAsReference(query)
      }),
    { fastCheck: { numRuns: 40 } }
  )

  it.effect("every exported statement shape runs on the schema (what analyze-indexes plans)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const shapes = pgSummaryShapes()
      expect(shapes.length).toBe(20)
      for (const { statement } of shapes) {
        const plan = yield* sql.unsafe(`EXPLAIN ${statement.sql}`, statement.params).values
        expect(plan.length).toBeGreaterThan(0)
      }
    })
  )
})
