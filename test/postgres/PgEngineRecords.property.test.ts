/**
 * The PostgreSQL engine's `/records` pages, export chunks, `/items` and `/lines` against the SQLite reference
 * engine on the same files: the files are imported with the real import, then random queries answer byte for byte
 * as the reference does.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Context, Effect, FastCheck as fc, Layer } from "effect"
import * as fs from "node:fs"
import { afterAll, inject } from "vitest"
import { PgEngineLive } from "../../src/backends/postgres/engine/PgEngine.js"
import { matchesNothing, recordsStatement } from "../../src/backends/postgres/engine/PgRecordShapes.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { serializeResult } from "../../src/http/ResponseBody.js"
import { ItemsQuery, LinesQuery, type Query, RecordsQuery } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import type { ExportChunk, RecordsPage } from "../../src/query/QueryResults.js"
import { silently } from "../support/fixtures.js"
import { nameFragmentArb, recordsQueryArb } from "../query/summaryArbs.js"
import { importFiles } from "./PgKit.js"
import { TestDatabase, testPgLayer } from "../support/PgCluster.js"
import {
  CUTOVER,
  FIRST_DATE,
  ITEM_NAMES,
  LAST_DATE,
  LINES,
  LOT_PREFIXES,
  makeEngineFixture
} from "../query/engineFixture.js"

/**
 * Names whose folding differs between simple and full case folding, or by position (final sigma), emoji, and
 * capitals of Unicode 16 (Garay, Latin ramshorn) that Node lowers and PostgreSQL's older ICU may not; one with
 * what JSON escapes (quote, backslash, control characters) and what it does not (DEL, non-BMP). As many as the
 * fixture's items (14): each names one (`q`'s items by item must find some).
 */
const NAMES = [
  "\u{10D50}\u{10D51} Garay \uA7CB Cam",
  "İstanbul Nut",
  "Σίσυφος Valve ΣΣ",
  "ὈΔΥΣΣΕΎΣ seal",
  "Rocket 🚀 Pin",
  "Straße Clip",
  "50%_off Kit",
  "ǅemal Ǆ Washer",
  ...ITEM_NAMES.slice(1, 6),
  'Odd "Pin" \\ C:\\tmp\t\n\r\b\f\u0001\u001f\u007f 𝄞'
]
const fixture = makeEngineFixture("pg-engine-records", 12, CUTOVER, NAMES)
afterAll(() => fs.rmSync(fixture.dir, { recursive: true, force: true }))

class Engines extends Context.Tag("Engines")<
  Engines,
  { readonly postgres: QueryEngine["Type"]; readonly reference: QueryEngine["Type"] }
>() {}

const targets = Layer.succeed(
  DbTargets,
  DbTargets.make({
    live: { file: "live", path: fixture.livePath, explicit: true },
    archive: { file: "archive", path: fixture.archivePath, explicit: true },
    cutover: CUTOVER,
    of: (file) => ({ file, path: file === "live" ? fixture.livePath : fixture.archivePath, explicit: true })
  })
)

const engineOf = <E, R>(l: Layer.Layer<QueryEngine, E, R>) => Effect.map(Layer.build(l), Context.get(QueryEngine))

/** The fixture's files imported into the test database, and both engines over the same data. */
const EnginesLive = Layer.scoped(
  Engines,
  Effect.gen(function* () {
    const { url } = yield* TestDatabase
    yield* importFiles(url, { live: fixture.livePath, archive: fixture.archivePath }).pipe(silently)
    const postgres = yield* engineOf(PgEngineLive)
    const reference = yield* engineOf(ReferenceEngineLive.pipe(Layer.provide(targets)))
    return { postgres, reference }
  })
).pipe(Layer.provideMerge(testPgLayer(inject("pgAdminUrl"))), Layer.orDie)

const dateArb: fc.Arbitrary<IsoDate> = fc.oneof(
  fc.integer({ min: -20, max: 260 }).map((n) => addDays(FIRST_DATE, n)),
  fc.integer({ min: -40, max: 40 }).map((n) => addDays(CUTOVER, n)),
  fc.constantFrom("2025-12-31", "2026-01-01", LAST_DATE) as fc.Arbitrary<IsoDate>
)
const windowArb = fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }))
const itemArb = fc.constantFrom(...fixture.itemCodes, "NOPE", "IT-00\u0000")
const lineArb = fc.constantFrom(...LINES)
const lotArb = fc.oneof(
  fc.constantFrom(...LOT_PREFIXES, "A", "AB", "X%1", "ABC1", "AB_1", "\u{10FFFF}"),
  fc.string({ maxLength: 3 })
)
const qArb = fc.oneof(
  nameFragmentArb(NAMES),
  fc.constantFrom(
    "İ",
    "i̇",
    "istanbul",
    "ς",
    "σ",
    "Σ",
    "ΣΣ",
    "🚀",
    "ǆ",
    "ǅ",
    "%_",
    "%",
    "_",
    "ß",
    "SS",
    "STRASSE",
    "\u0000",
    "\u{10D70}",
    "\u0264"
  ),
  fc.string({ minLength: 1, maxLength: 3 })
)
const limitArb = fc.integer({ min: 1, max: 40 })

const recordsArb = recordsQueryArb({
  window: windowArb,
  item: itemArb,
  line: lineArb,
  lot: lotArb,
  q: qArb,
  limit: limitArb
})

const queryArb: fc.Arbitrary<Query> = fc.oneof(
  recordsArb,
  fc
    .record({ q: fc.oneof(qArb, fc.constant("")), limit: fc.integer({ min: 1, max: 20 }) })
    .map((a) => new ItemsQuery(a)),
  fc.constant(new LinesQuery())
)

const body = (query: Query, engine: QueryEngine["Type"]) =>
  Effect.map(engine.run(query), (result) => serializeResult(query, result).toString())

const readable = (chunk: ExportChunk) => ({ ...chunk, text: Buffer.from(chunk.text).toString("utf8") })

layer(EnginesLive, { timeout: "180 seconds", excludeTestServices: true })(
  "PostgreSQL engine = reference engine",
  (it) => {
    it.effect("the import kept every record the reference serves", () =>
      Effect.gen(function* () {
        const { reference } = yield* Engines
        const sql = yield* SqlClient.SqlClient
        const everything = new RecordsQuery({
          window: { from: "2000-01-01" as IsoDate, to: "2999-12-31" as IsoDate },
          filters: {},
          limit: 1_000_000,
          after: undefined
        })
        const all: RecordsPage = yield* reference.run(everything)
        const [{ n }] = yield* sql<{ n: string }>`SELECT count(*)::text AS n FROM production_records`
        expect(Number(n)).toBe((all.rows as ReadonlyArray<string>).length)
        expect(Number(n)).toBeGreaterThan(1000)
      })
    )

    it.effect.prop(
      "pages, /items and /lines answer as the reference, to the byte of the JSON body",
      [queryArb],
      ([query]) =>
        Effect.gen(function* () {
          const { postgres, reference } = yield* Engines
          expect(yield* body(query, postgres)).toEqual(yield* body(query, reference))
        }),
      { fastCheck: { numRuns: 400 } }
    )

    it.effect.prop(
      "paging through keyset positions to the end: every page and its next as the reference's",
      [recordsArb, fc.array(limitArb, { minLength: 1, maxLength: 4 })],
      ([first, limits]) =>
        Effect.gen(function* () {
          const { postgres, reference } = yield* Engines
          let after: RecordsQuery["after"] = undefined
          for (let page = 0; ; page++) {
            const query: RecordsQuery = new RecordsQuery({ ...first, limit: limits[page % limits.length]!, after })
            const [got, want]: [RecordsPage, RecordsPage] = yield* Effect.all([
              postgres.run(query),
              reference.run(query)
            ])
            expect(serializeResult(query, got).toString()).toEqual(serializeResult(query, want).toString())
            expect(got.next).toEqual(want.next)
            if (want.next === null) break
            after = want.next
          }
        }),
      { fastCheck: { numRuns: 80 } }
    )

    it.effect.prop(
      "export chunks, CSV and NDJSON, chunk after chunk to the end, as the reference's",
      [recordsArb, fc.constantFrom("csv" as const, "ndjson" as const)],
      ([first, format]) =>
        Effect.gen(function* () {
          const { postgres, reference } = yield* Engines
          let after: RecordsQuery["after"] = undefined
          for (;;) {
            const query: RecordsQuery = new RecordsQuery({ ...first, after })
            const [got, want]: [ExportChunk, ExportChunk] = yield* Effect.all([
              postgres.exportChunk(query, format),
              reference.exportChunk(query, format)
            ])
            expect(readable(got)).toEqual(readable(want))
            if (want.next === null || want.rows === 0) break
            after = want.next
          }
        }),
      { fastCheck: { numRuns: 80 } }
    )

    it.effect.prop(
      "q's items read by item or by scanning the window give the same rows",
      // A NUL in a filter never reaches a statement (matchesNothing).
      [recordsArb.filter((q) => !matchesNothing(q.filters)), fc.subarray(NAMES, { minLength: 1 })],
      ([query, names]) =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const items = yield* sql<{ item_code: string; item_name: string }>`SELECT item_code, item_name FROM items`
          const chosen = items.filter((i) => names.some((n) => i.item_name.startsWith(n)))
          const pairs = { codes: chosen.map((i) => i.item_code), names: chosen.map((i) => i.item_name) }
          const rowsBy = (read: "scan" | "per-item") => {
            const s = recordsStatement(query, query.limit, { ...pairs, read })
            return sql.unsafe(s.sql, s.params).values
          }
          expect(yield* rowsBy("per-item")).toEqual(yield* rowsBy("scan"))
        }),
      { fastCheck: { numRuns: 100 } }
    )
  }
)
