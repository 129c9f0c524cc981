import { expect, layer } from "@effect/vitest"
import { Context, Effect, Fiber, Layer } from "effect"
import { type ServiceFiles, eventually, get, heavyQ, json, poolGauges, serviceFiles, startApp } from "./ServiceKit.js"

/** One migrated pair with the heavy items for the whole file: the service only reads it. */
class Files extends Context.Tag("Files")<Files, ServiceFiles>() {}

/** Searches every file's items for `heavyQ(length)`: seconds of work in each of two workers at once. */
const heavySearch = (length: number) => `/items?q=${heavyQ(length)}&limit=1`

const rowsOf = (reply: { readonly text: string }) => (json(reply) as { rows: ReadonlyArray<unknown> }).rows

// The live clock: the pool's deadlines and the polling below use real timers.
layer(Layer.scoped(Files, serviceFiles({ heavy: true })), { excludeTestServices: true, timeout: "60 seconds" })(
  "the service with its worker pool",
  (it) => {
    it.scoped(
      "/health answers while a heavy query runs, and the heavy query then completes",
      () =>
        Effect.gen(function* () {
          const port = yield* startApp(yield* Files, {
            POOL_SIZE: "2",
            QUERY_TIMEOUT_MS: "60000",
            CACHE_ENABLED: "false"
          })
          const heavy = yield* Effect.fork(get(port, heavySearch(50)))
          yield* eventually(
            "both workers busy",
            Effect.map(poolGauges(port), (g) => g.in_flight_queries === 2)
          )
          const health = yield* get(port, "/health")
          expect(health.status).toBe(200)
          expect(json(health)).toMatchObject({ status: "ok" })
          // Still running when /health had its whole answer.
          expect(heavy.unsafePoll()).toBeNull()

          const done = yield* Fiber.join(heavy)
          expect(done.status).toBe(200)
          expect(done.at).toBeGreaterThan(health.at)
          expect(json(done)).toMatchObject({ rows: [{ item_code: "HV-0" }], truncated: true })
        }),
      60_000
    )

    it.scoped(
      "past QUERY_TIMEOUT_MS: 504, and fresh workers serve the next request while the stuck statements still run",
      () =>
        Effect.gen(function* () {
          const files = yield* Files
          // The deadline is far below the heavy search (2 s per file when idle, longer when busy) and far above an
          // ordinary query (~5 ms when idle), which must still fit in it on a busy machine.
          const timeoutMs = 500
          const port = yield* startApp(files, { POOL_SIZE: "2", QUERY_TIMEOUT_MS: String(timeoutMs) })

          const started = performance.now()
          const timedOut = yield* get(port, heavySearch(100))
          expect(timedOut.status).toBe(504)
          expect(json(timedOut)).toEqual({ code: "timeout", message: expect.any(String) })
          expect(timedOut.text).not.toMatch(/SELECT|items_fts/)
          expect(timedOut.text).not.toContain(files.dir)
          expect(timedOut.at - started).toBeGreaterThanOrEqual(timeoutMs)
          // The 504 did not wait for the stuck threads. The half that reached the deadline first failed the
          // request and its sibling was interrupted: that worker is given back only if it is free by its own
          // deadline, so both threads end up retired.
          const atTimeout = yield* poolGauges(port)
          expect(atTimeout.timeouts_total).toBeGreaterThanOrEqual(1)
          expect(atTimeout.retired_workers).toBeGreaterThanOrEqual(1)
          yield* eventually(
            "both stuck threads retired",
            Effect.map(poolGauges(port), (g) => g.retired_workers === 2)
          )

          // Replacements start at once. The deadline counts waiting for a worker too, so a request sent before
          // they are up would time out as well: wait until they are idle.
          yield* eventually(
            "replacement workers idle",
            Effect.map(poolGauges(port), (g) => g.idle_workers === 2)
          )
          const next = yield* get(port, "/summary/by-line?from=2025-12-01&to=2026-01-31")
          expect(next.status).toBe(200)
          expect(rowsOf(next).length).toBeGreaterThan(0)
          // Answered while the stuck statements still run: only the fresh workers could have served it.
          expect((yield* poolGauges(port)).retired_workers).toBeGreaterThanOrEqual(1)

          yield* eventually(
            "stuck statements ended",
            Effect.map(poolGauges(port), (g) => g.retired_workers === 0),
            60_000
          )
          expect(yield* poolGauges(port)).toMatchObject({ workers: 2, idle_workers: 2, retired_workers: 0 })
          expect((yield* get(port, "/lines")).status).toBe(200)
        }),
      90_000
    )

    it.scoped(
      "100 concurrent uncached requests on mixed endpoints all get 200",
      () =>
        Effect.gen(function* () {
          const port = yield* startApp(yield* Files, { POOL_SIZE: "2", CACHE_ENABLED: "false" })
          // Windows that leave out the heavy items' day (HEAVY_DATE) where rows would carry their names, and `q`s
          // of 3+ characters (a shorter one folds every item name, the heavy ones included).
          const targets = [
            "/summary/daily?from=2025-12-01&to=2026-01-31",
            "/summary/monthly?from=2025-09-01&to=2026-04-30",
            "/summary/by-item?from=2025-10-15&to=2026-02-15",
            "/summary/by-line?from=2025-12-20&to=2026-01-10&item_code=IT-003",
            "/summary/monthly-by-item?from=2025-11-01&to=2026-03-31&line_code=L01",
            "/records?from=2025-12-25&to=2026-01-05&limit=20",
            "/records?from=2025-09-01&to=2026-04-30&item_code=IT-007&lot_prefix=AB",
            "/items?q=bracket",
            `/items?q=${encodeURIComponent("ø20")}`,
            "/lines"
          ]
          const replies = yield* Effect.forEach(
            Array.from({ length: 100 }, (_, i) => targets[i % targets.length]!),
            (target) => Effect.map(get(port, target), (reply) => ({ target, ...reply })),
            { concurrency: "unbounded" }
          )
          expect(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.target} ${r.text}`)).toEqual([])
          expect(replies.every((r) => r.headers["x-cache"] === "MISS")).toBe(true)
          expect(yield* poolGauges(port)).toMatchObject({ rejections_total: 0, timeouts_total: 0, retired_workers: 0 })
        }),
      60_000
    )
  }
)
