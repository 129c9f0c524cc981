import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Deferred, Effect, Fiber, Layer, TestClock } from "effect"
import { randomBytes } from "node:crypto"
import * as zlib from "node:zlib"
import { CacheConfig } from "../../src/cache/CacheConfig.js"
import type { Computed, EntryMeta } from "../../src/cache/CacheEntry.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { cacheWith, settle } from "./cacheLayer.js"
import { textOf } from "./entryText.js"

const window = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
const META: EntryMeta = { window: window("2026-03-01", "2026-03-31"), files: ["live"] }

/** A computation that counts its runs and answers `v<run>`. */
const counted = (compute: (n: number) => Effect.Effect<Computed, string> = (n) => Effect.succeed(body(n))) => {
  let runs = 0
  return {
    runs: () => runs,
    compute: Effect.suspend(() => compute(++runs))
  }
}
/** The size of the random bodies of the byte-bound test (base64 of 1500 bytes). */
const SIZE = 2000

const body = (n: number): Computed => ({ body: Buffer.from(`{"v":${n}}`), dbMs: 1.5, rows: 1 })

/** `counted`, its second run held until `gate` is opened: a refresh that is still running. */
const heldSecondRun = Effect.map(Deferred.make<void>(), (gate) => ({
  gate,
  ...counted((n) => (n === 2 ? Effect.as(Deferred.await(gate), body(n)) : Effect.succeed(body(n))))
}))

/** `counted`, failing with "database down" while `down.on` is set. */
const failable = () => {
  const down = { on: false }
  return { down, ...counted((n) => (down.on ? Effect.fail("database down") : Effect.succeed(body(n)))) }
}

describe("ResponseCache", () => {
  it.effect("fresh → stale (served at once, one refresh, then HIT) → expired (blocking MISS)", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => (n === 3 ? Effect.as(Effect.sleep("2 seconds"), body(n)) : Effect.succeed(body(n))))
      const get = cache.get("k", META, c.compute)

      const first = yield* get
      expect([first.outcome, textOf(first.entry), first.entry.dbMs]).toEqual(["MISS", `{"v":1}`, 1.5])
      expect(first.entry.etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
      yield* TestClock.adjust("239999 millis")
      expect((yield* get).outcome).toBe("HIT")

      yield* TestClock.adjust("1 millis")
      const stale = yield* get
      expect([stale.outcome, textOf(stale.entry)]).toEqual(["STALE", `{"v":1}`])
      yield* settle
      expect(c.runs()).toBe(2)
      const refreshed = yield* get
      expect([refreshed.outcome, textOf(refreshed.entry)]).toEqual(["HIT", `{"v":2}`])

      yield* TestClock.adjust("300 seconds")
      const miss = yield* Effect.fork(get)
      yield* settle
      expect(miss.unsafePoll()).toBeNull() // blocked on the computation, not served stale
      yield* TestClock.adjust("2 seconds")
      const computed = yield* Fiber.join(miss)
      expect([computed.outcome, textOf(computed.entry)]).toEqual(["MISS", `{"v":3}`])
      expect(yield* cache.stats).toMatchObject({ hits: 2, misses: 2, stale_served: 1, refreshes: 1, size: 1 })
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect("concurrent stale gets fork exactly one refresh", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const gate = yield* Deferred.make<void>()
      const c = counted((n) => (n === 1 ? Effect.succeed(body(n)) : Effect.as(Deferred.await(gate), body(n))))
      yield* cache.get("k", META, c.compute)
      yield* TestClock.adjust("250 seconds")
      const results = yield* Effect.all(
        Array.from({ length: 20 }, () => cache.get("k", META, c.compute)),
        { concurrency: "unbounded" }
      )
      yield* settle
      expect(results.map((r) => r.outcome)).toEqual(Array(20).fill("STALE"))
      expect(c.runs()).toBe(2)
      yield* Deferred.succeed(gate, undefined)
      yield* settle
      expect(textOf((yield* cache.get("k", META, c.compute)).entry)).toBe(`{"v":2}`)
      expect(yield* cache.stats).toMatchObject({ stale_served: 20, refreshes: 1, refresh_failures: 0 })
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect("concurrent misses of one key run the computation once", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => Effect.as(Effect.sleep("1 second"), body(n)))
      const fiber = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 10 }, () => cache.get("k", META, c.compute)),
          { concurrency: "unbounded" }
        )
      )
      yield* settle
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      expect(c.runs()).toBe(1)
      expect(new Set(results.map((r) => `${r.outcome} ${textOf(r.entry)}`))).toEqual(new Set([`MISS {"v":1}`]))
      expect(yield* cache.stats).toMatchObject({ misses: 10, hits: 0, size: 1 })
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect("a failed refresh keeps serving the stale value until it expires, then the error reaches the caller", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = failable()
      const get = cache.get("k", META, c.compute)
      yield* get
      yield* TestClock.adjust("250 seconds")
      c.down.on = true
      expect((yield* get).outcome).toBe("STALE")
      yield* settle
      yield* TestClock.adjust("49 seconds")
      const again = yield* get
      expect([again.outcome, textOf(again.entry)]).toEqual(["STALE", `{"v":1}`])
      yield* settle
      expect(textOf(cache.peek("k"))).toBe(`{"v":1}`)
      expect(yield* cache.stats).toMatchObject({ refreshes: 2, refresh_failures: 2 })

      yield* TestClock.adjust("1 second") // 300 s: expired
      expect(yield* Effect.flip(get)).toBe("database down")
      expect(cache.peek("k")).toBeUndefined()
      c.down.on = false
      const back = yield* get
      expect([back.outcome, textOf(back.entry)]).toEqual(["MISS", `{"v":5}`])
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect("capacity bound: the least recently used entry goes first", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted()
      yield* cache.get("a", META, c.compute)
      yield* cache.get("b", META, c.compute)
      expect((yield* cache.get("a", META, c.compute)).outcome).toBe("HIT")
      yield* cache.get("c", META, c.compute)
      expect([cache.peek("a"), cache.peek("b"), cache.peek("c")].map((e) => e !== undefined)).toEqual([
        true,
        false,
        true
      ])
      expect((yield* cache.get("b", META, c.compute)).outcome).toBe("MISS")
      expect(yield* cache.stats).toMatchObject({ size: 2, capacity: 2, evictions: 2 })
    }).pipe(Effect.provide(cacheWith({ capacity: 2 })))
  )

  it.effect("disabled: every get computes and answers MISS; nothing is stored or found by URL", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted()
      const outcomes = [yield* cache.get("k", META, c.compute), yield* cache.get("k", META, c.compute)]
      expect(outcomes.map((r) => [r.outcome, textOf(r.entry)])).toEqual([
        ["MISS", `{"v":1}`],
        ["MISS", `{"v":2}`]
      ])
      cache.rememberUrl("/lines", "k", undefined)
      expect(cache.serveUrl("/lines", 0)).toBeUndefined()
      expect(yield* cache.stats).toMatchObject({ size: 0, misses: 2, hits: 0, hit_rate: 0 })
    }).pipe(Effect.provide(cacheWith({ enabled: false })))
  )

  it.effect("an invalidation during a computation: its waiters get the result; a later request computes anew", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      // The overtaken computation (run 1) ends after the later one (run 3).
      const c = counted((n) => Effect.as(Effect.sleep(n === 1 ? "2 seconds" : "1 second"), body(n)))
      const other = { window: window("2026-01-01", "2026-01-31"), files: ["live"] } as const
      const first = yield* Effect.fork(cache.get("k", META, c.compute))
      const untouched = yield* Effect.fork(cache.get("other", other, c.compute))
      yield* settle
      expect(yield* cache.invalidateDates("live", ["2026-03-15"], 0)).toBe(0)
      const late = yield* Effect.fork(cache.get("k", META, c.compute)) // must not join the overtaken computation
      yield* settle
      yield* TestClock.adjust("1 second")
      expect([(yield* Fiber.join(late)).outcome, textOf(cache.peek("k"))]).toEqual(["MISS", `{"v":3}`])
      yield* TestClock.adjust("1 second")
      expect(textOf((yield* Fiber.join(first)).entry)).toBe(`{"v":1}`)
      yield* Fiber.join(untouched)
      expect(c.runs()).toBe(3)
      // The overtaken answer, known valid only as of before the commit, does not replace the later one.
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf]).toEqual([`{"v":3}`, undefined])
      expect(cache.peek("other")?.validAsOf).toBeUndefined()
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect(
    "invalidateFile drops what read the file and keeps readers of a replaced file out for the settle time",
    () =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        const c = counted()
        const archive: EntryMeta = { window: window("2025-03-01", "2025-03-31"), files: ["archive"] }
        const both: EntryMeta = { window: window("2025-12-01", "2026-01-31"), files: ["live", "archive"] }
        yield* cache.get("live", META, c.compute)
        yield* cache.get("archive", archive, c.compute)
        yield* cache.get("both", both, c.compute)
        expect(yield* cache.invalidateFile("live", 200)).toBe(2)
        expect([cache.peek("live"), cache.peek("both")]).toEqual([undefined, undefined])
        expect(cache.peek("archive")).toBeDefined()
        yield* cache.get("live", META, c.compute)
        expect(cache.peek("live")).toBeUndefined() // computed within the settle time: answered, not kept
        yield* TestClock.adjust("200 millis")
        yield* cache.get("live", META, c.compute)
        expect(cache.peek("live")).toBeDefined()
        expect(yield* cache.stats).toMatchObject({ invalidations: 2 })
      }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )

  it.effect("an answer over CACHE_MAX_ENTRY_BYTES is served to every waiter of its computation, not stored", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const big = (n: number): Computed => ({ body: Buffer.alloc(2001, n), dbMs: 0, rows: 1 })
      const c = counted((n) => Effect.as(Effect.sleep("1 second"), big(n)))
      const waiters = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 5 }, () => cache.get("big", META, c.compute)),
          { concurrency: "unbounded" }
        )
      )
      yield* settle
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(waiters)
      expect(c.runs()).toBe(1)
      expect(results.map((r) => [r.outcome, r.entry.bytes.length])).toEqual(Array(5).fill(["MISS", 2001]))
      expect(cache.peek("big")).toBeUndefined()
      // A small answer is kept; once the same key answers too big, the small one is gone as well.
      yield* cache.get("k", META, Effect.succeed(body(1)))
      expect(yield* cache.stats).toMatchObject({ size: 1, bytes: `{"v":1}`.length })
      yield* TestClock.adjust("250 seconds")
      expect((yield* cache.get("k", META, Effect.succeed(big(2)))).outcome).toBe("STALE")
      yield* settle
      expect(cache.peek("k")).toBeUndefined()
      expect(yield* cache.stats).toMatchObject({ size: 0, bytes: 0, evictions: 0 })
    }).pipe(Effect.provide(cacheWith({ maxEntryBytes: 2000 })))
  )

  it.effect("byte bound: least recently used out first; a compressed form is counted when it is added", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      // Random base64 compresses to about 3/4: one entry's two compressed forms take more than half an entry.
      const answer = Effect.sync(() => ({ body: Buffer.from(randomBytes(1500).toString("base64")), dbMs: 0, rows: 1 }))
      const a = (yield* cache.get("a", META, answer)).entry
      yield* cache.get("b", META, answer)
      yield* cache.get("c", META, answer)
      expect(yield* cache.stats).toMatchObject({ size: 3, bytes: 3 * SIZE, max_bytes: 4 * SIZE, evictions: 0 })
      expect((yield* cache.get("a", META, answer)).outcome).toBe("HIT") // b is now the least recently used
      const gzip = yield* a.encoded("gzip")
      expect(yield* cache.stats).toMatchObject({ bytes: 3 * SIZE + gzip.length, evictions: 0 })
      yield* cache.get("d", META, answer)
      expect(["a", "b", "c", "d"].map((k) => cache.peek(k) !== undefined)).toEqual([true, false, true, true])
      expect(yield* cache.stats).toMatchObject({ size: 3, bytes: 3 * SIZE + gzip.length, evictions: 1 })
      // The brotli form of `a`, added on a later hit, takes the cache over its budget: c goes.
      const br = yield* a.encoded("br")
      expect(["a", "c", "d"].map((k) => cache.peek(k) !== undefined)).toEqual([true, false, true])
      expect(yield* cache.stats).toMatchObject({ size: 2, bytes: 2 * SIZE + gzip.length + br.length, evictions: 2 })
    }).pipe(Effect.provide(cacheWith({ maxBytes: 4 * SIZE })))
  )

  it.effect("compressed variants are computed once per encoding and kept on the entry", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const text = JSON.stringify({ rows: Array.from({ length: 200 }, (_, i) => ({ i, name: "Widget" })) })
      const { entry } = yield* cache.get("k", META, Effect.succeed({ body: Buffer.from(text), dbMs: 0, rows: 0 }))
      const gz = yield* entry.encoded("gzip")
      expect(zlib.gunzipSync(gz).toString()).toBe(text)
      expect(yield* entry.encoded("gzip")).toBe(gz)
      expect(entry.cachedEncoding("gzip")).toBe(gz)
      const br = yield* entry.encoded("br")
      expect(zlib.brotliDecompressSync(br).toString()).toBe(text)
      expect(yield* entry.encoded("br")).toBe(br)
      expect(entry.bytes.toString()).toBe(text)
    }).pipe(Effect.provide(cacheWith({ capacity: 100 })))
  )
})

describe("ResponseCache: invalidated answers within the freshness bound", () => {
  /** `CHANGE_POLL_MS` + 250 ms with the default poll. */
  const BOUND = 1250
  const MARCH = ["2026-03-15"]
  const bounded = cacheWith({ capacity: 100, freshnessMillis: BOUND })

  it.effect("within the bound: STALE to every request (by URL too) while one refresh runs, then HIT", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const gate = yield* Deferred.make<void>()
      const c = counted((n) => (n === 1 ? Effect.succeed(body(n)) : Effect.as(Deferred.await(gate), body(n))))
      yield* cache.get("k", META, c.compute)
      cache.rememberUrl("/summary/daily?from=2026-03-01&to=2026-03-31", "k", undefined)
      yield* TestClock.setTime(10_000)
      // The previous poll found the file unchanged at 9.5 s: the answer (of 0 s) holds the data as of then.
      expect(yield* cache.invalidateDates("live", MARCH, 9_500)).toBe(1)
      expect(cache.peek("k")?.validAsOf).toBe(9_500)
      expect(yield* cache.invalidateDates("live", MARCH, 9_900)).toBe(0) // the first invalidation's bound stays
      expect(cache.peek("k")?.validAsOf).toBe(9_500)
      expect(cache.serveUrl("/summary/daily?from=2026-03-01&to=2026-03-31", 10_000)?.outcome).toBe("STALE")

      const results = yield* Effect.all(
        Array.from({ length: 10 }, () => cache.get("k", META, c.compute)),
        { concurrency: "unbounded" }
      )
      yield* settle
      expect(results.map((r) => `${r.outcome} ${textOf(r.entry)}`)).toEqual(Array(10).fill(`STALE {"v":1}`))
      expect(c.runs()).toBe(2)
      yield* Deferred.succeed(gate, undefined)
      yield* settle
      const refreshed = yield* cache.get("k", META, c.compute)
      expect([refreshed.outcome, textOf(refreshed.entry), refreshed.entry.validAsOf]).toEqual([
        "HIT",
        `{"v":2}`,
        undefined
      ])
      const byUrl = cache.serveUrl("/summary/daily?from=2026-03-01&to=2026-03-31", 10_000)
      expect([byUrl?.outcome, textOf(byUrl?.entry)]).toEqual(["HIT", `{"v":2}`])
      expect(yield* cache.stats).toMatchObject({ invalidations: 1, stale_served: 11, refreshes: 1, hits: 2, misses: 1 })
    }).pipe(Effect.provide(bounded))
  )

  it.effect("the answer's own start bounds it when it began after the previous poll", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      yield* TestClock.setTime(5_000)
      yield* cache.get("k", META, counted().compute)
      expect(yield* cache.invalidateDates("live", MARCH, 4_000)).toBe(1)
      expect(cache.peek("k")?.validAsOf).toBe(5_000)
    }).pipe(Effect.provide(bounded))
  )

  it.effect("beyond the bound: a MISS that waits for the computation", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => (n === 1 ? Effect.succeed(body(n)) : Effect.as(Effect.sleep("1 second"), body(n))))
      yield* cache.get("k", META, c.compute)
      yield* TestClock.setTime(10_000)
      yield* cache.invalidateDates("live", MARCH, 9_500)
      yield* TestClock.setTime(9_500 + BOUND + 1)
      const miss = yield* Effect.fork(cache.get("k", META, c.compute))
      yield* settle
      expect(miss.unsafePoll()).toBeNull() // blocked on the computation, not served stale
      expect(cache.peek("k")).toBeUndefined()
      yield* TestClock.adjust("1 second")
      const computed = yield* Fiber.join(miss)
      expect([computed.outcome, textOf(computed.entry)]).toEqual(["MISS", `{"v":2}`])
      expect(yield* cache.stats).toMatchObject({ stale_served: 0, misses: 2 })
    }).pipe(Effect.provide(bounded))
  )

  it.effect("a failed refresh keeps the invalidated answer served until it leaves the bound", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = failable()
      const get = cache.get("k", META, c.compute)
      yield* get
      yield* TestClock.setTime(10_000)
      yield* cache.invalidateDates("live", MARCH, 9_800)
      c.down.on = true
      expect((yield* get).outcome).toBe("STALE")
      yield* settle
      yield* TestClock.setTime(9_800 + BOUND) // the edge: still within
      const again = yield* get
      expect([again.outcome, textOf(again.entry)]).toEqual(["STALE", `{"v":1}`])
      yield* settle
      expect(yield* cache.stats).toMatchObject({ refreshes: 2, refresh_failures: 2 })
      yield* TestClock.adjust("1 millis")
      expect(yield* Effect.flip(get)).toBe("database down")
      expect(cache.peek("k")).toBeUndefined()
    }).pipe(Effect.provide(bounded))
  )

  it.effect("an invalidated answer within the bound still expires with its age", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted()
      yield* cache.get("k", META, c.compute)
      yield* TestClock.setTime(299_999)
      yield* cache.invalidateDates("live", MARCH, 299_999)
      yield* TestClock.adjust("1 millis")
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("MISS")
    }).pipe(Effect.provide(bounded))
  )

  it.effect("a computation overtaken by an invalidation is stored invalidated and served STALE within the bound", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => Effect.as(Effect.sleep("1 second"), body(n)))
      const first = yield* Effect.fork(cache.get("k", META, c.compute))
      yield* settle
      yield* TestClock.adjust("500 millis")
      expect(yield* cache.invalidateDates("live", MARCH, 400)).toBe(0) // no entry yet: the computation is marked
      yield* TestClock.adjust("500 millis")
      expect(textOf((yield* Fiber.join(first)).entry)).toBe(`{"v":1}`)
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf]).toEqual([`{"v":1}`, 400])

      const stale = yield* cache.get("k", META, c.compute)
      expect([stale.outcome, textOf(stale.entry)]).toEqual(["STALE", `{"v":1}`])
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf]).toEqual([`{"v":2}`, undefined])
      expect(c.runs()).toBe(2)
    }).pipe(Effect.provide(bounded))
  )

  it.effect(
    "with the touched records known, a computation of another item is neither marked nor detached; one of the " +
      "touched item is",
    () =>
      Effect.gen(function* () {
        const cache = yield* ResponseCache
        const c = counted((n) => Effect.as(Effect.sleep("1 second"), body(n)))
        const ofItem = (item_code: string): EntryMeta => ({
          ...META,
          scope: { _tag: "Records", item_code, line_code: undefined }
        })
        const a = yield* Effect.fork(cache.get("a", ofItem("A"), c.compute))
        const b = yield* Effect.fork(cache.get("b", ofItem("B"), c.compute))
        yield* settle
        const touched = { records: [{ date: MARCH[0]!, item_code: "A", line_code: "L1" }], dimensions: false }
        yield* cache.invalidateDates("live", [MARCH[0]!], 400, touched)
        // A request of `b` meanwhile joins its computation; one of `a` starts its own (the generation moved on).
        const b2 = yield* Effect.fork(cache.get("b", ofItem("B"), c.compute))
        const a2 = yield* Effect.fork(cache.get("a", ofItem("A"), c.compute))
        yield* settle
        yield* TestClock.adjust("1 second")
        yield* Effect.forEach([a, b, b2, a2], Fiber.join)
        expect(c.runs()).toBe(3)
        expect(cache.peek("b")?.validAsOf).toBeUndefined()
      }).pipe(Effect.provide(bounded))
  )

  it.effect("invalidateFile still drops every answer of the file, invalidated or not, and what is computing", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => (n === 3 ? Effect.as(Effect.sleep("1 second"), body(n)) : Effect.succeed(body(n))))
      const april = { window: window("2026-04-01", "2026-04-30"), files: ["live"] } as const
      yield* cache.get("k", META, c.compute)
      yield* cache.get("april", april, c.compute)
      yield* cache.invalidateDates("live", MARCH, 0)
      const computing = yield* Effect.fork(
        cache.get("may", { ...april, window: window("2026-05-01", "2026-05-31") }, c.compute)
      )
      yield* settle
      expect(yield* cache.invalidateFile("live")).toBe(2)
      expect([cache.peek("k"), cache.peek("april")]).toEqual([undefined, undefined])
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(computing)).outcome).toBe("MISS")
      expect(cache.peek("may")).toBeUndefined()
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("MISS")
    }).pipe(Effect.provide(bounded))
  )
})

describe("ResponseCache on effect's Cache: shared computations, refreshes", () => {
  const MARCH = ["2026-03-15"]
  const layer = cacheWith({ capacity: 100 })

  it.effect("a waiter that goes away interrupts only its own wait: the computation goes on for the others", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const gate = yield* Deferred.make<void>()
      const c = counted((n) => Effect.as(Deferred.await(gate), body(n)))
      const first = yield* Effect.fork(cache.get("k", META, c.compute)) // runs the lookup
      yield* settle
      const second = yield* Effect.fork(cache.get("k", META, c.compute)) // joins it
      yield* settle
      yield* Fiber.interrupt(first)
      yield* Deferred.succeed(gate, undefined)
      const joined = yield* Fiber.join(second)
      expect([joined.outcome, textOf(joined.entry), c.runs()]).toEqual(["MISS", `{"v":1}`, 1])
      expect([textOf(cache.peek("k")), yield* cache.storedKeys]).toEqual([`{"v":1}`, ["k"]])
    }).pipe(Effect.provide(layer))
  )

  it.effect("a computation whose only waiter went away still completes and is stored", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = counted((n) => Effect.as(Effect.sleep("1 second"), body(n)))
      const gone = yield* Effect.fork(cache.get("k", META, c.compute))
      yield* settle
      yield* Fiber.interrupt(gone)
      yield* TestClock.adjust("1 second")
      yield* settle
      const later = yield* cache.get("k", META, c.compute)
      expect([later.outcome, textOf(later.entry), c.runs()]).toEqual(["HIT", `{"v":1}`, 1])
    }).pipe(Effect.provide(layer))
  )

  it.effect("one refresh per key, whoever serves it stale (gets, the fast path); the next once it has ended", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = yield* heldSecondRun
      yield* cache.get("k", META, c.compute)
      cache.rememberUrl("/lines", "k", undefined)
      yield* TestClock.adjust("250 seconds")
      const byUrl = cache.serveUrl("/lines", 250_000)!
      expect(byUrl.outcome).toBe("STALE")
      yield* byUrl.refresh
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* cache.serveUrl("/lines", 250_000)!.refresh
      yield* settle
      expect([c.runs(), (yield* cache.stats).refreshes]).toEqual([2, 1])
      yield* Deferred.succeed(c.gate, undefined)
      yield* settle
      expect([cache.serveUrl("/lines", 250_000)?.outcome, textOf(cache.peek("k"))]).toEqual(["HIT", `{"v":2}`])
      yield* TestClock.adjust("250 seconds")
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect([c.runs(), (yield* cache.stats).refreshes, textOf(cache.peek("k"))]).toEqual([3, 2, `{"v":3}`])
    }).pipe(Effect.provide(layer))
  )

  it.effect("a failed refresh leaves the stale answer stored, in the mirror and in the Cache", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = failable()
      const { entry } = yield* cache.get("k", META, c.compute)
      yield* TestClock.adjust("250 seconds")
      c.down.on = true
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect([cache.peek("k"), yield* cache.storedKeys]).toEqual([entry, ["k"]])
      expect(yield* cache.stats).toMatchObject({ refreshes: 1, refresh_failures: 1, size: 1 })
      c.down.on = false
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect(textOf(cache.peek("k"))).toBe(`{"v":3}`)
    }).pipe(Effect.provide(layer))
  )

  it.effect("a refresh overtaken by a replacement of its file is not stored", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = yield* heldSecondRun
      yield* cache.get("k", META, c.compute)
      yield* TestClock.adjust("250 seconds")
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect(yield* cache.invalidateFile("live")).toBe(1)
      yield* Deferred.succeed(c.gate, undefined)
      yield* settle
      expect([c.runs(), cache.peek("k"), yield* cache.storedKeys]).toEqual([2, undefined, []])
      const again = yield* cache.get("k", META, c.compute)
      expect([again.outcome, textOf(again.entry)]).toEqual(["MISS", `{"v":3}`])
    }).pipe(Effect.provide(layer))
  )

  it.effect("a refresh overtaken by a commit is stored invalidated, valid as of its start", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = yield* heldSecondRun
      yield* cache.get("k", META, c.compute)
      yield* TestClock.setTime(250_000)
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect(yield* cache.invalidateDates("live", MARCH, 249_900)).toBe(1)
      expect(cache.peek("k")?.validAsOf).toBe(249_900)
      yield* Deferred.succeed(c.gate, undefined)
      yield* settle
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf]).toEqual([`{"v":2}`, 250_000])
      const stale = yield* cache.get("k", META, c.compute)
      expect([stale.outcome, textOf(stale.entry)]).toEqual(["STALE", `{"v":2}`])
      yield* settle
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf, c.runs()]).toEqual([`{"v":3}`, undefined, 3])
    }).pipe(Effect.provide(layer))
  )

  it.effect("a refresh overtaken by a commit is not stored over a later answer; the next request starts another", () =>
    Effect.gen(function* () {
      const cache = yield* ResponseCache
      const c = yield* heldSecondRun
      yield* cache.get("k", META, c.compute)
      yield* TestClock.setTime(250_000)
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect(yield* cache.invalidateDates("live", MARCH, 249_900)).toBe(1)
      // Detached: the next stale request starts a refresh of its own, which sees the commit.
      expect((yield* cache.get("k", META, c.compute)).outcome).toBe("STALE")
      yield* settle
      expect([c.runs(), textOf(cache.peek("k")), cache.peek("k")?.validAsOf]).toEqual([3, `{"v":3}`, undefined])
      yield* Deferred.succeed(c.gate, undefined)
      yield* settle
      // The overtaken answer, valid only as of before the commit, does not replace the later one.
      expect([textOf(cache.peek("k")), cache.peek("k")?.validAsOf, yield* cache.storedKeys]).toEqual([
        `{"v":3}`,
        undefined,
        ["k"]
      ])
    }).pipe(Effect.provide(layer))
  )
})

describe("CacheConfig", () => {
  const load = (env: Record<string, string>) =>
    Effect.provide(
      CacheConfig,
      CacheConfig.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(env))))
    )

  it.effect("defaults are the contract's", () =>
    Effect.gen(function* () {
      const config = yield* load({})
      expect({ ...config }).toEqual({
        enabled: true,
        staleMillis: 240_000,
        expireMillis: 300_000,
        capacity: 10_000,
        maxBytes: 268_435_456,
        maxEntryBytes: 8_388_608,
        warmup: true,
        freshnessMillis: 1250
      })
    })
  )

  it.effect("reads the env and refuses an expire window shorter than the stale one", () =>
    Effect.gen(function* () {
      const config = yield* load({ CACHE_ENABLED: "false", CACHE_STALE_SECONDS: "5", CACHE_EXPIRE_SECONDS: "9" })
      expect([config.enabled, config.staleMillis, config.expireMillis]).toEqual([false, 5000, 9000])
      const error = yield* Effect.flip(load({ CACHE_STALE_SECONDS: "60", CACHE_EXPIRE_SECONDS: "30" }))
      expect(String(error)).toContain("CACHE_EXPIRE_SECONDS")
    })
  )

  it.effect("takes the freshness bound from CHANGE_POLL_MS, as the change detector reads it", () =>
    Effect.gen(function* () {
      expect((yield* load({ CHANGE_POLL_MS: "100" })).freshnessMillis).toBe(350)
      expect(String(yield* Effect.flip(load({ CHANGE_POLL_MS: "0" })))).toContain("CHANGE_POLL_MS")
    })
  )

  it.effect("reads the byte bounds and refuses ones below 1", () =>
    Effect.gen(function* () {
      const config = yield* load({ CACHE_MAX_BYTES: "1048576", CACHE_MAX_ENTRY_BYTES: "65536" })
      expect([config.maxBytes, config.maxEntryBytes]).toEqual([1_048_576, 65_536])
      for (const name of ["CACHE_MAX_BYTES", "CACHE_MAX_ENTRY_BYTES"]) {
        for (const bad of ["0", "-5", "1.5", "lots"]) {
          expect(String(yield* Effect.flip(load({ [name]: bad }))), `${name}=${bad}`).toContain(name)
        }
      }
    })
  )
})
