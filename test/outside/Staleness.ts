/**
 * A bounded-staleness checker for a history of one sequential writer and the service's answers, in the manner of
 * Jepsen's checkers. The writer's commits are strictly ordered, so the data goes through states 0 (before the
 * first commit), 1, 2, …, and state n exists from commit n until commit n + 1. Each commit is known only by a
 * window (just before it started, just after it returned), so state n may exist at any moment of
 * [start of commit n, end of commit n + 1]. An answer requested at `start` and received at `end` is valid iff it
 * equals the value of a state that may exist at some moment of [start − bound, end]. Values are canonical texts
 * (e.g. JSON of the answer's rows), compared for equality.
 */

/** Times in ms on one clock (Date.now() and python's time.time() share one). */
export interface Span {
  readonly start: number
  readonly end: number
}

export interface Answer extends Span {
  readonly value: string
}

export interface History {
  /** What an answer must equal in state n, for n = 0 … commits.length. */
  readonly states: ReadonlyArray<string>
  /** Commit n is `commits[n - 1]`; each one starts after the one before it returned. */
  readonly commits: ReadonlyArray<Span>
}

export interface Violation<A extends Answer = Answer> {
  readonly answer: A
  /** The states the answer could have shown: [lo, hi]. */
  readonly possible: readonly [number, number]
  /** The states whose value it equals: all below `lo` is stale, all above `hi` from the future, none is wrong. */
  readonly matching: ReadonlyArray<number>
}

/** How soon a commit that changed the value (state n differs from state n − 1) was seen, in ms from its end. */
export interface Lag {
  readonly commit: number
  /** To the end of the first answer that showed it; undefined if none did. */
  readonly first: number | undefined
  /** To the start of the last request whose answer did not show it (0 if none): every later request saw it. */
  readonly every: number
}

const assertWellFormed = ({ commits, states }: History): void => {
  if (states.length !== commits.length + 1) throw new Error(`${states.length} states for ${commits.length} commits`)
  commits.forEach((c, i) => {
    const previous = commits[i - 1]
    if (c.end < c.start || (previous !== undefined && c.start < previous.end))
      throw new Error(`commit ${i + 1} overlaps the one before it or ends before it starts`)
  })
}

/** The states that may exist at some moment of [answer.start − boundMs, answer.end], as [lo, hi]. */
export const possibleStates = (commits: ReadonlyArray<Span>, answer: Span, boundMs: number): [number, number] => {
  // State n needs commit n + 1 to end no earlier than the window's start, and commit n to start no later than its end.
  let lo = 0
  while (lo < commits.length && commits[lo]!.end < answer.start - boundMs) lo++
  let hi = lo
  while (hi < commits.length && commits[hi]!.start <= answer.end) hi++
  return [lo, hi]
}

/** For each value, the states that have it, in order. */
const statesByValue = (states: ReadonlyArray<string>): Map<string, Array<number>> => {
  const index = new Map<string, Array<number>>()
  states.forEach((value, n) => {
    const seen = index.get(value)
    if (seen === undefined) index.set(value, [n])
    else seen.push(n)
  })
  return index
}

/** The answers that equal no state possible within their window, each with what they did equal. */
export const violations = <A extends Answer>(
  history: History,
  answers: ReadonlyArray<A>,
  boundMs: number
): Array<Violation<A>> => {
  assertWellFormed(history)
  const byValue = statesByValue(history.states)
  return answers.flatMap((answer) => {
    const possible = possibleStates(history.commits, answer, boundMs)
    const matching = byValue.get(answer.value) ?? []
    return matching.some((n) => n >= possible[0] && n <= possible[1]) ? [] : [{ answer, possible, matching }]
  })
}

/**
 * The least bound under which `answer` is valid: how much older than its request the data it shows may be; 0 for
 * an answer as fresh as can be, undefined for one that no bound makes valid (from the future, or no state's).
 */
export const staleness = (history: History, answer: Answer): number | undefined => {
  assertWellFormed(history)
  const { commits, states } = history
  let least: number | undefined
  states.forEach((value, n) => {
    if (value !== answer.value || (n > 0 && commits[n - 1]!.start > answer.end)) return
    const replaced = n === commits.length ? Infinity : commits[n]!.end
    const needed = Math.max(0, answer.start - replaced)
    least = least === undefined ? needed : Math.min(least, needed)
  })
  return least
}

/**
 * How soon each commit that changed the value was seen. An answer shows commit n when the earliest state it may
 * show (possible within its window and equal to it) is n or later; an answer equal to both an older and a newer
 * possible state shows only the older, and an invalid answer shows nothing.
 */
export const visibilityLags = (history: History, answers: ReadonlyArray<Answer>, boundMs: number): Array<Lag> => {
  assertWellFormed(history)
  const byValue = statesByValue(history.states)
  const judged = answers.map((answer) => {
    const [lo, hi] = possibleStates(history.commits, answer, boundMs)
    return { answer, earliest: byValue.get(answer.value)?.find((n) => n >= lo && n <= hi) ?? -1 }
  })
  return history.commits.flatMap((commit, i) => {
    const n = i + 1
    if (history.states[n] === history.states[n - 1]) return []
    let first = Infinity
    let every = 0
    for (const { answer, earliest } of judged) {
      if (earliest >= n) first = Math.min(first, answer.end)
      else every = Math.max(every, answer.start - commit.end)
    }
    return [{ commit: n, first: first === Infinity ? undefined : Math.max(0, first - commit.end), every }]
  })
}
