import { Effect } from "effect"
import { DatabaseUnavailable } from "../../../query/ReadErrors.js"
import { ReadOutput, type ReadRequest, type ReadResult } from "./ReadPool.js"
import { WorkerChannel } from "./WorkerChannel.js"
import type { WorkerEntry } from "./WorkerEntry.js"
import { type DeadlineReached, WorkerFailed, WorkerSpawnFailed } from "./WorkerErrors.js"
import { PING, QUERY, type QueryFailure, type WorkerInit } from "./WorkerProtocol.js"

const utf8 = new TextDecoder()
const ROWS = ReadOutput.Rows()

/** One started worker thread, as the pool sees it. */
export interface ReadWorker {
  readonly id: number
  /** Runs one statement; `deadline` is a `performance.now()` time. */
  readonly execute: (
    request: ReadRequest,
    deadline: number
  ) => Effect.Effect<ReadResult, DatabaseUnavailable | WorkerFailed | DeadlineReached>
  /** Succeeds once the worker has finished whatever it was running. */
  readonly ping: (deadline: number) => Effect.Effect<void, WorkerFailed | DeadlineReached>
  /** Stops an idle worker and waits for its thread to end. */
  readonly close: Effect.Effect<void>
  /** Stops a busy worker once its statement ends, without waiting; the process may exit meanwhile. */
  readonly retire: () => void
}

export interface SpawnOptions {
  readonly id: number
  readonly entry: WorkerEntry
  readonly init: WorkerInit
  readonly timeoutMs: number
  /** Called when the thread has ended, for any reason. */
  readonly onExit: (id: number) => void
}

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const makeReadWorker = (channel: WorkerChannel): ReadWorker => {
  const id = channel.id
  const broken = (cause: unknown) => new WorkerFailed({ workerId: id, cause })
  const rejected = (
    failure: QueryFailure | WorkerFailed | DeadlineReached
  ): Effect.Effect<never, DatabaseUnavailable | WorkerFailed | DeadlineReached> => {
    switch (failure._tag) {
      case "FileUnavailable":
        return Effect.fail(new DatabaseUnavailable({ file: failure.file, reason: failure.reason }))
      case "StatementFailed":
        return Effect.die(failure)
      default:
        return Effect.fail(failure)
    }
  }
  return {
    id,
    execute: (request, deadline) =>
      channel
        .call(
          (n) => [
            QUERY,
            n,
            request.file,
            request.sql,
            request.params,
            request.output ?? ROWS,
            request.prelude && [request.prelude.file, request.prelude.sql, request.prelude.params]
          ],
          deadline
        )
        .pipe(
          Effect.flatMap((output) =>
            output === undefined
              ? Effect.fail(broken("a statement was answered without its output"))
              : Effect.try({
                  try: (): ReadResult => {
                    const { text, ...rest } = output
                    return request.output?._tag === "Json" && text !== undefined
                      ? { ...rest, rows: JSON.parse(utf8.decode(text)) as ReadResult["rows"], workerId: id }
                      : { ...output, rows: JSON.parse(output.rows) as ReadResult["rows"], workerId: id }
                  },
                  catch: broken
                })
          ),
          Effect.catchAll(rejected)
        ),
    ping: (deadline) =>
      channel
        .call((n) => [PING, n], deadline)
        .pipe(
          Effect.asVoid,
          Effect.catchIf(
            (e): e is QueryFailure => e._tag === "FileUnavailable" || e._tag === "StatementFailed",
            (e) => Effect.fail(broken(e))
          )
        ),
    close: channel.close,
    retire: () => channel.retire()
  }
}

/**
 * Starts one worker thread (which opens its files from `init`) and waits until it is ready. Fails (never retries)
 * when the thread errors or exits before answering, or does not answer within `timeoutMs`; a half-started thread
 * is terminated.
 */
export const spawnReadWorker = (options: SpawnOptions): Effect.Effect<ReadWorker, WorkerSpawnFailed> =>
  Effect.flatMap(
    Effect.try({
      try: () => new WorkerChannel(options.id, options.entry.start(options.init), options.onExit),
      catch: (cause) => new WorkerSpawnFailed({ reason: `worker ${options.id}: ${messageOf(cause)}`, cause })
    }),
    (channel) =>
      channel.ready.pipe(
        Effect.timeoutFail({
          duration: options.timeoutMs,
          onTimeout: () =>
            new WorkerSpawnFailed({ reason: `worker ${options.id} did not start within ${options.timeoutMs} ms` })
        }),
        Effect.onError(() => Effect.sync(() => channel.terminate())),
        Effect.as(makeReadWorker(channel))
      )
  )
