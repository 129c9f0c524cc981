import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { compareText } from "../../src/domain/TextOrder.js"

/** The definition: compare code point by code point, a prefix first. */
const byCodePoints = (a: string, b: string): number => {
  const x = [...a].map((c) => c.codePointAt(0)!)
  const y = [...b].map((c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

// Characters around the places where UTF-16 order and code point order part: below U+D800, U+E000..U+FFFF, astral.
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom("a", "B", "-", "0", "\u00e9", "\ud7ff", "\ue000", "\uffee", "\uffff", "😀", "𝄞", "\u{10ffff}"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })
  ),
  maxLength: 6
})

describe("compareText", () => {
  it.prop(
    "orders as code points do (SQLite's BINARY collation on UTF-8)",
    [text, text],
    ([a, b]) => {
      expect(Math.sign(compareText(a, b))).toBe(Math.sign(byCodePoints(a, b)))
    },
    { fastCheck: { numRuns: 5000 } }
  )

  it("puts a character above U+FFFF after U+FFFF, where UTF-16 order would not", () => {
    expect(compareText("😀", "\uffff")).toBeGreaterThan(0)
    expect(compareText("a", "ab")).toBeLessThan(0)
    expect(compareText("ab", "ab")).toBe(0)
  })
})
