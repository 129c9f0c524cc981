/**
 * Times the response cache in process: a miss (`get` of a new key, the computation a ready answer), a `get` hit,
 * and the fast path's `serveUrl` hit, each as the median of alternated rounds, in µs per call. For before/after
 * checks of a change to src/cache:
 *   node --import tsx scripts/cache-timing.ts [ROUNDS=15] [CALLS=20000]
 * With `--expose-gc` it also prints the heap after each round (CALLS misses of new keys a round): it stays flat
 * while the store is bounded.
 */
import { Effect, Layer } from "effect"
import { CacheConfig } from "../src/cache/CacheConfig.js"
import type { EntryMeta } from "../src/cache/CacheEntry.js"
import { ResponseCache } from "../src/cache/ResponseCache.js"
import type { IsoDate } from "../src/domain/IsoDate.js"

const [rounds = "15", calls = "20000"] = process.argv.slice(2)
const ROUNDS = Number(rounds)
const CALLS = Number(calls)
const META: EntryMeta = { window: { from: "2026-03-01" as IsoDate, to: "2026-03-31" as IsoDate }, files: ["live"] }
const answer = Effect.succeed({ body: Buffer.from(`{"rows":[]}`), rows: 0, dbMs: 0 })
const keyOf = (round: number, i: number) =>
  JSON.stringify({ _tag: "SummaryDaily", window: { from: "2026-03-01", to: "2026-03-31" }, line: `L${round}`, n: i })

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* effect
    return ((performance.now() - started) * 1000) / CALLS
  })

const program = Effect.gen(function* () {
  const cache = yield* ResponseCache
  const misses: Array<number> = []
  const hits: Array<number> = []
  const urls: Array<number> = []
  const heaps: Array<string> = []
  const gc = (globalThis as { gc?: () => void }).gc
  for (let round = 0; round < ROUNDS; round++) {
    const keys = Array.from({ length: CALLS }, (_, i) => keyOf(round, i))
    misses.push(yield* timed(Effect.forEach(keys, (key) => cache.get(key, META, answer), { discard: true })))
    yield* Effect.sleep("500 millis") // background work of the misses (refreshes, store upkeep) out of the way
    const kept = keys.slice(-1000)
    kept.forEach((key, i) => cache.rememberUrl(`/summary/daily?n=${i}`, key, undefined))
    hits.push(yield* timed(Effect.forEach(keys, (_, i) => cache.get(kept[i % 1000]!, META, answer), { discard: true })))
    const now = Date.now()
    urls.push(
      yield* timed(
        Effect.sync(() => {
          for (let i = 0; i < CALLS; i++) cache.serveUrl(`/summary/daily?n=${i % 1000}`, now)
        })
      )
    )
    if (gc !== undefined) {
      yield* Effect.sleep("500 millis")
      gc()
      heaps.push((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1))
    }
  }
  const fmt = (v: number) => `${v.toFixed(2)} µs`
  console.log(`miss ${fmt(median(misses))}  get hit ${fmt(median(hits))}  serveUrl hit ${fmt(median(urls))}`)
  if (heaps.length > 0) console.log(`heap after each round (MB): ${heaps.join(" ")}`)
})

const config = Layer.effect(
  CacheConfig,
  Effect.map(CacheConfig, (c) => CacheConfig.make({ ...c, warmup: false }))
).pipe(Layer.provide(CacheConfig.Default))
Effect.runPromise(Effect.provide(program, ResponseCache.DefaultWithoutDependencies.pipe(Layer.provide(config))))
