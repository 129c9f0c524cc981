import { describe, expect, layer } from "@effect/vitest"
import { Context, Deferred, Effect, Layer, LogLevel, Logger } from "effect"
import * as fs from "node:fs"
import { appOver } from "../../src/app/AppLive.js"
import { SqliteFilesLive } from "../../src/backends/sqlite/SqliteBackend.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { type IsoDate, addDays, utcDateOf } from "../../src/domain/IsoDate.js"
import { warmupUrls } from "../../src/http/CacheWarmup.js"
import { EngineStats } from "../../src/query/EngineStats.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { QueryEngineLive } from "../../src/backends/sqlite/engine/QueryEngineLive.js"
import { AFTER_FILE_MS, CUTOVER, CachedServer, cacheStats, cachedServer, get } from "./CachedServerKit.js"

const WARMED = 7

/** Polls until the cache holds the warm-up's answers (at most a few seconds). */
const warmedUp = (port: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100; i++) {
      if ((yield* cacheStats(port)).size >= WARMED) return
      yield* Effect.sleep(50)
    }
    throw new Error("the warm-up did not finish")
  })

const today = (): IsoDate => utcDateOf(Date.now())

describe.each(["sqlite", "postgres"] as const)("cache warm-up (CACHE_WARMUP=true) on %s", (backend) => {
  layer(cachedServer({ backend, env: { CACHE_WARMUP: "true" } }), { excludeTestServices: true })((it) => {
    it.effect("a dashboard's first requests are cache hits", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        yield* warmedUp(port)
        const urls = warmupUrls(today())
        expect(urls).toHaveLength(WARMED)
        expect(urls).toContain("/summary/daily")
        expect(urls).toContain("/lines")
        for (const url of urls) {
          const reply = yield* get(port, url)
          expect([url, reply.status, reply.cache]).toEqual([url, 200, "HIT"])
        }
        // The same answer by another URL (explicit default dates) is the same entry.
        const explicit = yield* get(port, `/summary/daily?to=${today()}`)
        expect(explicit.cache).toBe("HIT")
        const stats = yield* cacheStats(port)
        expect([stats.size, stats.misses]).toEqual([WARMED, WARMED])
        // The warm-up answered no client: only the requests above count.
        const performance = (yield* get(port, "/metrics/performance")).json as Record<string, { count: number }>
        expect(performance["lines"]).toMatchObject({ count: 1, cache_hit_rate: 100 })
        expect(performance["summary_daily"]).toMatchObject({ count: 2, cache_hit_rate: 100 })
      })
    )
  })
})

interface Gate {
  readonly open: Deferred.Deferred<void>
  waiting: number
}

/** Holds every engine call until opened; counts the calls waiting. */
const makeGate = (): Gate => ({ open: Effect.runSync(Deferred.make<void>()), waiting: 0 })

const gatedEngine = (gate: Gate) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const engine = yield* QueryEngine
      const held = QueryEngine.of({
        name: engine.name,
        exportChunk: engine.exportChunk,
        run: (query) =>
          Effect.sync(() => gate.waiting++).pipe(
            Effect.zipRight(Deferred.await(gate.open)),
            Effect.ensuring(Effect.sync(() => gate.waiting--)),
            Effect.zipRight(engine.run(query))
          )
      })
      return Context.make(QueryEngine, held).pipe(Context.add(EngineStats, yield* EngineStats))
    })
  ).pipe(Layer.provide(QueryEngineLive))

/** AppLive's composition, with the engine held by `gate`. */
const gatedApp = (gate: Gate) =>
  appOver(Layer.merge(gatedEngine(gate), SqliteFilesLive)).pipe(Layer.provide(DbTargets.Default))

/** Until the warm-up's first query is held. */
const held = (gate: Gate) =>
  Effect.gen(function* () {
    for (let i = 0; i < 50 && gate.waiting === 0; i++) yield* Effect.sleep(20)
    expect(gate.waiting).toBe(1)
  })

describe("cache warm-up and readiness", () => {
  const gate = makeGate()
  layer(cachedServer({ env: { CACHE_WARMUP: "true" }, app: gatedApp(gate) }), { excludeTestServices: true })((it) => {
    it.effect("the server answers while the warm-up still waits for the database", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        // The app is up (its layer built) with the warm-up's first query held.
        yield* held(gate)
        const health = yield* get(port, "/health")
        expect([health.status, (health.json as { status: string }).status]).toEqual([200, "ok"])
        expect((yield* cacheStats(port)).size).toBe(0)

        yield* Deferred.succeed(gate.open, undefined)
        yield* warmedUp(port)
        expect((yield* get(port, "/lines")).cache).toBe("HIT")
      })
    )
  })
})

describe("cache warm-up over an unreadable file", () => {
  const gate = makeGate()
  const logs: Array<string> = []
  const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
    logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  const server = cachedServer({
    env: { CACHE_WARMUP: "true" },
    app: gatedApp(gate),
    logLevel: LogLevel.Debug,
    logger
  })
  layer(server, { excludeTestServices: true })((it) => {
    it.effect("the answers that need it are skipped, logged at debug; the app serves on", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        yield* held(gate)
        fs.rmSync(files.archive)
        yield* Effect.sleep(AFTER_FILE_MS)
        yield* Deferred.succeed(gate.open, undefined)

        // The answers reaching before the cutover (the 12-month ones, as long as the cutover is less than a year
        // ago) and `/lines` need the archive; the others read the live file only.
        const urls = warmupUrls(today())
        const fromOf = (url: string) => /from=([\d-]+)/.exec(url)?.[1] ?? addDays(today(), -30)
        const needsArchive = urls.filter((url) => url === "/lines" || fromOf(url) < CUTOVER)
        const summary = `DEBUG cache warm-up: ${urls.length - needsArchive.length} of ${urls.length} answers in`
        for (let i = 0; i < 100 && !logs.some((l) => l.startsWith(summary)); i++) yield* Effect.sleep(50)
        const failed = urls.filter((url) => logs.some((l) => l.startsWith(`DEBUG cache warm-up: ${url} failed`)))
        expect(failed).toEqual(needsArchive)
        expect(logs.some((l) => l.startsWith(summary))).toBe(true)
        expect(logs.filter((l) => l.includes("cache warm-up")).every((l) => l.startsWith("DEBUG"))).toBe(true)
        expect((yield* cacheStats(port)).size).toBe(urls.length - needsArchive.length)
        expect((yield* get(port, "/summary/daily")).cache).toBe("HIT")
        expect((yield* get(port, "/lines")).status).toBe(503)
        expect((yield* get(port, "/health")).status).toBe(200)
      })
    )
  })
})
