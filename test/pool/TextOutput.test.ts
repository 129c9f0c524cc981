import { describe, expect, it } from "@effect/vitest"
import { textOutput } from "../../src/backends/sqlite/pool/TextOutput.js"

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("textOutput (what Text output delivers)", () => {
  const rows = [
    [',{"a":1}', "2026-01-03", 30],
    [',{"a":2}', "2026-01-02", 20],
    [',{"a":3}', "2026-01-01", 10]
  ]

  it("joins the first column of every row and counts them, with the rest of the last row", () => {
    const out = textOutput(rows, Number.MAX_SAFE_INTEGER)
    expect(decode(out.text)).toBe(',{"a":1},{"a":2},{"a":3}')
    expect(out.summary).toEqual([3, "2026-01-01", 10])
    // Without maxRows: every row.
    expect(textOutput(rows)).toEqual(out)
  })

  it("puts only the first maxRows rows into the text, still counting all, the position of the last one taken", () => {
    const out = textOutput(rows, 2)
    expect(decode(out.text)).toBe(',{"a":1},{"a":2}')
    expect(out.summary).toEqual([3, "2026-01-02", 20])
  })

  it("with no row taken (none asked for, or none read): empty text and the count alone", () => {
    expect([decode(textOutput(rows, 0).text), textOutput(rows, 0).summary]).toEqual(["", [3]])
    expect([decode(textOutput([], 5).text), textOutput([], 5).summary]).toEqual(["", [0]])
  })

  it("encodes UTF-8 in a buffer of its own (transferable), beyond the BMP included", () => {
    const out = textOutput([["Ø20 µ5 😀"]], 1)
    expect(decode(out.text)).toBe("Ø20 µ5 😀")
    expect(out.text.byteOffset).toBe(0)
    expect(out.text.buffer.byteLength).toBe(out.text.byteLength)
  })
})
