import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as zlib from "node:zlib"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { queryKey } from "../../src/http/Answers.js"
import { SummaryDailyParams, decodeParams } from "../../src/http/QueryParams.js"
import { request } from "../http/HttpTestKit.js"
import { CachedServer, cacheStats, cachedServer, get } from "./CachedServerKit.js"

// Only explicit windows below: "today" does not matter.
const TODAY = "2026-11-27" as IsoDate
const WIDE = "/summary/daily?from=2025-10-01&to=2026-03-31"
// The same answer by another URL: the fast path does not know it yet, so the Effect app answers it.
const WIDE_REORDERED = "/summary/daily?to=2026-03-31&from=2025-10-01"

/** Headers that must agree between the fast path and the Effect app (connection bookkeeping aside). */
const comparable = (headers: Record<string, unknown>) => {
  const { date: _d, connection: _c, "keep-alive": _k, "x-cache": _x, "server-timing": _s, ...rest } = headers
  return rest
}

describe.each(["sqlite", "postgres"] as const)("HTTP validators and encodings on %s", (backend) => {
  layer(cachedServer({ backend }), { excludeTestServices: true })((it) => {
    it.effect("a 200's ETag sent back gets 304 without a body and without database work", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        const miss = yield* get(port, WIDE)
        expect(miss.status).toBe(200)
        expect(miss.cache).toBe("MISS")
        expect(miss.headers.get("cache-control")).toBe("no-cache")
        expect(miss.headers.get("server-timing")).toMatch(/^db;dur=\d+(\.\d+)?$/)
        const etag = miss.etag!
        expect(etag).toMatch(/^"[^"]+"$/)
        const before = yield* cacheStats(port)

        // The fast path (the URL is known now) and the Effect app (another URL of the same answer).
        const replies = []
        for (const target of [WIDE, WIDE_REORDERED]) {
          const notModified = yield* request(port, target, { headers: { "if-none-match": etag } })
          replies.push(notModified)
          expect(notModified.status).toBe(304)
          expect(notModified.body.length).toBe(0)
          expect(notModified.headers["etag"]).toBe(etag)
          expect(notModified.headers["x-cache"]).toBe("HIT")
          expect(notModified.headers["cache-control"]).toBe("no-cache")
          expect(notModified.headers["server-timing"]).toBeUndefined()
        }
        expect(comparable(replies[0]!.headers)).toEqual(comparable(replies[1]!.headers))
        const after = yield* cacheStats(port)
        expect(after.misses).toBe(before.misses)
        expect(after.hits).toBe(before.hits + 2)

        const changed = yield* get(port, WIDE, { "if-none-match": '"not-the-etag"' })
        expect(changed.status).toBe(200)
        expect(changed.cache).toBe("HIT")
        expect(changed.body).toBe(miss.body)
        expect(changed.etag).toBe(etag)
        expect(changed.headers.get("cache-control")).toBe("no-cache")
        expect(changed.headers.get("server-timing")).toBeNull()
      })
    )

    it.effect("the same headers from the fast path and the Effect app; Cache-Control on every answer", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        for (const target of ["/lines", "/records?from=2026-02-01&to=2026-02-03", "/items?q=widget"]) {
          const miss = yield* request(port, target)
          const hit = yield* request(port, target)
          expect([miss.status, hit.status]).toEqual([200, 200])
          expect([miss.headers["x-cache"], hit.headers["x-cache"]]).toEqual(["MISS", "HIT"])
          expect(miss.headers["server-timing"]).toMatch(/^db;dur=/)
          expect(hit.headers["server-timing"]).toBeUndefined()
          expect(comparable(hit.headers)).toEqual(comparable(miss.headers))
          expect(hit.headers["cache-control"]).toBe("no-cache")
          expect(hit.body.equals(miss.body)).toBe(true)
        }
      })
    )

    it.effect("large bodies come compressed (gzip, br) from both paths, the same bytes, kept on the entry", () =>
      Effect.gen(function* () {
        const { port } = yield* CachedServer
        const cache = yield* ResponseCache
        const target = "/summary/daily?from=2025-11-01&to=2026-02-28"
        const key = queryKey(Either.getOrThrow(decodeParams(SummaryDailyParams, target.split("?")[1]!, TODAY)))
        const identity = yield* request(port, target)
        expect(identity.headers["content-encoding"]).toBeUndefined()
        expect(identity.body.length).toBeGreaterThan(1024)
        const decode = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync }
        for (const coding of ["gzip", "br"] as const) {
          // Effect app first (this URL with this encoding is answered by it once), then the fast path.
          const fromApp = yield* request(port, `${target}&_=${coding}`, { headers: { "accept-encoding": coding } })
          const fromFast = yield* request(port, target, { headers: { "accept-encoding": coding } })
          for (const reply of [fromApp, fromFast]) {
            expect(reply.status).toBe(200)
            expect(reply.headers["x-cache"]).toBe("HIT")
            expect(reply.headers["content-encoding"]).toBe(coding)
            expect(reply.headers["vary"]).toBe("Accept-Encoding")
            expect(Number(reply.headers["content-length"])).toBe(reply.body.length)
            expect(reply.body.length).toBeLessThan(identity.body.length)
            expect(decode[coding](reply.body).equals(identity.body)).toBe(true)
          }
          expect(comparable(fromFast.headers)).toEqual(comparable(fromApp.headers))
          expect(fromFast.body.equals(fromApp.body)).toBe(true)
          const kept = cache.peek(key)?.cachedEncoding(coding)
          expect(kept !== undefined && fromFast.body.equals(kept)).toBe(true)
        }
        // A MISS compresses too, with the same headers as the hits apart from X-Cache and Server-Timing.
        const missTarget = "/summary/daily?from=2025-10-15&to=2026-02-28"
        const miss = yield* request(port, missTarget, { headers: { "accept-encoding": "gzip, br" } })
        const hit = yield* request(port, missTarget, { headers: { "accept-encoding": "gzip, br" } })
        expect([miss.headers["x-cache"], hit.headers["x-cache"]]).toEqual(["MISS", "HIT"])
        expect(miss.headers["content-encoding"]).toBe("br")
        expect(comparable(hit.headers)).toEqual(comparable(miss.headers))
        expect(hit.body.equals(miss.body)).toBe(true)
      })
    )
  })
})
