import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import {
  type Answer,
  type History,
  type Span,
  possibleStates,
  staleness,
  violations,
  visibilityLags
} from "./Staleness.js"

const BOUND = 50

/** States a, b, c, d: commit 1 runs 10..20, commit 2 30..40, commit 3 50..60. */
const history: History = {
  states: ["a", "b", "c", "d"],
  commits: [
    { start: 10, end: 20 },
    { start: 30, end: 40 },
    { start: 50, end: 60 }
  ]
}

const answer = (start: number, end: number, value: string): Answer => ({ start, end, value })

describe("bounded-staleness checker", () => {
  it("a known-good history passes: each answer a state that existed within its window or the bound before it", () => {
    const answers = [
      answer(0, 5, "a"),
      // Commit 1 may not have been visible yet, or already: both are right while it runs.
      answer(12, 15, "a"),
      answer(12, 15, "b"),
      // Within the bound after commit 2 ended (40 ≥ 70 − 50), state 1 may still be served.
      answer(70, 75, "b"),
      answer(70, 75, "c"),
      // The last state forever after.
      answer(1000, 1010, "d")
    ]
    expect(violations(history, answers, BOUND)).toEqual([])
  })

  it("a stale answer is a violation: its state was replaced by a commit that ended more than the bound before", () => {
    // Commit 3 ended at 60; a request at 111 may no longer see state 2 (60 < 111 − 50), at 110 it may.
    expect(violations(history, [answer(110, 115, "c")], BOUND)).toEqual([])
    expect(violations(history, [answer(111, 115, "c")], BOUND)).toEqual([
      { answer: answer(111, 115, "c"), possible: [3, 3], matching: [2] }
    ])
  })

  it("an answer from the future is a violation: it shows a commit that had not started when it was received", () => {
    expect(violations(history, [answer(0, 30, "c")], BOUND)).toEqual([])
    expect(violations(history, [answer(0, 29, "c")], BOUND)).toEqual([
      { answer: answer(0, 29, "c"), possible: [0, 1], matching: [2] }
    ])
  })

  it("an answer equal to no state is a violation", () => {
    expect(violations(history, [answer(0, 1000, "x")], BOUND)).toEqual([
      { answer: answer(0, 1000, "x"), possible: [0, 3], matching: [] }
    ])
  })

  it("lags: from a changing commit's end to the first answer showing it, to the last request not shown it", () => {
    const repeated: History = { ...history, states: ["a", "b", "b", "c"] }
    const answers = [answer(21, 25, "a"), answer(22, 30, "b"), answer(90, 130, "b"), answer(61, 70, "c")]
    // Commit 2 left the value as it was: nothing to see. Commit 3 (ended at 60) was not shown to the request of 90.
    expect(visibilityLags(repeated, answers, BOUND)).toEqual([
      { commit: 1, first: 10, every: 1 },
      { commit: 3, first: 10, every: 30 }
    ])
    expect(visibilityLags(history, [answer(0, 5, "a")], BOUND)).toEqual([
      { commit: 1, first: undefined, every: 0 },
      { commit: 2, first: undefined, every: 0 },
      { commit: 3, first: undefined, every: 0 }
    ])
  })

  it("staleness: the least bound that makes an answer valid", () => {
    expect(staleness(history, answer(0, 5, "a"))).toBe(0)
    // State 2 was replaced by commit 3, which ended at 60.
    expect(staleness(history, answer(111, 115, "c"))).toBe(51)
    expect(staleness(history, answer(1000, 1010, "d"))).toBe(0)
    expect(staleness(history, answer(0, 29, "c"))).toBeUndefined()
    expect(staleness(history, answer(0, 1000, "x"))).toBeUndefined()
  })

  it("refuses a history whose commits overlap (not one sequential writer)", () => {
    const overlapping = {
      states: ["a", "b", "c"],
      commits: [
        { start: 0, end: 20 },
        { start: 10, end: 30 }
      ]
    }
    expect(() => violations(overlapping, [], BOUND)).toThrow(/overlaps/)
  })

  /** Random sequential commits and answers over a few values (repeats included, as identical states occur). */
  const historyAndAnswers = fc
    .array(fc.record({ gap: fc.nat(40), length: fc.nat(40), value: fc.nat(4) }), { maxLength: 12 })
    .chain((steps) => {
      const commits: Array<Span> = []
      let t = 0
      for (const step of steps) {
        commits.push({ start: t + step.gap, end: t + step.gap + step.length })
        t += step.gap + step.length
      }
      const states = ["0", ...steps.map((s) => String(s.value))]
      const answers = fc.array(
        fc
          .record({ start: fc.integer({ min: -50, max: t + 100 }), length: fc.nat(60), value: fc.nat(5) })
          .map((a) => answer(a.start, a.start + a.length, String(a.value))),
        { maxLength: 20 }
      )
      return fc.record({ history: fc.constant<History>({ states, commits }), answers, bound: fc.nat(80) })
    })

  /** The definition: state n lives over [start of commit n, end of commit n + 1]; is it alive within the window? */
  const aliveWithin = ({ commits }: History, n: number, a: Span, bound: number): boolean => {
    const from = n === 0 ? -Infinity : commits[n - 1]!.start
    const until = n === commits.length ? Infinity : commits[n]!.end
    return from <= a.end && until >= a.start - bound
  }

  const validByDefinition = (h: History, a: Answer, bound: number): boolean =>
    h.states.some((value, n) => value === a.value && aliveWithin(h, n, a, bound))

  it.prop(
    "flags exactly the answers that equal no state alive within [start − bound, end]",
    [historyAndAnswers],
    ([{ answers, bound, history }]) => {
      const flagged = violations(history, answers, bound).map((v) => v.answer)
      expect(flagged).toEqual(answers.filter((a) => !validByDefinition(history, a, bound)))
    },
    { fastCheck: { numRuns: 2000 } }
  )

  it.prop(
    "an answer is valid under a bound exactly when its staleness is within it",
    [historyAndAnswers],
    ([{ answers, bound, history }]) => {
      for (const a of answers) {
        const least = staleness(history, a)
        expect(violations(history, [a], bound).length === 0).toBe(least !== undefined && least <= bound)
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "with no violation, every request from the bound after a commit on was shown it",
    [historyAndAnswers],
    ([{ answers, bound, history }]) => {
      const flagged = new Set(violations(history, answers, bound).map((v) => v.answer))
      const valid = answers.filter((a) => !flagged.has(a))
      for (const lag of visibilityLags(history, valid, bound)) expect(lag.every).toBeLessThanOrEqual(bound)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "the possible states are exactly those alive within the window",
    [historyAndAnswers],
    ([{ answers, bound, history }]) => {
      for (const a of answers) {
        const [lo, hi] = possibleStates(history.commits, a, bound)
        const alive = history.states.flatMap((_, n) => (aliveWithin(history, n, a, bound) ? [n] : []))
        expect(alive).toEqual(Array.from({ length: hi - lo + 1 }, (_, k) => lo + k))
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )
})
