import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import * as fc from "effect/FastCheck"
import { AccessConfig } from "../../src/access/AccessConfig.js"
import { ApiKeys, bearerToken, keyDigests, matchesAnyKey } from "../../src/access/ApiKeys.js"

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const bearer = (token: string) => ({ method: "GET", url: "/lines", headers: { authorization: `Bearer ${token}` } })

describe("ApiKeys", () => {
  it.prop(
    "the constant-time check agrees with === over random keys and attempts",
    [
      fc.array(fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), { minLength: 1, maxLength: 5 }),
      fc.string({ maxLength: 40, unit: "grapheme" }),
      fc.nat()
    ],
    ([keys, other, pick]) => {
      const digests = keyDigests(keys.map((key) => Redacted.make(key)))
      // Half the attempts are one of the keys, the rest anything (a key's prefix or extension included).
      const attempts = [keys[pick % keys.length]!, other, keys[0]! + other, keys[0]!.slice(0, -1)]
      for (const attempt of attempts) expect(matchesAnyKey(digests, attempt)).toBe(keys.some((key) => key === attempt))
    }
  )

  it("reads the bearer token in any scheme case, and nothing else", () => {
    const of = (authorization: string) => bearerToken({ headers: { authorization } })
    expect(of("Bearer k1")).toBe("k1")
    expect(of("bearer k1")).toBe("k1")
    expect(of("BEARER  k1 ")).toBe("k1")
    expect(of("Basic azE6")).toBeUndefined()
    expect(of("Bearer")).toBeUndefined()
    expect(of("Bearer a b")).toBeUndefined()
    expect(bearerToken({ headers: {} })).toBeUndefined()
  })

  it.effect("API_KEYS: trimmed, empty entries ignored; /health and preflights need no key", () =>
    Effect.gen(function* () {
      const keys = yield* ApiKeys
      expect(keys.required).toBe(true)
      expect(keys.refusal(bearer("alpha"))).toBeUndefined()
      expect(keys.refusal(bearer("beta-2"))).toBeUndefined()
      expect(keys.refusal(bearer(""))?.code).toBe("unauthorized")
      expect(keys.refusal(bearer("alph"))?.code).toBe("unauthorized")
      expect(keys.refusal({ method: "GET", url: "/lines", headers: {} })?.code).toBe("unauthorized")
      expect(keys.refusal({ method: "GET", url: "/health?x=1", headers: {} })).toBeUndefined()
      const preflight = { "access-control-request-method": "GET", origin: "https://app.example" }
      expect(keys.refusal({ method: "OPTIONS", url: "/lines", headers: preflight })).toBeUndefined()
      expect(keys.refusal({ method: "OPTIONS", url: "/lines", headers: {} })?.code).toBe("unauthorized")
    }).pipe(Effect.provide(ApiKeys.Default.pipe(Layer.provide(withEnv({ API_KEYS: " alpha, ,beta-2 ,," })))))
  )

  it.effect("without API_KEYS (or with only blanks) nothing is refused", () =>
    Effect.gen(function* () {
      for (const env of [{}, { API_KEYS: " , " }]) {
        const keys = yield* Effect.provide(ApiKeys, ApiKeys.Default.pipe(Layer.provide(withEnv(env))))
        expect(keys.required).toBe(false)
        expect(keys.refusal({ method: "GET", url: "/lines", headers: {} })).toBeUndefined()
      }
    })
  )

  it.effect("the configuration's dump shows no key", () =>
    Effect.gen(function* () {
      const settings = yield* AccessConfig
      expect(settings.keys.length).toBe(2)
      const dumped = `${JSON.stringify(settings)} ${String(settings.keys)} ${settings.keys.map((k) => `${k}`).join()}`
      expect(dumped).not.toContain("s3cret")
    }).pipe(Effect.provide(withEnv({ API_KEYS: "s3cret-one,s3cret-two" })))
  )
})
