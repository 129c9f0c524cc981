import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { toolResultText } from "../../src/assistant/ToolResultText.js"

const bytes = (text: string) => Buffer.byteLength(text, "utf8")

const page = (n: number) => ({
  rows: Array.from({ length: n }, (_, i) => ({ id: i, item_name: `Ø-bolt ${"x".repeat(i % 50)}`, good_quantity: i })),
  next_cursor: n > 0 ? "abc" : null
})

describe("toolResultText", () => {
  it("a result within the cap is sent whole, with its row count", () => {
    const result = page(5)
    expect(toolResultText(result, 16_384)).toEqual({ text: JSON.stringify(result), rows: 5 })
    expect(toolResultText({ truncated: false }, 16_384)).toEqual({ text: '{"truncated":false}', rows: undefined })
  })

  it.effect.prop(
    "rows over the cap: the longest leading run that fits, omitted_rows and every other field kept",
    { n: Schema.Int.pipe(Schema.between(0, 3000)), max: Schema.Int.pipe(Schema.between(600, 20_000)) },
    ({ max, n }) =>
      Effect.sync(() => {
        const result = page(n)
        const sent = toolResultText(result, max)
        expect(bytes(sent.text)).toBeLessThanOrEqual(max)
        expect(sent.rows).toBe(n)
        const body = JSON.parse(sent.text) as {
          rows: Array<unknown>
          omitted_rows?: number
          next_cursor: unknown
          note?: string
        }
        if (bytes(JSON.stringify(result)) <= max) {
          expect(body).toEqual(result)
        } else {
          expect(body.rows).toEqual(result.rows.slice(0, body.rows.length))
          expect(body.omitted_rows).toBe(n - body.rows.length)
          expect(body.next_cursor).toBe(result.next_cursor)
          // One more row would not have fit.
          const more = {
            ...body,
            rows: result.rows.slice(0, body.rows.length + 1),
            omitted_rows: n - body.rows.length - 1,
            note: body.note?.replace(/first \d+ of/, `first ${body.rows.length + 1} of`)
          }
          expect(bytes(JSON.stringify(more))).toBeGreaterThan(max)
        }
      }),
    { fastCheck: { numRuns: 60 } }
  )

  it("anything else over the cap is cut with a note", () => {
    const sent = toolResultText({ text: "é".repeat(20_000) }, 1000)
    expect(bytes(sent.text)).toBeLessThanOrEqual(1000)
    expect(sent.text).toMatch(/\[cut: the result has \d+ bytes, only 1000 are sent\]$/)
  })
})
