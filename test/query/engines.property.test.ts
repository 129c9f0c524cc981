import { expect, layer } from "@effect/vitest"
import { Context, Effect, FastCheck as fc, Layer } from "effect"
import * as fs from "node:fs"
import { afterAll } from "vitest"
import { DbTargets } from "../../src/config/DbTargets.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPoolLive } from "../../src/backends/sqlite/pool/ReadPoolLive.js"
import { ItemsQuery, LinesQuery, type Query, RecordsQuery } from "../../src/query/Query.js"
import { serializeResult } from "../../src/http/ResponseBody.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { type ExportChunk, type RecordsPage, rowCount } from "../../src/query/QueryResults.js"
import { OptimizedEngineLive } from "../../src/backends/sqlite/engine/optimized/OptimizedEngine.js"
import { ReferenceEngineLive } from "../../src/backends/sqlite/engine/reference/ReferenceEngine.js"
import { pageRecords } from "./pageRecords.js"
import {
  CUTOVER,
  type EngineFixture,
  FIRST_DATE,
  ITEM_NAMES,
  LAST_DATE,
  LINES,
  LOT_PREFIXES,
  fixtureTargets,
  makeEngineFixture
} from "./engineFixture.js"
import { maybe, nameFragmentArb, recordsQueryArb, summaryQueryArbs } from "./summaryArbs.js"

const fixture = makeEngineFixture("engines-property")
/** The same kind of data split mid-month: the files' parts of a window then share a month. */
const MID_MONTH_CUTOVER = "2026-01-15" as IsoDate
const midMonth = makeEngineFixture("engines-mid-month", 8, MID_MONTH_CUTOVER)
afterAll(() => [fixture, midMonth].forEach((f) => fs.rmSync(f.dir, { recursive: true, force: true })))

class Engines extends Context.Tag("Engines")<
  Engines,
  { readonly optimized: QueryEngine["Type"]; readonly reference: QueryEngine["Type"] }
>() {}

const engineOf = <E, R>(l: Layer.Layer<QueryEngine, E, R>) => Effect.map(Layer.build(l), Context.get(QueryEngine))

const migrated = Effect.gen(function* () {
  const t = yield* DbTargets
  yield* migrateFile(t.live, { dryRun: false })
  yield* migrateFile(t.archive, { dryRun: false })
})

/** Both engines over one fixture's files, migrated, split at `cutover`. */
const enginesOver = (files: EngineFixture, cutover: IsoDate) =>
  Layer.scoped(
    Engines,
    Effect.gen(function* () {
      yield* migrated
      const pool = ReadPoolLive.pipe(Layer.provide(PoolConfig.Default))
      const optimized = yield* engineOf(OptimizedEngineLive.pipe(Layer.provide(pool)))
      const reference = yield* engineOf(ReferenceEngineLive)
      return { optimized, reference }
    })
  ).pipe(Layer.provide(fixtureTargets(files, cutover)), Layer.orDie)

const EnginesLive = enginesOver(fixture, CUTOVER)

// Dates around the data and, more often, around the cutover and month ends.
const dateArb: fc.Arbitrary<IsoDate> = fc.oneof(
  fc.integer({ min: -20, max: 260 }).map((n) => addDays(FIRST_DATE, n)),
  fc.integer({ min: -40, max: 40 }).map((n) => addDays(CUTOVER, n)),
  fc.constantFrom(
    "2025-10-31",
    "2025-11-01",
    "2025-12-31",
    "2026-02-28",
    "2026-03-01",
    LAST_DATE
  ) as fc.Arbitrary<IsoDate>
)
const windowArb = fc.tuple(dateArb, dateArb).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }))
const itemArb = fc.constantFrom(...fixture.itemCodes, "NOPE")
const lineArb = fc.constantFrom(...LINES)
const lotArb = fc.oneof(fc.constantFrom(...LOT_PREFIXES, "A", "a", "AB", "X%1", "ABC1"), fc.string({ maxLength: 3 }))
const qArb = fc.oneof(
  nameFragmentArb(ITEM_NAMES),
  fc.constantFrom("ø20", "Ø20", "50%", "_LH", "ß", "STRASSE", "rev b", "%", "_", '"', "µ"),
  fc.string({ minLength: 1, maxLength: 3 })
)
const limitArb = fc.integer({ min: 1, max: 40 })

const queryArb: fc.Arbitrary<Query> = fc.oneof(
  recordsQueryArb({ window: windowArb, item: itemArb, line: lineArb, lot: lotArb, q: qArb, limit: limitArb }),
  fc.record({ q: qArb, limit: fc.integer({ min: 1, max: 20 }) }).map((a) => new ItemsQuery(a)),
  fc.constant(new LinesQuery()),
  ...summaryQueryArbs({ window: windowArb, item: itemArb, line: lineArb, limit: limitArb })
)

/**
 * Bodies, not result objects: monthly by item comes back as JSON that SQLite wrote. The optimized engine's effect
 * is run twice (a cache runs a computation again to refresh it): both runs answer the same.
 */
const answersAsReference = (query: Query) =>
  Effect.gen(function* () {
    const { optimized, reference } = yield* Engines
    const answer = optimized.run(query)
    const [got, again, want] = yield* Effect.all([answer, answer, reference.run(query)])
    expect(serializeResult(query, got).toString()).toEqual(serializeResult(query, want).toString())
    expect(serializeResult(query, again).toString()).toEqual(serializeResult(query, want).toString())
  })

layer(EnginesLive, { timeout: "120 seconds", excludeTestServices: true })(
  "optimized engine = reference engine",
  (it) => {
    it.effect.prop(
      "every query answers exactly as the reference, to the byte of its JSON body",
      [queryArb],
      ([query]) => answersAsReference(query),
      { fastCheck: { numRuns: 300 } }
    )

    it.effect.prop(
      "paging a window through keyset positions yields every record once, in order",
      [windowArb, maybe(itemArb), maybe(lotArb), fc.array(limitArb, { minLength: 1, maxLength: 5 })],
      ([window, item_code, lot_prefix, limits]) =>
        Effect.gen(function* () {
          const { optimized, reference } = yield* Engines
          const filters = { item_code, lot_prefix }
          const all = yield* reference.run(new RecordsQuery({ window, filters, limit: 100_000, after: undefined }))
          const seen: Array<unknown> = []
          let after: RecordsQuery["after"] = undefined
          for (let page = 0; ; page++) {
            const limit = limits[page % limits.length]!
            const result: RecordsPage = yield* optimized.run(new RecordsQuery({ window, filters, limit, after }))
            seen.push(...pageRecords(result.rows))
            if (result.next === null) break
            expect(rowCount(result.rows)).toBe(limit)
            after = result.next
          }
          expect(seen).toEqual(pageRecords(all.rows))
        }),
      { fastCheck: { numRuns: 60 } }
    )

    it.effect.prop(
      "export chunks (lines built in SQL) equal the reference's lines, CSV and NDJSON",
      [
        windowArb,
        maybe(itemArb),
        maybe(lotArb),
        maybe(qArb),
        fc.constantFrom("csv" as const, "ndjson" as const),
        limitArb
      ],
      ([window, item_code, lot_prefix, q, format, limit]) =>
        Effect.gen(function* () {
          const { optimized, reference } = yield* Engines
          const query = new RecordsQuery({ window, filters: { item_code, lot_prefix, q }, limit, after: undefined })
          const [got, want] = yield* Effect.all([
            optimized.exportChunk(query, format),
            reference.exportChunk(query, format)
          ])
          const readable = (chunk: ExportChunk) => ({ ...chunk, text: Buffer.from(chunk.text).toString("utf8") })
          expect(readable(got)).toEqual(readable(want))
          // The whole export, chunk after chunk from each chunk's `next`, as the endpoint streams it.
          const whole = (engine: typeof optimized) =>
            Effect.gen(function* () {
              let text = ""
              let after: RecordsQuery["after"] = undefined
              for (;;) {
                const chunk: ExportChunk = yield* engine.exportChunk(new RecordsQuery({ ...query, after }), format)
                text += Buffer.from(chunk.text).toString("utf8")
                if (chunk.next === null || chunk.rows === 0) return text
                after = chunk.next
              }
            })
          expect(yield* whole(optimized)).toEqual(yield* whole(reference))
        }),
      { fastCheck: { numRuns: 100 } }
    )
  }
)

layer(enginesOver(midMonth, MID_MONTH_CUTOVER), { timeout: "120 seconds", excludeTestServices: true })(
  "with a cutover in mid-month",
  (it) => {
    it.effect.prop("every query answers exactly as the reference", [queryArb], ([query]) => answersAsReference(query), {
      fastCheck: { numRuns: 150 }
    })
  }
)
