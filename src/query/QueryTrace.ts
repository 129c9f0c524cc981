import { Context, Effect } from "effect"
import type { DbFile } from "../domain/DbFile.js"

/** One statement an engine ran for a query: which file, which worker, and when (epoch ms, worker clock). */
export interface ReadTiming {
  readonly file: DbFile
  readonly workerId: number
  readonly startedAt: number
  readonly endedAt: number
}

/**
 * Where an engine reports the statements it ran for a query, if anyone listens (`traced`: the tests, which
 * check where and when a query's parts ran, and the benchmark's database floor). A mutable list in the context
 * rather than a FiberRef value, so that the statements of concurrent parts all land in it.
 */
export class ReadTrace extends Context.Reference<ReadTrace>()("ReadTrace", {
  defaultValue: (): Array<ReadTiming> | undefined => undefined
}) {}

export const recordRead = (timing: ReadTiming): Effect.Effect<void> =>
  Effect.flatMap(ReadTrace, (reads) => (reads === undefined ? Effect.void : Effect.sync(() => reads.push(timing))))

/** Runs `effect` and returns, beside its result, every statement the engine ran for it. */
export const traced = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const reads: Array<ReadTiming> = []
    return Effect.map(Effect.provideService(effect, ReadTrace, reads), (result) => [result, reads] as const)
  })

/** Database time of a request: the union of its statements' intervals, so concurrent parts count once. */
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
