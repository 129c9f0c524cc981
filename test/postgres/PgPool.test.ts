import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { inject } from "vitest"
import { PgConfig } from "../../src/backends/postgres/PgConfig.js"
import { PgPoolLive } from "../../src/backends/postgres/PgPool.js"
import { EngineStats } from "../../src/query/EngineStats.js"
import { eventually } from "../service/ServiceKit.js"
import { TestDatabase, testDatabaseLayer } from "../support/PgCluster.js"

const ADMIN_URL = inject("pgAdminUrl")

const poolOn = (url: string) =>
  PgPoolLive.pipe(
    Layer.provide(PgConfig.Default),
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["DATABASE_URL", url],
            ["PG_POOL_SIZE", "2"],
            ["QUERY_TIMEOUT_MS", "3000"]
          ])
        )
      )
    )
  )

describe("PgPoolLive", () => {
  it.live(
    "PG_POOL_SIZE connections at most, no parallel workers or JIT; the server stops a statement past QUERY_TIMEOUT_MS, counted",
    () =>
      Effect.gen(function* () {
        const { url } = yield* TestDatabase
        yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const stats = yield* EngineStats
          expect(yield* stats.pool).toMatchObject({ size: 2, idle: 2, inFlight: 0, timeouts: 0 })
          const [settings] = yield* sql<{ parallel: string; jit: string }>`
          SELECT current_setting('max_parallel_workers_per_gather') AS parallel, current_setting('jit') AS jit`
          expect(settings).toEqual({ parallel: "0", jit: "off" })
          const slow = yield* Effect.flip(sql`SELECT pg_sleep(10)`)
          expect(String((slow.cause as { code?: string }).code)).toBe("57014")
          // Three at once on two connections: one waits for a connection, then runs; none past the timeout.
          const fiber = yield* Effect.fork(
            Effect.all([sql`SELECT pg_sleep(1.5)`, sql`SELECT pg_sleep(1.5)`, sql`SELECT 1`], {
              concurrency: "unbounded"
            })
          )
          yield* eventually(
            "two running, one waiting",
            Effect.map(stats.pool, (s) => s?.inFlight === 2 && s.idle === 0 && s.waiting === 1)
          )
          const [, , third] = yield* fiber
          expect(third).toHaveLength(1)
          expect(yield* stats.pool).toMatchObject({ timeouts: 1, inFlight: 0, idle: 2, waiting: 0 })
        }).pipe(Effect.provide(poolOn(url)))
      }).pipe(Effect.provide(testDatabaseLayer(ADMIN_URL)))
  )
})
