import { Effect, FiberRef } from "effect"
import type { DbFile } from "../domain/DbFile.js"

/** One statement an engine ran for a query: which file, which worker, and when (epoch ms, worker clock). */
export interface ReadTiming {
  readonly file: DbFile
  readonly workerId: number
  readonly startedAt: number
  readonly endedAt: number
}

/**
 * Where an engine reports the statements it ran for the current request, if anyone is listening: the HTTP layer
 * (database time for `Server-Timing`) and tests (which workers ran a query's halves, and when). A mutable sink
 * rather than a FiberRef value, so that concurrent halves all land in it.
 */
const sink = FiberRef.unsafeMake<Array<ReadTiming> | undefined>(undefined)

export const recordRead = (timing: ReadTiming): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(sink), (reads) => Effect.sync(() => reads?.push(timing)))

/** Runs `effect` and returns, beside its result, every statement the engine ran for it. */
export const traced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const reads: Array<ReadTiming> = []
    return Effect.map(Effect.locally(effect, sink, reads), (result) => [result, reads] as const)
  })

/** Database time of a request: the union of its statements' intervals, so concurrent halves count once. */
export const databaseMillis = (reads: ReadonlyArray<ReadTiming>): number => {
  const sorted = [...reads].sort((a, b) => a.startedAt - b.startedAt)
  let total = 0
  let end = -Infinity
  for (const r of sorted) {
    if (r.endedAt <= end) continue
    total += r.endedAt - Math.max(r.startedAt, end)
    end = r.endedAt
  }
  return total
}
