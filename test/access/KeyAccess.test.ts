import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { launchService, spawnService } from "../reliability/Processes.js"
import {
  type Reply,
  type SendOptions,
  errorBodyProblem,
  reliabilityFiles,
  send,
  startApp
} from "../reliability/ReliabilityKit.js"

const KEYS = ["k-alpha-7f3c9e", "k-beta-19ad02"]
const DATA = "/summary/daily?from=2026-01-01&to=2026-01-31"
/** Every kind of route: a fast-path data GET, the stream, the tools, metrics and the docs outside the HttpApi. */
const GUARDED = [DATA, "/records/export?from=2026-01-01&to=2026-01-02", "/tools", "/metrics", "/openapi.json", "/docs"]

const call = (port: number, target: string, authorization?: string, options: SendOptions = {}) =>
  Effect.orDie(
    send(port, target, {
      ...options,
      headers: { ...options.headers, ...(authorization === undefined ? {} : { authorization }) }
    })
  )

const expectUnauthorized = (reply: Reply, target: string) => {
  expect([target, reply.status]).toEqual([target, 401])
  expect(reply.headers["www-authenticate"]).toBe("Bearer")
  expect(errorBodyProblem(reply)).toBeUndefined()
  expect((JSON.parse(reply.text) as { code: string }).code).toBe("unauthorized")
}

const TOOL_BODY = JSON.stringify({ q: "Item" })
const toolPost = { method: "POST", headers: { "content-type": "application/json" }, body: TOOL_BODY }

describe("API_KEYS: bearer access on both doors", () => {
  it.scopedLive(
    "every endpoint but /health needs one of the keys; preflights are answered without one",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const port = yield* startApp(files, { env: { API_KEYS: ` ${KEYS[0]}, ,${KEYS[1]}`, CORS_ORIGINS: "*" } })

        expect((yield* call(port, "/health")).status).toBe(200)
        for (const target of GUARDED) {
          expectUnauthorized(yield* call(port, target), target)
          expectUnauthorized(yield* call(port, target, "Bearer k-alpha-7f3c9f"), target)
          expectUnauthorized(yield* call(port, target, `Basic ${KEYS[0]}`), target)
          for (const key of KEYS)
            expect([target, (yield* call(port, target, `Bearer ${key}`)).status]).toEqual([target, 200])
        }
        expect((yield* call(port, DATA, `bearer ${KEYS[1]}`)).status).toBe(200)
        const spec = JSON.parse((yield* call(port, "/openapi.json", `Bearer ${KEYS[0]}`)).text) as {
          paths: Record<string, Record<string, { security: unknown }>>
          components: { securitySchemes: Record<string, { type: string; scheme: string }> }
        }
        expect(spec.components.securitySchemes["bearer"]).toMatchObject({ type: "http", scheme: "bearer" })
        expect(spec.paths["/health"]!["get"]!.security).toEqual([])
        expect(spec.paths["/summary/daily"]!["get"]!.security).toEqual([{ bearer: [] }])
        expectUnauthorized(yield* call(port, "/tools/search_items", undefined, toolPost), "POST /tools/search_items")
        expect((yield* call(port, "/tools/search_items", `Bearer ${KEYS[0]}`, toolPost)).status).toBe(200)
        // An unknown path is refused before it is looked up: no key, no map of what exists.
        expectUnauthorized(yield* call(port, "/nope"), "/nope")

        // The fast path answers a cached URL without a fiber: the key is checked before the cache.
        const cached = yield* call(port, DATA, `Bearer ${KEYS[0]}`)
        expect(cached.headers["x-cache"]).toBe("HIT")
        expectUnauthorized(yield* call(port, DATA), `${DATA} (cached)`)

        const preflight = yield* call(port, DATA, undefined, {
          method: "OPTIONS",
          headers: { origin: "https://app.example", "access-control-request-method": "GET" }
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers["access-control-allow-origin"]).toBe("*")
        // From a browser (Origin: the app's door), a 401 carries the CORS headers so that a script can read it.
        const fromBrowser = yield* call(port, DATA, undefined, { headers: { origin: "https://app.example" } })
        expectUnauthorized(fromBrowser, `${DATA} from a browser`)
        expect(fromBrowser.headers["access-control-allow-origin"]).toBe("*")
      }),
    60_000
  )

  it.scopedLive(
    "without API_KEYS everything is open as before",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const port = yield* startApp(files)
        for (const target of ["/health", ...GUARDED]) {
          const reply = yield* call(port, target)
          expect([target, reply.status, reply.headers["www-authenticate"]]).toEqual([target, 200, undefined])
        }
        expect((yield* call(port, "/tools/search_items", undefined, toolPost)).status).toBe(200)
        expect((yield* call(port, DATA, "Bearer whatever")).status).toBe(200)
      }),
    60_000
  )

  it.scopedLive(
    "npm start never logs a key: not at start, not in the 401 lines",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const service = yield* spawnService(files, { API_KEYS: KEYS.join(",") })
        // Keys that come close (a wrong last character) and the right ones, on both doors.
        for (const target of [DATA, "/tools", "/nope"]) {
          expectUnauthorized(yield* call(service.port, target, `Bearer ${KEYS[0]!.slice(0, -1)}x`), target)
          expect((yield* call(service.port, target, `Bearer ${KEYS[1]}`)).status).not.toBe(401)
        }
        const logged = `${service.stdout()}\n${service.stderr()}`
        expect(logged).toContain('"status":401')
        for (const key of KEYS) {
          expect(logged).not.toContain(key)
          expect(logged).not.toContain(key.slice(0, -1))
        }
      }),
    60_000
  )

  it.scopedLive(
    "a bad access setting stops npm start with a line naming it, and no key",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const service = yield* launchService(files, { API_KEYS: KEYS.join(","), CHAT_RATE_PER_MINUTE: "0" })
        expect(yield* service.exited).not.toBe(0)
        const printed = `${service.stdout()}\n${service.stderr()}`
        expect(printed).toContain("CHAT_RATE_PER_MINUTE")
        for (const key of KEYS) expect(printed).not.toContain(key)
      }),
    60_000
  )
})
