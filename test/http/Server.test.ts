import * as http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { afterAll } from "vitest"
import {
  getJson,
  makeEngineControl,
  makeFixture,
  removeFixture,
  request,
  serverLayer,
  serverPort
} from "./HttpTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))

/** Starts the app in its own scope; returns the port and the scope to close it. */
const start = (control = makeEngineControl(), env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(serverLayer(fixture, { control, env }), scope)
    const port = yield* Effect.provide(serverPort, context)
    return { scope, port }
  })

const refused = (port: number) =>
  Effect.async<boolean>((resume) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/lines", agent: false }, (res) => {
      res.resume()
      resume(Effect.succeed(false))
    })
    req.on("error", () => resume(Effect.succeed(true)))
  })

describe("server lifecycle", () => {
  it.live("PORT=0 picks a free port for each server", () =>
    Effect.gen(function* () {
      const a = yield* start()
      const b = yield* start()
      expect(a.port).toBeGreaterThan(0)
      expect(b.port).not.toBe(a.port)
      expect((yield* getJson(a.port, "/lines")).status).toBe(200)
      expect((yield* getJson(b.port, "/lines")).status).toBe(200)
      yield* Scope.close(a.scope, Exit.void)
      yield* Scope.close(b.scope, Exit.void)
    })
  )

  it.live("shutdown stops accepting, finishes in-flight requests, then releases", () =>
    Effect.gen(function* () {
      const control = makeEngineControl()
      const entered = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      control.before = () => Effect.zipRight(Deferred.succeed(entered, undefined), Deferred.await(release))
      const { port, scope } = yield* start(control)

      const inFlight = yield* Effect.fork(getJson(port, "/summary/daily"))
      yield* Deferred.await(entered)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Effect.sleep("50 millis")
      expect(yield* refused(port)).toBe(true)
      expect(closing.unsafePoll()).toBeNull()

      yield* Deferred.succeed(release, undefined)
      const response = yield* Fiber.join(inFlight)
      expect(response.status).toBe(200)
      expect((response.json as { rows: Array<unknown> }).rows.length).toBeGreaterThan(0)
      yield* Fiber.join(closing)
    })
  )

  it.live("shutdown does not wait for idle kept-alive connections", () =>
    Effect.gen(function* () {
      const { port, scope } = yield* start(makeEngineControl(), { SHUTDOWN_GRACE_MS: "30000" })
      const agent = new http.Agent({ keepAlive: true })
      yield* Effect.async<void>((resume) => {
        http.get({ host: "127.0.0.1", port, path: "/lines", agent }, (res) => {
          res.resume()
          res.on("end", () => resume(Effect.void))
        })
      })
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      expect(Date.now() - started).toBeLessThan(2000)
      agent.destroy()
    })
  )

  it.live("/health answers while an engine query is still running", () =>
    Effect.gen(function* () {
      const control = makeEngineControl()
      const release = yield* Deferred.make<void>()
      control.before = () => Deferred.await(release)
      const { port, scope } = yield* start(control)
      const slow = yield* Effect.fork(request(port, "/summary/monthly"))
      yield* Effect.sleep("20 millis")
      const started = Date.now()
      const health = yield* getJson(port, "/health")
      expect(health.status).toBe(200)
      expect(Date.now() - started).toBeLessThan(500)
      yield* Deferred.succeed(release, undefined)
      expect((yield* Fiber.join(slow)).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
    })
  )
})
