import * as http from "node:http"
import * as zlib from "node:zlib"
import { describe, expect, layer } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { Deferred, Effect, Fiber } from "effect"
import { afterAll } from "vitest"
import { API_RECORD_FIELDS, type ApiRecord } from "../../src/domain/ProductionRecord.js"
import { DatabaseUnavailable } from "../../src/query/ReadErrors.js"
import {
  getJson,
  inRecordsOrder,
  makeEngineControl,
  makeFixture,
  removeFixture,
  request,
  serverLayer,
  BACKENDS,
  serverPort
} from "./HttpTestKit.js"

const fixture = makeFixture()
afterAll(() => removeFixture(fixture))
const control = makeEngineControl()
const CHUNK = 7

/** Every row of `/records` for `search`, by paging. */
const pageAll = (port: number, search: string) =>
  Effect.gen(function* () {
    const rows: Array<ApiRecord> = []
    let cursor: string | null = null
    do {
      const target: string = `/records?${search}&limit=50${cursor === null ? "" : `&cursor=${cursor}`}`
      const page = (yield* getJson(port, target)).json as { rows: Array<ApiRecord>; next_cursor: string | null }
      rows.push(...page.rows)
      cursor = page.next_cursor
    } while (cursor !== null)
    return rows
  })

/** CSV rows as Records (numbers converted back). */
const parseCsv = (text: string): Array<ApiRecord> => {
  const rows = parse(text, { columns: true, record_delimiter: "\r\n" }) as Array<Record<string, string>>
  return rows.map((r) => ({
    ...r,
    id: Number(r["id"]),
    good_quantity: Number(r["good_quantity"]),
    defect_quantity: Number(r["defect_quantity"])
  })) as unknown as Array<ApiRecord>
}

const SELECTIONS = [
  "from=2025-11-01&to=2026-02-28",
  "from=2025-12-20&to=2026-01-10&item_code=IT-1",
  "from=2025-11-01&to=2026-02-28&q=%C3%B820&line_code=L02",
  "from=2025-11-01&to=2026-02-28&lot_prefix=AC001",
  "from=2026-02-01&to=2026-02-01&item_code=none",
  ""
]

describe.each(BACKENDS)("/records/export on %s", (backend) => {
  layer(
    serverLayer(fixture, { control, backend, env: { EXPORT_CHUNK_ROWS: String(CHUNK), EXPORT_CONCURRENCY: "2" } }),
    {
      excludeTestServices: true
    }
  )((it) => {
    it.effect("CSV: RFC 4180, header in Record order, CRLF, same rows as paging /records", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const search of SELECTIONS) {
          const response = yield* request(port, `/records/export?${search}`)
          expect(response.status).toBe(200)
          expect(response.aborted).toBe(false)
          expect(response.headers["content-type"]).toMatch(/^text\/csv/)
          const text = response.body.toString("utf8")
          expect(text.startsWith(`${API_RECORD_FIELDS.join(",")}\r\n`)).toBe(true)
          expect(text.endsWith("\r\n")).toBe(true)
          const rows = parseCsv(text)
          const paged = yield* pageAll(port, search)
          expect(rows, search).toEqual(paged)
        }
        const all = parseCsv((yield* request(port, "/records/export?from=2025-11-01&to=2026-02-28")).body.toString())
        expect(all).toEqual(inRecordsOrder(fixture.records))
        expect(all.some((r) => /[\r\n",]/.test(r.item_name))).toBe(true)
      })
    )

    it.effect("NDJSON: one Record per line, same rows as paging /records", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        for (const search of SELECTIONS) {
          const response = yield* request(port, `/records/export?${search}&format=ndjson`)
          expect(response.status).toBe(200)
          expect(response.headers["content-type"]).toBe("application/x-ndjson")
          const text = response.body.toString("utf8")
          const lines = text.split("\n")
          expect(lines.pop()).toBe("")
          const rows = lines.map((line) => JSON.parse(line) as ApiRecord)
          for (const row of rows) expect(Object.keys(row)).toEqual([...API_RECORD_FIELDS])
          expect(rows, search).toEqual(yield* pageAll(port, search))
        }
      })
    )

    it.effect("compressed when accepted", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const target = "/records/export?from=2025-11-01&to=2026-02-28"
        const plain = yield* request(port, target)
        const gzip = yield* request(port, target, { headers: { "accept-encoding": "gzip" } })
        expect(gzip.headers["content-encoding"]).toBe("gzip")
        expect(zlib.gunzipSync(gzip.body).equals(plain.body)).toBe(true)
        const br = yield* request(port, `${target}&format=ndjson`, { headers: { "accept-encoding": "br" } })
        expect(br.headers["content-encoding"]).toBe("br")
        const ndjson = yield* request(port, `${target}&format=ndjson`)
        expect(zlib.brotliDecompressSync(br.body).equals(ndjson.body)).toBe(true)
      })
    )

    it.effect("reads in keyset chunks through the engine", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const seen: Array<{ limit: number; after: unknown }> = []
        control.before = (query) =>
          Effect.sync(() => {
            if (query._tag === "records") seen.push({ limit: query.limit, after: query.after })
          })
        try {
          yield* request(port, "/records/export?from=2026-01-01&to=2026-01-31")
        } finally {
          control.before = () => Effect.void
        }
        const expected = fixture.records.filter((r) => r.production_date.startsWith("2026-01")).length
        expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(expected / CHUNK))
        expect(seen.every((q) => q.limit === CHUNK)).toBe(true)
        expect(seen[0]!.after).toBeUndefined()
        expect(seen.slice(1).every((q) => q.after !== undefined)).toBe(true)
      })
    )

    it.effect("at most EXPORT_CONCURRENCY at once: one more gets 503 overloaded with Retry-After", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const release = yield* Deferred.make<void>()
        let held = 0
        control.before = (query) =>
          query._tag === "records" && query.limit === CHUNK
            ? Effect.zipRight(
                Effect.sync(() => held++),
                Deferred.await(release)
              )
            : Effect.void
        try {
          const first = yield* Effect.fork(request(port, "/records/export"))
          const second = yield* Effect.fork(request(port, "/records/export?format=ndjson"))
          while (held < 2) yield* Effect.sleep("10 millis")
          const third = yield* getJson(port, "/records/export")
          expect(third.status).toBe(503)
          expect(third.json).toEqual({ code: "overloaded", message: expect.any(String) })
          expect(third.headers["retry-after"]).toMatch(/^\d+$/)
          expect((yield* getJson(port, "/lines")).status).toBe(200)
          yield* Deferred.succeed(release, undefined)
          expect((yield* Fiber.join(first)).status).toBe(200)
          expect((yield* Fiber.join(second)).status).toBe(200)
        } finally {
          control.before = () => Effect.void
        }
        // The slots are free again once the bodies are done.
        expect((yield* request(port, "/records/export")).status).toBe(200)
        expect((yield* request(port, "/records/export")).status).toBe(200)
      })
    )

    it.effect("a failure before the first byte is an ordinary error response", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        control.before = () => Effect.fail(new DatabaseUnavailable({ file: "live", reason: "gone" }))
        try {
          const response = yield* getJson(port, "/records/export")
          expect(response.status).toBe(503)
          expect(response.json).toMatchObject({ code: "database_unavailable" })
        } finally {
          control.before = () => Effect.void
        }
        expect((yield* request(port, "/records/export")).status).toBe(200)
      })
    )

    it.effect("a failure after the first byte aborts the transfer instead of ending it", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        control.before = (query) =>
          query._tag === "records" && query.after !== undefined
            ? Effect.fail(new DatabaseUnavailable({ file: "archive", reason: "gone" }))
            : Effect.void
        try {
          for (const headers of [{}, { "accept-encoding": "gzip" }]) {
            const response = yield* request(port, "/records/export?from=2025-11-01&to=2026-02-28", { headers })
            expect(response.status).toBe(200)
            expect(response.aborted).toBe(true)
            // The first chunk arrived: a truncated transfer, not an empty reply.
            expect(response.body.length).toBeGreaterThan(0)
          }
        } finally {
          control.before = () => Effect.void
        }
        // The service is fine afterwards, and the slot was released.
        for (let i = 0; i < 3; i++) {
          const response = yield* request(port, "/records/export")
          expect(response.status).toBe(200)
          expect(response.aborted).toBe(false)
        }
      })
    )

    it.effect("a client that goes away frees its slot", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const release = yield* Deferred.make<void>()
        control.before = (query) =>
          query._tag === "records" && query.after !== undefined ? Deferred.await(release) : Effect.void
        try {
          for (let i = 0; i < 3; i++) {
            // Reads the first bytes, then hangs up while the next chunk is being read.
            yield* Effect.async<void>((resume) => {
              const req = http.get({ host: "127.0.0.1", port, path: "/records/export", agent: false }, (res) => {
                res.once("data", () => {
                  req.destroy()
                  resume(Effect.void)
                })
              })
              req.on("error", () => undefined)
            })
          }
          yield* Effect.sleep("50 millis")
          // Were the three slots still taken, both of these would get 503 at once.
          const a = yield* Effect.fork(request(port, "/records/export"))
          const b = yield* Effect.fork(request(port, "/records/export?format=ndjson"))
          yield* Effect.sleep("50 millis")
          yield* Deferred.succeed(release, undefined)
          expect((yield* Fiber.join(a)).status).toBe(200)
          expect((yield* Fiber.join(b)).status).toBe(200)
        } finally {
          control.before = () => Effect.void
        }
      })
    )
  })
})
