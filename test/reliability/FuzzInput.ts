/**
 * fast-check arbitraries of hostile requests: query strings built from the contract's parameter names and from
 * garbage, with values that are malformed dates, impossible limits, SQL and FTS5 syntax, unicode, NUL and long
 * strings, each spelled with proper, raw or broken percent-encoding, sometimes repeated.
 */
import * as fc from "effect/FastCheck"

/** The data endpoints and the parameters each accepts. */
export const DATA_ENDPOINTS: Readonly<Record<string, ReadonlyArray<string>>> = {
  "/records": ["from", "to", "item_code", "line_code", "lot_prefix", "q", "limit", "cursor"],
  "/records/export": ["from", "to", "item_code", "line_code", "lot_prefix", "q", "format"],
  "/items": ["q", "limit"],
  "/lines": [],
  "/summary/daily": ["from", "to", "item_code", "line_code"],
  "/summary/monthly": ["from", "to", "item_code", "line_code"],
  "/summary/by-item": ["from", "to", "line_code", "limit"],
  "/summary/by-line": ["from", "to", "item_code"],
  "/summary/monthly-by-item": ["from", "to", "item_code", "line_code"]
}

/** Endpoints that ignore parameters, and paths that are not endpoints at all. */
export const OTHER_PATHS = [
  "/health",
  "/metrics",
  "/metrics/cache",
  "/metrics/performance",
  "/tools",
  "/openapi.json",
  "/docs",
  "/",
  "/records/",
  "/summary",
  "/summary/",
  "/nope",
  "//records",
  "/records/../items",
  "/%2e%2e/items",
  "/records%00",
  "/RECORDS",
  "/tools/search_records",
  "/metrics/../health"
]

const NAMES = ["from", "to", "item_code", "line_code", "lot_prefix", "q", "limit", "cursor", "format"]

/** Strings with a meaning to SQL, LIKE/GLOB, FTS5 or JSON, unicode oddities, NUL, and long ones. */
export const NASTY = [
  "'",
  "''",
  "' OR '1'='1",
  "1; DROP TABLE production_records; --",
  "') UNION SELECT sql FROM sqlite_master --",
  "%",
  "%%",
  "50%",
  "_",
  "AB_",
  "_LH",
  "*",
  "a*",
  "[a-z]",
  '"',
  '""',
  'a"b',
  '"widget"',
  "NEAR(widget 1)",
  "NEAR",
  "AND",
  "OR",
  "NOT",
  "widget AND 1",
  "widget OR",
  "^widget",
  "item_name:widget",
  "(",
  ")",
  "{a b}",
  "-widget",
  "+",
  "\\",
  "\\'",
  "\u0000",
  "a\u0000b",
  "wid\u0000get",
  "\u0000\u0000\u0000",
  "Ø20",
  "ø2",
  "ß",
  "İ",
  "ǅ",
  "😀😀😀",
  "\u202eevil",
  "e\u0301e\u0301",
  "\uFFFD\uFFFD\uFFFD",
  "\u00a0\u00a0\u00a0",
  " ",
  "   ",
  "\t\r\n",
  "null",
  "undefined",
  "[]",
  "{}",
  "true",
  "-0",
  "NaN",
  "Infinity",
  "1e9999",
  "0x10",
  "SELECT",
  "sqlite_master",
  "Widget",
  "widget 1",
  "ITM-001",
  "L01",
  "AB0",
  "x".repeat(100),
  "é".repeat(100),
  "é".repeat(101),
  "😀".repeat(101),
  "ab".repeat(2_000),
  "x".repeat(10_000)
]

const DATES = [
  "2025-02-30",
  "2025-02-29",
  "2024-02-29",
  "2025-13-01",
  "2025-00-10",
  "2025-01-32",
  "2025-04-31",
  "0000-00-00",
  "1899-12-31",
  "1900-01-01",
  "2999-12-31",
  "3000-01-01",
  "9999-99-99",
  "2025-1-1",
  "20250101",
  "2025/01/01",
  "2025-01-01T00:00:00Z",
  " 2025-01-01",
  "2025-01-01 ",
  "-2025-01-01",
  "+2025-01-01",
  "２０２５-０１-０１",
  "2025-01-01\u0000",
  "today",
  "2025-12-31",
  "2026-01-01",
  "2026-03-31"
]

const LIMITS = [
  "0",
  "-1",
  "1",
  "1000",
  "1001",
  "99999999999999999999",
  "1e3",
  "1.0",
  "1.5",
  "+5",
  " 5",
  "5 ",
  "0x10",
  "007",
  "1000000000",
  "NaN",
  "Infinity",
  "-0"
]

const dateArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...DATES) },
  {
    weight: 3,
    arbitrary: fc
      .date({ min: new Date("1890-01-01T00:00:00Z"), max: new Date("3010-12-31T00:00:00Z"), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10))
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
      .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`)
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }
)

const limitArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...LIMITS) },
  { weight: 2, arbitrary: fc.integer({ min: -10, max: 1010 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }
)

/** Strings that could be cursors: base64url of JSON of the right and wrong shapes, and noise. */
const cursorArb = fc.oneof(
  fc.base64String({ maxLength: 80 }),
  fc.string({ maxLength: 60 }),
  fc
    .tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), fc.string())
    .map((parts) => Buffer.from(JSON.stringify(parts)).toString("base64url")),
  fc
    .tuple(fc.constantFrom("2026-03-31", "2025-12-31", "2025-02-30"), fc.constantFrom("l", "a", "x"), fc.integer())
    .map(([d, s, id]) => Buffer.from(JSON.stringify([d, s, id, "AAAAAAAAAAAAAAAA"])).toString("base64url")),
  fc.constantFrom("", "W10", "bnVsbA", "e30", "x".repeat(300), "====", "%3D")
)

const textArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 90, maxLength: 110 }) }
)

const valueFor = (name: string): fc.Arbitrary<string> => {
  switch (name) {
    case "from":
    case "to":
      return fc.oneof({ weight: 4, arbitrary: dateArb }, { weight: 1, arbitrary: textArb })
    case "limit":
      return fc.oneof({ weight: 4, arbitrary: limitArb }, { weight: 1, arbitrary: textArb })
    case "cursor":
      return fc.oneof({ weight: 4, arbitrary: cursorArb }, { weight: 1, arbitrary: textArb })
    case "format":
      return fc.oneof(fc.constantFrom("csv", "ndjson", "CSV", "json", "xml", ""), textArb)
    default:
      return textArb
  }
}

const nameArb = (accepted: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: accepted.length === 0 ? 0 : 8, arbitrary: fc.constantFrom(...(accepted.length === 0 ? [""] : accepted)) },
    { weight: 2, arbitrary: fc.constantFrom(...NAMES) },
    { weight: 1, arbitrary: fc.constantFrom("_", "_bust", "_q", "itemcode", "From", "from ", "q[]", "limit[0]", "") },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY.filter((s) => s.length < 200)) }
  )

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** Percent-encodes every byte of the UTF-8 form that is not unreserved (a lone surrogate becomes U+FFFD). */
export const percentEncode = (text: string): string => {
  let out = ""
  for (const byte of Buffer.from(text, "utf8")) {
    const ch = String.fromCharCode(byte)
    out += UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

/**
 * Sent as typed where `http.request` allows it (bytes 0x21..0xff, so `&`, `=`, `+`, `%` and latin-1 bytes go raw
 * and change how the query string parses), percent-encoded otherwise.
 */
const rawSpelling = (text: string): string => {
  let out = ""
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    out += code >= 0x21 && code <= 0xff && ch !== "#" ? ch : percentEncode(ch)
  }
  return out
}

const BROKEN_PERCENT = ["%", "%2", "%G1", "%zz", "%E0%A4", "%C3", "%ED%A0%80", "%FF%FE", "%C0%AF", "%00", "%%"]

export type Spelling = "encoded" | "raw" | "broken"

export const spell = (text: string, how: Spelling, noise: string): string =>
  how === "encoded" ? percentEncode(text) : how === "raw" ? rawSpelling(text) : `${percentEncode(text)}${noise}`

export interface QueryPart {
  readonly name: string
  readonly value: string
  readonly nameSpelling: Spelling
  readonly valueSpelling: Spelling
  readonly noise: string
  /** Sent twice. */
  readonly repeated: boolean
  /** Sent as `name` alone, with no `=`. */
  readonly bare: boolean
}

const partArb = (accepted: ReadonlyArray<string>): fc.Arbitrary<QueryPart> =>
  nameArb(accepted).chain((name) =>
    fc.record({
      name: fc.constant(name),
      value: valueFor(name),
      nameSpelling: fc.constantFrom<Spelling>("encoded", "encoded", "encoded", "raw", "broken"),
      valueSpelling: fc.constantFrom<Spelling>("encoded", "encoded", "raw", "broken"),
      noise: fc.constantFrom(...BROKEN_PERCENT),
      repeated: fc.constantFrom(false, false, false, true),
      bare: fc.constantFrom(false, false, false, false, false, false, false, false, false, true)
    })
  )

export const queryString = (parts: ReadonlyArray<QueryPart>, separator: string): string =>
  parts
    .flatMap((p) => {
      const name = spell(p.name, p.nameSpelling, p.noise)
      const one = p.bare ? name : `${name}=${spell(p.value, p.valueSpelling, p.noise)}`
      return p.repeated ? [one, one] : [one]
    })
    .join(separator)

export interface GetCase {
  readonly path: string
  readonly parts: ReadonlyArray<QueryPart>
  readonly separator: string
  readonly method: string
  readonly headers: Record<string, string>
}

const HEADERS = fc.dictionary(
  fc.constantFrom("if-none-match", "accept-encoding", "accept", "origin", "x-forwarded-for", "range"),
  fc.oneof(
    fc.constantFrom('"abc"', "*", "gzip, br;q=0", "identity;q=0", "br", "bytes=0-1", 'W/"x"'),
    fc.string({ maxLength: 20 }).map(percentEncode)
  ),
  { maxKeys: 2 }
)

/** A request to any path: mostly data endpoints with their own parameter names, a few others and methods. */
export const getCaseArb: fc.Arbitrary<GetCase> = fc
  .oneof(
    { weight: 8, arbitrary: fc.constantFrom(...Object.keys(DATA_ENDPOINTS)) },
    { weight: 2, arbitrary: fc.constantFrom(...OTHER_PATHS) }
  )
  .chain((path) =>
    fc.record({
      path: fc.constant(path),
      parts: fc.array(partArb(DATA_ENDPOINTS[path] ?? NAMES), { maxLength: 6 }),
      separator: fc.constantFrom("&", "&", "&", "&&", ";", "&amp;"),
      method: fc.constantFrom("GET", "GET", "GET", "GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"),
      headers: HEADERS
    })
  )

export const targetOf = (c: GetCase): string => {
  const query = queryString(c.parts, c.separator)
  return c.parts.length === 0 ? c.path : `${c.path}?${query}`
}

/** The parameter names a message may quote back, as the server decodes them. */
export const echoedNames = (target: string): ReadonlyArray<string> => {
  const at = target.indexOf("?")
  if (at < 0) return []
  return [...new URLSearchParams(target.slice(at + 1)).keys()]
}

// ---- tool calls ----

export interface ToolCase {
  readonly name: string
  readonly body: string
  readonly contentType: string | undefined
}

const jsonArgValue = fc.oneof(
  { weight: 3, arbitrary: textArb },
  { weight: 2, arbitrary: dateArb },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], { a: 1 }, 1e308, -0) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }
)

export const toolCaseArb = (tools: ReadonlyArray<string>): fc.Arbitrary<ToolCase> =>
  fc.record({
    name: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...tools) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
      { weight: 1, arbitrary: fc.constantFrom(...NASTY.filter((s) => s.length < 200)) }
    ),
    body: fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .dictionary(fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 10 })), jsonArgValue, { maxKeys: 5 })
          .map((args) => JSON.stringify(args))
      },
      { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "",
          " ",
          "null",
          "[]",
          "{",
          '{"q":',
          '{"q":"\\u0000"}',
          '{"q":"\\ud800abc"}',
          '{"__proto__":{"limit":5}}',
          '{"constructor":{"prototype":{}}}',
          '{"limit":1e400}',
          `{"q":"${"x".repeat(70_000)}"}`
        )
      }
    ),
    contentType: fc.constantFrom(
      "application/json",
      "application/json",
      "text/plain",
      undefined,
      "application/x-www-form-urlencoded"
    )
  })
