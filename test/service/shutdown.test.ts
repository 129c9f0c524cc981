import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { tempDir } from "../support/fixtures.js"
import { eventually, firstHealthy, get, heavyQ, json, poolGauges, serviceFiles, spawnService } from "./ServiceKit.js"

describe("SIGTERM (src/main.ts as a process)", () => {
  it.scopedLive(
    "the in-flight request completes, new connections are refused, the process exits 0",
    () =>
      Effect.gen(function* () {
        const cwd = yield* tempDir("service-sigterm-")
        const files = yield* serviceFiles({ heavy: true })
        const service = yield* spawnService(cwd, {
          LIVE_DB_PATH: files.livePath,
          ARCHIVE_DB_PATH: files.archivePath,
          QUERY_TIMEOUT_MS: "60000"
        })
        yield* firstHealthy(service)

        const slow = yield* Effect.fork(get(service.port, `/items?q=${heavyQ(40)}&limit=1`))
        yield* eventually(
          "the slow request reached the workers",
          Effect.map(poolGauges(service.port), (g) => g.in_flight_queries === 2)
        )
        service.child.kill("SIGTERM")
        const signalled = performance.now()
        yield* eventually(
          "new connections refused",
          Effect.map(
            Effect.either(get(service.port, "/health")),
            (r) => r._tag === "Left" && r.left.code === "ECONNREFUSED"
          ),
          5_000
        )
        expect(slow.unsafePoll()).toBeNull()

        const done = yield* Fiber.join(slow)
        expect(done.status).toBe(200)
        expect(json(done)).toMatchObject({ rows: [{ item_code: "HV-0" }], truncated: true })
        expect(yield* service.exited).toBe(0)
        expect(performance.now() - signalled).toBeLessThan(20_000)
        expect(service.stderr()).toBe("")
      }),
    60_000
  )
})
