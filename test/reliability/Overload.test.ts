import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  type Reply,
  errorBodyProblem,
  eventually,
  get,
  HEAVY_GROUPS,
  inflateRollup,
  jsonOf,
  poolGauges,
  reliabilityFiles,
  rowsOf,
  send,
  startApp
} from "./ReliabilityKit.js"

const POOL_SIZE = 1
const QUEUE_LIMIT = 2
const BURST = 12
/** Far below what one heavy statement takes (~0.4 s here): every one that starts is stuck past its deadline. */
const QUERY_TIMEOUT_MS = 100
const HEAVY_DAYS = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
/** A live-only window (one statement per request) over 200,000 rollup groups, with a one-row answer. */
// Monthly by item over a few days sums the (inflated) day rows of every item: slow whatever the window's length
// does for by-item, which reads running totals.
const HEAVY = "/summary/monthly-by-item?from=2026-01-01&to=2026-01-04"

describe("overload at the HTTP level", () => {
  it.scopedLive(
    `POOL_SIZE=${POOL_SIZE}, QUEUE_LIMIT=${QUEUE_LIMIT}: a burst of ${BURST} heavy requests gets 503 overloaded (Retry-After) and 504s, then the pool is whole again`,
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        inflateRollup(files.live, HEAVY_DAYS, HEAVY_GROUPS)
        const port = yield* startApp(files, {
          env: {
            POOL_SIZE: String(POOL_SIZE),
            QUEUE_LIMIT: String(QUEUE_LIMIT),
            QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
            CACHE_ENABLED: "false"
          }
        })

        const replies = yield* Effect.forEach(Array.from({ length: BURST }), () => Effect.orDie(send(port, HEAVY)), {
          concurrency: "unbounded"
        })
        const by = (status: number) => replies.filter((r) => r.status === status)
        const counts = { ok: by(200).length, overloaded: by(503).length, timedOut: by(504).length }
        console.log(
          `overload burst of ${BURST}: ${JSON.stringify(counts)}; pool ${JSON.stringify(yield* poolGauges(port))}`
        )
        expect(replies.filter((r) => ![200, 503, 504].includes(r.status)).map(describe503)).toEqual([])
        expect(counts.overloaded).toBeGreaterThanOrEqual(1)
        expect(counts.timedOut).toBeGreaterThanOrEqual(1)
        for (const reply of by(503)) {
          expect(errorBodyProblem(reply)).toBeUndefined()
          expect(jsonOf(reply)).toMatchObject({ code: "overloaded" })
          expect(reply.headers["retry-after"]).toBe("1")
        }
        for (const reply of by(504)) {
          expect(errorBodyProblem(reply)).toBeUndefined()
          expect(jsonOf(reply)).toMatchObject({ code: "timeout" })
        }

        // The stuck statements end in their retired threads; the pool is back to exactly POOL_SIZE workers.
        yield* eventually(
          "retired threads gone and the pool idle",
          Effect.map(poolGauges(port), (g) => g["retired_workers"] === 0 && g["idle_workers"] === POOL_SIZE),
          30_000
        )
        const gauges = yield* poolGauges(port)
        expect(gauges).toMatchObject({ workers: POOL_SIZE, retired_workers: 0, idle_workers: POOL_SIZE })
        expect(gauges["timeouts_total"]).toBeGreaterThanOrEqual(counts.timedOut)
        expect(gauges["rejections_total"]).toBeGreaterThanOrEqual(counts.overloaded)
        const next = yield* get(port, "/summary/daily?from=2026-02-01&to=2026-02-28")
        expect(next.status).toBe(200)
        expect(rowsOf(next)).toHaveLength(28)
        expect((yield* get(port, "/health")).status).toBe(200)
      }),
    60_000
  )
})

const describe503 = (reply: Reply) => `${reply.status} ${reply.text}`
