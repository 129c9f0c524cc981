import { expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, LogLevel } from "effect"
import * as fc from "effect/FastCheck"
import * as http from "node:http"
import { encodeCursor } from "../../src/http/Cursor.js"
import type { DateWindow } from "../../src/domain/DateWindow.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import type { RecordFilters } from "../../src/query/Query.js"
import { DATA_ENDPOINTS, NASTY, echoedNames, getCaseArb, percentEncode, targetOf, toolCaseArb } from "./FuzzInput.js"
import {
  type Files,
  type Reply,
  errorBodyProblem,
  get,
  jsonOf,
  reliabilityFiles,
  send,
  sendRaw,
  startApp
} from "./ReliabilityKit.js"

/** Runs of the request properties (the cursor property runs a third as many); `FUZZ_RUNS` to fuzz longer. */
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 1000)

class Served extends Context.Tag("Served")<Served, { readonly port: number; readonly files: Files }>() {}

const ServedLive = Layer.scoped(
  Served,
  Effect.gen(function* () {
    const files = yield* reliabilityFiles()
    // A 500 would fail the test with its body; its cause is in the log line.
    return { port: yield* startApp(files, { logLevel: LogLevel.Error }), files }
  })
)

/** Requests sent and their statuses, for the closing figures. */
let sent = 0
const statuses = new Map<number, number>()
// Idle sockets are dropped well before the server's 5 s keep-alive timeout, so a reuse never races its close.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: 2_000 })

const request = (port: number, target: string, options: Parameters<typeof send>[2] = {}) =>
  Effect.runPromise(
    Effect.tap(send(port, target, { agent, ...options }), (reply) =>
      Effect.sync(() => {
        sent++
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
      })
    )
  )

/** The contract's rule for any client input: 2xx/304, or a 4xx with exactly the error JSON; never 5xx. */
const assertContract = (what: string, reply: Reply, method: string, echoed: ReadonlyArray<string>) => {
  const context = `${method} ${what.length > 300 ? `${what.slice(0, 300)}…` : what} → ${reply.status} ${reply.text.slice(0, 300)}`
  expect(reply.status, context).toBeLessThan(500)
  expect(reply.status, context).toBeGreaterThanOrEqual(200)
  if (reply.status < 400) {
    expect(reply.aborted, context).toBe(false)
    return
  }
  if (method === "HEAD" || rejectedByNode(reply)) return
  expect(errorBodyProblem(reply, echoed), context).toBeUndefined()
}

/**
 * Node's own answer to a request line it cannot parse (a raw byte over 0x7f, a NUL) or headers over its limit:
 * 400 or 431 with no body, before the app sees anything. A 4xx all the same.
 */
const rejectedByNode = (reply: Reply) =>
  (reply.status === 400 || reply.status === 431) && reply.text === "" && reply.headers["content-type"] === undefined

const stillServing = (port: number) =>
  Effect.gen(function* () {
    const health = yield* get(port, "/health")
    expect(health.status).toBe(200)
    expect(jsonOf(health)).toMatchObject({ status: "ok" })
  })

// ---- cursors ----

type Filters = Readonly<Partial<Record<"from" | "to" | "item_code" | "line_code" | "lot_prefix" | "q", string>>>

const filtersArb: fc.Arbitrary<Filters> = fc
  .record({
    from: fc.constantFrom(undefined, "", "2025-10-01", "2025-12-01"),
    to: fc.constantFrom("2026-03-31", "2026-02-01"),
    item_code: fc.constantFrom(undefined, "", "ITM-001", "ITM-002"),
    line_code: fc.constantFrom(undefined, "", "L01"),
    lot_prefix: fc.constantFrom(undefined, "", "AB0", "AB00"),
    q: fc.constantFrom(undefined, "", "widget", "idget 1")
  })
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Filters)

/** `f` spelled differently (an absent filter as `name=` or left out, another order): the same scope. */
const respelled = (f: Filters): fc.Arbitrary<Filters> =>
  fc
    .tuple(
      fc.shuffledSubarray([...Object.entries(f)], { minLength: Object.keys(f).length }),
      fc.subarray(["item_code", "line_code", "lot_prefix", "q"])
    )
    .map(([entries, empties]) => {
      const out: Record<string, string> = {}
      for (const [k, v] of entries) if (v !== "") out[k] = v
      for (const k of empties) if (!(k in out)) out[k] = ""
      return out as Filters
    })

/** Two filter sets, the second mostly a respelling of the first (an honest next page), else arbitrary. */
const filterPairArb = filtersArb.chain((a) =>
  fc.tuple(fc.constant(a), fc.oneof({ weight: 2, arbitrary: respelled(a) }, { weight: 1, arbitrary: filtersArb }))
)

const dayBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)

/** What a cursor is bound to, as the service resolves it: defaults applied, empty = absent. */
const scopeOf = (f: Filters): { window: DateWindow; filters: RecordFilters } => {
  const to = f.to!
  const from = f.from === undefined || f.from === "" ? dayBefore(to, 30) : f.from
  const filters: Record<string, string> = {}
  for (const key of ["item_code", "line_code", "lot_prefix", "q"] as const) {
    const value = f[key]
    if (value !== undefined && value !== "") filters[key] = value
  }
  return { window: { from: from as IsoDate, to: to as IsoDate }, filters }
}

const sameScope = (a: Filters, b: Filters) => JSON.stringify(scopeOf(a)) === JSON.stringify(scopeOf(b))

const recordsTarget = (f: Filters, extra: Record<string, string>) =>
  `/records?${[...Object.entries(f), ...Object.entries(extra)].map(([k, v]) => `${k}=${percentEncode(v)}`).join("&")}`

type Tamper =
  | { readonly _tag: "none" }
  | { readonly _tag: "flipByte"; readonly at: number; readonly mask: number }
  | { readonly _tag: "flipChar"; readonly at: number; readonly to: string }
  | { readonly _tag: "cut"; readonly at: number }
  | { readonly _tag: "append"; readonly text: string }
  | { readonly _tag: "move"; readonly days: number; readonly ids: number; readonly source: boolean }
  | { readonly _tag: "redigest" }

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ _tag: "none" } as const) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("flipByte" as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("flipChar" as const), at: fc.nat(), to: fc.constantFrom(...BASE64URL) })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("cut" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("append" as const), text: fc.constantFrom("A", "AA", "=", "x") })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("move" as const),
      days: fc.integer({ min: -3, max: 3 }),
      ids: fc.integer({ min: -3, max: 3 }),
      source: fc.boolean()
    })
  },
  { weight: 2, arbitrary: fc.constant({ _tag: "redigest" } as const) }
)

/** The tampered token and the filters whose scope it is honestly bound to (undefined: bound to none). */
const tamper = (token: string, t: Tamper, a: Filters, b: Filters): { token: string; boundTo: Filters | undefined } => {
  const bytes = Buffer.from(token, "base64url")
  switch (t._tag) {
    case "none":
      return { token, boundTo: a }
    case "flipByte": {
      const copy = Buffer.from(bytes)
      copy[t.at % copy.length]! ^= t.mask
      return { token: copy.toString("base64url"), boundTo: undefined }
    }
    case "flipChar": {
      const at = t.at % token.length
      return { token: `${token.slice(0, at)}${t.to}${token.slice(at + 1)}`, boundTo: undefined }
    }
    case "cut":
      // Never down to "": an empty value is the same as no cursor (the first page), by the contract.
      return { token: token.slice(0, 1 + (t.at % (token.length - 1))), boundTo: undefined }
    case "append":
      return { token: `${token}${t.text}`, boundTo: undefined }
    case "move": {
      const [date, source, id, digest] = JSON.parse(bytes.toString("utf8")) as [string, string, number, string]
      const moved = [dayBefore(date, -t.days), t.source ? (source === "l" ? "a" : "l") : source, id + t.ids, digest]
      return { token: Buffer.from(JSON.stringify(moved)).toString("base64url"), boundTo: undefined }
    }
    case "redigest": {
      // Another query's digest over the same position: what a client forging a cursor for `b` would send.
      const [date, source, id] = JSON.parse(bytes.toString("utf8")) as [string, string, number]
      const position = { production_date: date, source: source === "l" ? ("live" as const) : ("archive" as const), id }
      return { token: encodeCursor(position, scopeOf(b)), boundTo: b }
    }
  }
}

layer(ServedLive, { excludeTestServices: true, timeout: "120 seconds" })("hostile input (fast-check)", (it) => {
  it.effect(
    "every data endpoint × parameter × nasty value: 2xx or a contract 4xx",
    () =>
      Effect.gen(function* () {
        const { port } = yield* Served
        for (const [path, names] of Object.entries(DATA_ENDPOINTS)) {
          for (const name of [...names, "bogus"]) {
            for (const value of NASTY) {
              const target = `${path}?${name}=${percentEncode(value)}`
              const reply = yield* Effect.promise(() => request(port, target))
              assertContract(target, reply, "GET", [name])
            }
            // Repeated, and the same name spelled with an encoded letter.
            const twice = yield* Effect.promise(() => request(port, `${path}?${name}=1&${name}=1`))
            assertContract(`${path} ${name} twice`, twice, "GET", [name])
            if (names.includes(name)) expect(twice.status).toBe(400)
          }
        }
        // A NUL in `q` is a literal character like any other (FTS5 would read the phrase as cut short at it).
        for (const target of ["/items?q=wid%00get", "/records?from=2025-10-01&to=2026-03-31&q=Widget%001"]) {
          const reply = yield* Effect.promise(() => request(port, target))
          expect([reply.status, jsonOf(reply)]).toMatchObject([200, { rows: [] }])
        }
        yield* stillServing(port)
      }),
    120_000
  )

  it.effect(
    "arbitrary query strings, paths, methods and headers: never a 5xx",
    () =>
      Effect.gen(function* () {
        const { port } = yield* Served
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(getCaseArb, async (c) => {
              const target = targetOf(c)
              const reply = await request(port, target, { method: c.method, headers: c.headers })
              assertContract(target, reply, c.method, echoedNames(target))
            }),
            { numRuns: RUNS }
          )
        )
        yield* stillServing(port)
      }),
    120_000
  )

  it.effect(
    "over-long URLs and bytes the client library refuses: a 4xx from Node or the app, and the server stays up",
    () =>
      Effect.gen(function* () {
        const { port } = yield* Served
        // Just under Node's 16 KiB header limit: the app itself answers.
        for (const name of ["q", "lot_prefix", "item_code", "cursor", "bogus"]) {
          const target = `/records?${name}=${"x".repeat(15_000)}`
          assertContract(target, yield* Effect.promise(() => request(port, target)), "GET", [name])
        }
        const raw = (line: string) =>
          Buffer.concat([Buffer.from(`GET ${line} HTTP/1.1\r\nHost: x\r\n`, "latin1"), Buffer.from("\r\n")])
        const raws = {
          // ~64 kB: Node's limit answers 431 before the app sees anything.
          long: yield* sendRaw(port, raw(`/records?q=${"x".repeat(64 * 1024)}`)),
          longName: yield* sendRaw(port, raw(`/summary/daily?${"a".repeat(64 * 1024)}=1`)),
          nul: yield* sendRaw(port, Buffer.from("GET /records?q=a\0b HTTP/1.1\r\nHost: x\r\n\r\n", "latin1")),
          space: yield* sendRaw(port, Buffer.from("GET /records?q=a b HTTP/1.1\r\nHost: x\r\n\r\n", "latin1")),
          utf8: yield* sendRaw(port, Buffer.from("GET /items?q=Ø20 HTTP/1.1\r\nHost: x\r\n\r\n", "utf8")),
          invalidUtf8: yield* sendRaw(
            port,
            Buffer.concat([
              Buffer.from("GET /items?q="),
              Buffer.from([0xff, 0xfe, 0xc3]),
              Buffer.from(" HTTP/1.1\r\nHost: x\r\n\r\n")
            ])
          ),
          hugeHeader: yield* sendRaw(
            port,
            Buffer.from(`GET /lines HTTP/1.1\r\nHost: x\r\nX-A: ${"a".repeat(70_000)}\r\n\r\n`)
          ),
          garbage: yield* sendRaw(port, Buffer.from("\x16\x03\x01 not http at all\r\n\r\n", "latin1"))
        }
        sent += Object.keys(raws).length
        console.log(`raw requests: ${JSON.stringify(raws)}`)
        expect(raws.long).toBe(431)
        expect(raws.longName).toBe(431)
        expect(raws.hugeHeader).toBe(431)
        for (const [what, status] of Object.entries(raws)) {
          // 0: Node closed the socket without a response (a request it cannot parse at all).
          expect(status === 0 || (status >= 200 && status < 500), `${what}: ${status}`).toBe(true)
        }
        yield* stillServing(port)
      }),
    60_000
  )

  it.effect(
    "POST /tools/{name} with arbitrary names and JSON (and non-JSON) bodies: never a 5xx",
    () =>
      Effect.gen(function* () {
        const { port } = yield* Served
        const tools = (jsonOf(yield* get(port, "/tools")) as ReadonlyArray<{ name: string }>).map((t) => t.name)
        expect(tools.length).toBeGreaterThan(0)
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(toolCaseArb(tools), async (c) => {
              const target = `/tools/${percentEncode(c.name)}`
              const headers: Record<string, string> = { "content-length": String(Buffer.byteLength(c.body)) }
              if (c.contentType !== undefined) headers["content-type"] = c.contentType
              const reply = await request(port, target, { method: "POST", headers, body: c.body })
              assertContract(`${target} ${c.body.slice(0, 200)}`, reply, "POST", [
                c.name,
                ...Object.keys(safeArgs(c.body))
              ])
              if (reply.status === 200) expect(Object.keys(jsonOf(reply) as object)).toEqual(["result"])
            }),
            { numRuns: RUNS }
          )
        )
        yield* stillServing(port)
      }),
    120_000
  )

  it.effect(
    "cursors: untouched with the same filters → the next page; tampered or for other filters → 400 cursor",
    () =>
      Effect.gen(function* () {
        const { port } = yield* Served
        let pages = 0
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              filterPairArb,
              fc.integer({ min: 1, max: 6 }),
              fc.integer({ min: 1, max: 6 }),
              tamperArb,
              async ([a, b], first, next, t) => {
                const page1 = await request(port, recordsTarget(a, { limit: String(first) }))
                expect(page1.status).toBe(200)
                const token = (jsonOf(page1) as { next_cursor: string | null }).next_cursor
                fc.pre(token !== null)
                const forged = tamper(token!, t, a, b)
                // Honest binding: the (re)encoded cursor's scope; sent with `b`'s filters unless it was made for `b`.
                const sentWith = t._tag === "redigest" ? a : b
                const reply = await request(
                  port,
                  recordsTarget(sentWith, { limit: String(next), cursor: forged.token })
                )
                const valid =
                  forged.token === token
                    ? sameScope(a, sentWith)
                    : forged.boundTo !== undefined && sameScope(forged.boundTo, sentWith) && sameScope(a, sentWith)
                if (!valid) {
                  expect(reply.status, reply.text).toBe(400)
                  expect(jsonOf(reply)).toMatchObject({ code: "invalid_parameter", parameter: "cursor" })
                  return
                }
                expect(reply.status, reply.text).toBe(200)
                const whole = await request(port, recordsTarget(a, { limit: String(first + next) }))
                const rows = (r: Reply) => (jsonOf(r) as { rows: Array<unknown> }).rows
                expect(rows(reply)).toEqual(rows(whole).slice(first))
                pages++
              }
            ),
            { numRuns: Math.ceil(RUNS / 3) }
          )
        )
        console.log(`cursor property: ${pages} honest next pages among ${Math.ceil(RUNS / 3)} cases`)
        expect(pages).toBeGreaterThan(0)
        yield* stillServing(port)
      }),
    120_000
  )

  it.effect("the process is still up and the figures", () =>
    Effect.gen(function* () {
      const { port } = yield* Served
      yield* stillServing(port)
      const metrics = yield* get(port, "/metrics")
      expect(metrics.status).toBe(200)
      agent.destroy()
      const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`)
      console.log(`fuzz: ${sent} requests sent (${byStatus.join(", ")}), none answered 5xx`)
    })
  )
})

/** The argument names of a JSON object body, for the messages that quote them back. */
const safeArgs = (body: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}
