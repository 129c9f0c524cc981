import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Option, TestClock } from "effect"
import { ChatAccess, type ChatCaller, isLoopback } from "../../src/access/ChatAccess.js"
import { errorReply } from "../../src/http/ApiErrors.js"

const chatAccess = (env: Record<string, string>) =>
  ChatAccess.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))

const caller = (address: string, key?: string): ChatCaller => ({
  method: "POST",
  url: "/chat",
  headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  remoteAddress: Option.some(address)
})

/** `n` calls of `who`: how many were admitted, and the last refusal. */
const calls = (n: number, who: ChatCaller) =>
  Effect.gen(function* () {
    const access = yield* ChatAccess
    const outcomes = yield* Effect.all(Array.from({ length: n }, () => Effect.either(access.admit(who))))
    return {
      admitted: outcomes.filter(Either.isRight).length,
      refused: outcomes.filter(Either.isLeft).map((o) => o.left)
    }
  })

describe("ChatAccess", () => {
  it.effect("N calls a minute pass, the next is 429 with Retry-After, and a minute later they pass again", () =>
    Effect.gen(function* () {
      const who = caller("10.0.0.5", "k1")
      expect(yield* calls(3, who)).toEqual({ admitted: 3, refused: [] })
      yield* TestClock.adjust("20 seconds")
      const over = yield* calls(1, who)
      expect(over.admitted).toBe(0)
      const refusal = over.refused[0]!
      expect(refusal._tag).toBe("RateLimited")
      const reply = errorReply(refusal)
      expect(reply.status).toBe(429)
      // The window opened at the first call: 40 of its 60 seconds are left.
      expect(reply.headers["retry-after"]).toBe("40")
      expect(JSON.parse(Buffer.from(reply.body!).toString())).toEqual({
        code: "rate_limited",
        message: refusal.message
      })
      yield* TestClock.adjust("40 seconds")
      expect(yield* calls(4, who)).toMatchObject({ admitted: 3 })
    }).pipe(Effect.provide(chatAccess({ API_KEYS: "k1,k2", HOST: "0.0.0.0", CHAT_RATE_PER_MINUTE: "3" })))
  )

  it.effect("with keys, each key has its own budget whatever the address", () =>
    Effect.gen(function* () {
      expect(yield* calls(3, caller("10.0.0.5", "k1"))).toMatchObject({ admitted: 2 })
      expect(yield* calls(3, caller("10.0.0.5", "k2"))).toMatchObject({ admitted: 2 })
      expect(yield* calls(1, caller("10.0.0.6", "k1"))).toMatchObject({ admitted: 0 })
    }).pipe(Effect.provide(chatAccess({ API_KEYS: "k1,k2", CHAT_RATE_PER_MINUTE: "2" })))
  )

  it.effect("without keys, each client address has its own budget", () =>
    Effect.gen(function* () {
      expect(yield* calls(3, caller("127.0.0.1"))).toMatchObject({ admitted: 2 })
      expect(yield* calls(3, caller("::1"))).toMatchObject({ admitted: 2 })
      expect(yield* calls(1, caller("127.0.0.1", "any"))).toMatchObject({ admitted: 0 })
    }).pipe(Effect.provide(chatAccess({ CHAT_RATE_PER_MINUTE: "2" })))
  )

  it.effect("the default is 30 calls a minute", () =>
    Effect.gen(function* () {
      expect(yield* calls(31, caller("127.0.0.1"))).toMatchObject({ admitted: 30 })
    }).pipe(Effect.provide(chatAccess({})))
  )

  it.effect("without keys on a non-loopback HOST: 403 forbidden; with keys: allowed", () =>
    Effect.gen(function* () {
      for (const HOST of ["0.0.0.0", "::", "192.168.1.20", "example.org"]) {
        const closed = yield* Effect.provide(calls(1, caller("127.0.0.1")), chatAccess({ HOST }))
        expect([HOST, closed.admitted]).toEqual([HOST, 0])
        const reply = errorReply(closed.refused[0]!)
        expect(reply.status).toBe(403)
        expect(JSON.parse(Buffer.from(reply.body!).toString())).toMatchObject({ code: "forbidden" })
        const keyed = yield* Effect.provide(calls(1, caller("10.0.0.5", "k1")), chatAccess({ HOST, API_KEYS: "k1" }))
        expect([HOST, keyed.admitted]).toEqual([HOST, 1])
      }
      for (const HOST of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"]) {
        const open = yield* Effect.provide(calls(1, caller("127.0.0.1")), chatAccess({ HOST }))
        expect([HOST, open.admitted]).toEqual([HOST, 1])
      }
    })
  )

  it("loopback hosts", () => {
    expect(["127.0.0.1", "127.255.0.9", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"].every(isLoopback)).toBe(true)
    expect(["0.0.0.0", "::", "128.0.0.1", "10.127.0.1", "localhost.evil.org", "1127.0.0.1"].some(isLoopback)).toBe(
      false
    )
  })
})
