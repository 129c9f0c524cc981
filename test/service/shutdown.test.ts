import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { tempDir } from "../support/fixtures.js"
import {
  type ServiceProcess,
  eventually,
  firstHealthy,
  get,
  heldPost,
  json,
  serviceFiles,
  spawnService
} from "./ServiceKit.js"

// The request in flight at SIGTERM is one whose body the test holds back: it stays in flight for exactly as long
// as the test wants, however fast or busy the machine is. A window across the cutover: both files are read.
const WINDOW = { from: "2025-09-01", to: "2026-04-30" }

const START_TIMEOUT_MS = 120_000
/** Room for the start and for what each test then does, with its own bounds. */
const TEST_TIMEOUT_MS = START_TIMEOUT_MS + 60_000

/**
 * `src/main.ts` over a fresh migrated pair with `env`, once it serves. Loading the sources through tsx takes ~2 s
 * of CPU, which a busy machine can stretch past a minute: the wait is generous, as it only detects a hang.
 */
const startService = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const cwd = yield* tempDir("service-sigterm-")
    const files = yield* serviceFiles()
    const service = yield* spawnService(cwd, {
      LIVE_DB_PATH: files.livePath,
      ARCHIVE_DB_PATH: files.archivePath,
      ...env
    })
    yield* firstHealthy(service, START_TIMEOUT_MS)
    return service
  })

/**
 * Sends the held request, and SIGTERM once the service has it; returns when new connections are refused (the
 * server has stopped listening), with the request and the time of the signal.
 */
const holdThenSignal = (service: ServiceProcess) =>
  Effect.gen(function* () {
    const held = yield* heldPost(service.port, "/tools/get_monthly_summary", JSON.stringify(WINDOW))
    yield* held.accepted
    // Taken before the signal: every time the process measures from it comes later.
    const signalled = performance.now()
    service.child.kill("SIGTERM")
    yield* eventually(
      "new connections refused",
      Effect.map(
        Effect.either(get(service.port, "/health")),
        (r) => r._tag === "Left" && r.left.code === "ECONNREFUSED"
      )
    )
    return { held, signalled }
  })

/** `effect`'s outcome with the time it was seen; fails if it takes longer than `withinMs`. */
const within = <A, E>(what: string, effect: Effect.Effect<A, E>, withinMs: number) =>
  effect.pipe(
    Effect.map((value) => ({ value, at: performance.now() })),
    Effect.timeoutFail({ duration: withinMs, onTimeout: () => new Error(`${what}: not within ${withinMs} ms`) })
  )

/**
 * What the process does after the drain (closing the pool and the files) does not wait for clients: this covers
 * only its own work on a busy machine (tens of milliseconds when idle).
 */
const TEARDOWN_ALLOWANCE_MS = 20_000

describe("SIGTERM (src/main.ts as a process)", () => {
  it.scopedLive(
    "a request in flight is answered in full, new connections are refused, the process exits 0 as soon as it is",
    () =>
      Effect.gen(function* () {
        // Far longer than the test can need: the process must end because the request is done, not because the
        // grace ran out.
        const graceMs = 30_000
        const service = yield* startService({
          SHUTDOWN_GRACE_MS: String(graceMs),
          // Every answer read from the files: the held request's is read during the drain.
          CACHE_ENABLED: "false"
        })
        const expected = yield* get(service.port, `/summary/monthly?from=${WINDOW.from}&to=${WINDOW.to}`)
        expect(expected.status).toBe(200)

        const { held, signalled } = yield* holdThenSignal(service)
        // Still running: the drain waits for the held request.
        expect(service.child.exitCode).toBeNull()

        const done = yield* held.complete
        expect(done.status).toBe(200)
        expect(done.headers["connection"]).toBe("close")
        expect(done.headers["x-cache"]).toBe("MISS")
        expect(json(done)).toEqual({ result: json(expected) })
        const exit = yield* within("exit", service.exited, graceMs)
        expect(exit.value).toBe(0)
        expect(exit.at - signalled).toBeLessThan(graceMs)
        expect(service.stderr()).toBe("")
      }),
    TEST_TIMEOUT_MS
  )

  it.scopedLive(
    "a request still in flight when SHUTDOWN_GRACE_MS ends is cut, and the process exits 0 without it",
    () =>
      Effect.gen(function* () {
        const graceMs = 1_000
        // The defaults otherwise (cache, warm-up and change detector on): the shutdown of the service as it runs.
        const service = yield* startService({ SHUTDOWN_GRACE_MS: String(graceMs) })
        const { held, signalled } = yield* holdThenSignal(service)

        // The body never comes: the drain waits out the grace, then cuts the connection.
        const cut = yield* within("cut", Effect.either(held.outcome), graceMs + TEARDOWN_ALLOWANCE_MS)
        expect(cut.value._tag).toBe("Left")
        expect(cut.at - signalled).toBeGreaterThanOrEqual(graceMs)
        const exit = yield* within("exit", service.exited, TEARDOWN_ALLOWANCE_MS)
        expect(exit.value).toBe(0)
        expect(exit.at - signalled).toBeGreaterThanOrEqual(graceMs)
        expect(service.stderr()).toBe("")
      }),
    TEST_TIMEOUT_MS
  )
})
