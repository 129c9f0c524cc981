import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as fc from "effect/FastCheck"
import { type EntryMeta, metaOf } from "../../src/cache/CacheEntry.js"
import type { AnswerScope } from "../../src/cache/AnswerScope.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import type { TouchedRecord } from "../../src/changes/Touched.js"
import type { DateWindow } from "../../src/domain/DateWindow.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { cacheWith, settle } from "./cacheLayer.js"
import { textOf } from "./entryText.js"

/** `CHANGE_POLL_MS` + 250 ms with the default poll. */
const BOUND = 1250
const layer = cacheWith({ capacity: 1000, freshnessMillis: BOUND })

const BASE = "2024-01-01" as IsoDate
const date = (offset: number) => addDays(BASE, offset)

/** Windows from a day to 1900–2999 (the wide ones), around three years of dates. */
const windowArbitrary: fc.Arbitrary<DateWindow | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ from: "1900-01-01" as IsoDate, to: "2999-12-31" as IsoDate }),
  fc
    .tuple(fc.nat(1100), fc.oneof(fc.nat(40), fc.nat(1100)))
    .map(([start, length]) => ({ from: date(start), to: date(start + length) }))
)

const filesArbitrary: fc.Arbitrary<ReadonlyArray<DbFile>> = fc.constantFrom(["live"], ["archive"], ["live", "archive"])

/** Touched dates: mostly real dates, now and then a malformed one that still sorts among them as TEXT. */
const touchedArbitrary = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.nat(1200).map(date) },
    { weight: 1, arbitrary: fc.constantFrom("2025-1-5", "2025-06-3x") }
  ),
  { maxLength: 8 }
)

/** The plain rule: the entry read the file and its window (undefined = every date) holds a touched date. */
/** Whether `window` (undefined = every date) holds `date`, compared as text. */
const holds = (window: DateWindow | undefined, date: string) =>
  window === undefined || (window.from <= date && date <= window.to)

const naive = (meta: EntryMeta, file: DbFile, dates: ReadonlyArray<string>) =>
  meta.files.includes(file) && dates.some((d) => holds(meta.window, d))

const ITEMS = ["A", "B", "C"] as const
const LINES = ["L1", "L2"] as const

const scopeArbitrary: fc.Arbitrary<AnswerScope> = fc.oneof(
  fc.constant({ _tag: "Dimensions" } as const),
  fc.record({
    _tag: fc.constant("Records" as const),
    item_code: fc.option(fc.constantFrom(...ITEMS), { nil: undefined }),
    line_code: fc.option(fc.constantFrom(...LINES), { nil: undefined })
  })
)

/**
 * The plain rule with the touched records known: the entry read the file, one of the records lies in its window
 * and, for /items and /lines, a dimension changed; otherwise that record matches its filters (no scope: any).
 */
const naiveScoped = (meta: EntryMeta, file: DbFile, records: ReadonlyArray<TouchedRecord>, dimensions: boolean) => {
  if (!meta.files.includes(file)) return false
  const inWindow = (r: TouchedRecord) => holds(meta.window, r.date)
  if (meta.scope?._tag === "Dimensions") return dimensions && records.some(inWindow)
  const { item_code, line_code } = meta.scope ?? {}
  return records.some(
    (r) =>
      inWindow(r) &&
      (item_code === undefined || r.item_code === item_code) &&
      (line_code === undefined || r.line_code === line_code)
  )
}

const answer = (key: string) => Effect.succeed({ body: Buffer.from(key), dbMs: 0, rows: 0 })

describe("ResponseCache invalidation", () => {
  it.effect.prop(
    "invalidateDates invalidates exactly the entries of that file whose window holds a touched date",
    {
      metas: fc.array(fc.record({ window: windowArbitrary, files: filesArbitrary }), { minLength: 1, maxLength: 60 }),
      file: fc.constantFrom<DbFile>("live", "archive"),
      dates: touchedArbitrary,
      late: fc.boolean()
    },
    ({ metas, file, dates, late }) =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        yield* Effect.forEach(metas, (meta, i) => cache.get(`k${i}`, meta, answer(`k${i}`)), { discard: true })
        const invalidated = yield* cache.invalidateDates(file, dates, 0)
        const expected = metas.map((meta) => naive(meta, file, dates))
        expect(metas.map((_, i) => cache.peek(`k${i}`)?.validAsOf !== undefined)).toEqual(expected)
        expect(invalidated).toBe(expected.filter(Boolean).length)
        // Within the freshness bound they are served stale (and refreshed); past it, computed again.
        if (late) yield* TestClock.adjust(BOUND + 1)
        const again = yield* Effect.forEach(metas, (meta, i) => cache.get(`k${i}`, meta, answer(`k${i}`)))
        const outcome = late ? "MISS" : "STALE"
        expect(again.map((r) => r.outcome)).toEqual(expected.map((touched) => (touched ? outcome : "HIT")))
      }).pipe(Effect.provide(layer)),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect.prop(
    "with the touched records known, it invalidates exactly the entries made of one of them (item and line " +
      "filters) and, for /items and /lines, only when a dimension changed",
    {
      metas: fc.array(
        fc.record({
          window: windowArbitrary,
          files: filesArbitrary,
          scope: fc.option(scopeArbitrary, { nil: undefined })
        }),
        { minLength: 1, maxLength: 60 }
      ),
      file: fc.constantFrom<DbFile>("live", "archive"),
      records: fc.array(
        fc.record({
          date: fc.nat(1200).map(date),
          item_code: fc.constantFrom(...ITEMS),
          line_code: fc.constantFrom(...LINES)
        }),
        { maxLength: 8 }
      ),
      dimensions: fc.boolean()
    },
    ({ metas, file, records, dimensions }) =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        yield* Effect.forEach(metas, (meta, i) => cache.get(`k${i}`, meta, answer(`k${i}`)), { discard: true })
        const dates = records.map((r) => r.date)
        const invalidated = yield* cache.invalidateDates(file, dates, 0, { records, dimensions })
        const expected = metas.map((meta) => naiveScoped(meta, file, records, dimensions))
        expect(metas.map((_, i) => cache.peek(`k${i}`)?.validAsOf !== undefined)).toEqual(expected)
        expect(invalidated).toBe(expected.filter(Boolean).length)
      }).pipe(Effect.provide(layer)),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("a load of today's records keeps last year's summaries", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const lastYear = { window: { from: date(0), to: date(365) }, files: ["archive", "live"] } as const
      const recent = { window: { from: date(700), to: date(730) }, files: ["live"] } as const
      yield* cache.get("last-year", lastYear, answer("a"))
      yield* cache.get("recent", recent, answer("b"))
      expect(yield* cache.invalidateDates("live", [date(730)], 0)).toBe(1)
      expect([cache.peek("last-year")?.validAsOf, cache.peek("recent")?.validAsOf]).toEqual([undefined, 0])
      expect((yield* cache.stats).invalidations).toBe(1)
    }).pipe(Effect.provide(layer))
  )
})

describe("ResponseCache URL fast path", () => {
  const DAY = 86_400_000
  const meta: EntryMeta = { window: { from: date(0), to: date(30) }, files: ["live"] }

  it.effect("serves by URL, for the day it was resolved on: fresh entries as HIT, stale ones as STALE, counted", () =>
    Effect.gen(function* () {
      // 2024-01-02T23:59Z: a minute before the UTC day ends.
      yield* TestClock.setTime(Date.UTC(2024, 0, 2, 23, 59))
      const cache = yield* ResponseCache
      const { entry } = yield* cache.get("summary|defaults", meta, answer("x"))
      const t0 = entry.computedAt
      const explicit = "/summary/daily?from=2024-01-01&to=2024-01-31"
      cache.rememberUrl("/summary/daily", "summary|defaults", "2024-01-02" as IsoDate)
      cache.rememberUrl(explicit, "summary|defaults", undefined)
      expect(cache.serveUrl("/summary/daily", t0 + 1000)).toMatchObject({ entry, outcome: "HIT" })
      expect(cache.serveUrl("/summary/daily?x=1", t0 + 1000)).toBeUndefined()
      expect((yield* cache.stats).hits).toBe(1)
      // The next UTC day, `to` = today means another window: the mapping no longer holds; explicit dates still do.
      expect(cache.serveUrl("/summary/daily", t0 + 61_000)).toBeUndefined()
      expect(cache.serveUrl(explicit, t0 + 61_000)).toMatchObject({ entry, outcome: "HIT" })
      // Stale (past CACHE_STALE_SECONDS): served STALE with its refresh to start; expired: not at all.
      expect(cache.serveUrl(explicit, t0 + 240_000)).toMatchObject({ entry, outcome: "STALE" })
      expect(cache.serveUrl(explicit, t0 + DAY)).toBeUndefined()
      expect(yield* cache.stats).toMatchObject({ hits: 2, stale_served: 1 })
    }).pipe(Effect.provide(layer))
  )

  it.effect(
    "an invalidated entry is served STALE by URL within the bound; its refresh, the entry's own computation, is then fresh; past the bound, nothing",
    () =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        let runs = 0
        const compute = Effect.sync(() => ({ body: Buffer.from(`run ${++runs}`), dbMs: 0, rows: 0 }))
        const { entry } = yield* cache.get("k", meta, compute)
        cache.rememberUrl("/lines", "k", undefined)
        expect(cache.serveUrl("/lines", entry.computedAt)?.outcome).toBe("HIT")
        yield* cache.invalidateDates("live", [date(3)], entry.computedAt)
        expect(cache.serveUrl("/lines", entry.computedAt + BOUND + 1)).toBeUndefined()
        const stale = cache.serveUrl("/lines", entry.computedAt)!
        expect([stale.outcome, textOf(stale.entry)]).toEqual(["STALE", "run 1"])
        yield* stale.refresh
        yield* settle
        const fresh = cache.serveUrl("/lines", entry.computedAt)!
        expect([fresh.outcome, textOf(fresh.entry), runs]).toEqual(["HIT", "run 2", 2])
      }).pipe(Effect.provide(layer))
  )
})

describe("metaOf", () => {
  const cutover = "2026-01-01" as IsoDate
  it("routes a window to the files it reads; no window reads both", () => {
    expect(metaOf({ from: "2025-12-01" as IsoDate, to: "2026-01-31" as IsoDate }, cutover).files).toEqual([
      "live",
      "archive"
    ])
    expect(metaOf({ from: "2025-03-01" as IsoDate, to: "2025-03-31" as IsoDate }, cutover).files).toEqual(["archive"])
    expect(metaOf({ from: "2026-03-01" as IsoDate, to: "2026-03-31" as IsoDate }, cutover).files).toEqual(["live"])
    expect(metaOf(undefined, cutover)).toEqual({ window: undefined, files: ["live", "archive"] })
  })
})
