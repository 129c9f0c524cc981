import { Effect, Fiber } from "effect"

/**
 * A query's parts (one per file its window reads), run at once. A lone part runs on the caller's fiber; of two,
 * the second runs on a child fiber of the caller's (`Effect.fork`, supervised: interrupted with it), joined, or
 * interrupted if the first fails. `Effect.all` forks a fiber per part and a processing fiber: 0.1-0.2 ms more per
 * two-part request (docs/benchmark-notes.md).
 */
export const allParts = <A, E, R>(parts: ReadonlyArray<Effect.Effect<A, E, R>>): Effect.Effect<Array<A>, E, R> => {
  if (parts.length !== 2) return Effect.all(parts, { concurrency: parts.length > 1 ? "unbounded" : 1 })
  const [first, second] = parts as [Effect.Effect<A, E, R>, Effect.Effect<A, E, R>]
  return Effect.flatMap(Effect.fork(second), (fiber) =>
    Effect.matchCauseEffect(first, {
      onFailure: (cause) => Effect.zipRight(Fiber.interrupt(fiber), Effect.failCause(cause)),
      onSuccess: (a) => Effect.map(Fiber.join(fiber), (b) => [a, b])
    })
  )
}
