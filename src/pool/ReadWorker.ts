import { Effect, Either, Schema } from "effect"
import { DatabaseUnavailable } from "./ReadErrors.js"
import type { ReadRequest, ReadResult } from "./ReadPool.js"
import { type Rejected, WorkerChannel } from "./WorkerChannel.js"
import type { WorkerEntry } from "./WorkerEntry.js"
import { type DeadlineReached, WorkerFailed, WorkerSpawnFailed } from "./WorkerErrors.js"
import { type InitialMessage, Ping, Query, WorkerRequest } from "./WorkerProtocol.js"

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
  readonly init: InitialMessage
  readonly timeoutMs: number
  /** Called when the thread has ended, for any reason. */
  readonly onExit: (id: number) => void
}

const encodeRequest = Schema.encodeSync(WorkerRequest)
const decodeOutput = Schema.decodeUnknownEither(Query.success)
const decodeFailure = Schema.decodeUnknownEither(Query.failure)
const PING = encodeRequest(new Ping())

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

const makeReadWorker = (channel: WorkerChannel): ReadWorker => {
  const id = channel.id
  const broken = (cause: unknown) => new WorkerFailed({ workerId: id, cause })
  const rejected = ({ error }: Rejected): Effect.Effect<never, DatabaseUnavailable | WorkerFailed> => {
    const decoded = decodeFailure(error)
    if (Either.isLeft(decoded)) return Effect.fail(broken(decoded.left))
    const failure = decoded.right
    return failure._tag === "FileUnavailable"
      ? Effect.fail(new DatabaseUnavailable({ file: failure.file, reason: failure.reason }))
      : Effect.die(failure)
  }
  return {
    id,
    execute: (request, deadline) =>
      Effect.suspend(() =>
        channel.call(
          encodeRequest(new Query({ file: request.file, sql: request.sql, params: request.params }, true)),
          deadline
        )
      ).pipe(
        Effect.flatMap((value) => {
          const output = decodeOutput(value)
          return Either.isRight(output)
            ? Effect.succeed<ReadResult>({ ...output.right, workerId: id })
            : Effect.fail(broken(output.left))
        }),
        Effect.catchIf((e): e is Rejected => e._tag === "Rejected", rejected)
      ),
    ping: (deadline) =>
      channel.call(PING, deadline).pipe(
        Effect.asVoid,
        Effect.catchIf(
          (e): e is Rejected => e._tag === "Rejected",
          (e) => Effect.fail(broken(e.error))
        )
      ),
    close: channel.close,
    retire: () => channel.retire()
  }
}

/**
 * Starts one worker thread and sends it the initial message. Fails (never retries) when the thread errors or exits
 * before answering, or does not answer within `timeoutMs`; a half-started thread is terminated.
 */
export const spawnReadWorker = (options: SpawnOptions): Effect.Effect<ReadWorker, WorkerSpawnFailed> =>
  Effect.flatMap(
    Effect.try({
      try: () => new WorkerChannel(options.id, options.entry.start(), options.onExit),
      catch: (cause) => new WorkerSpawnFailed({ reason: `worker ${options.id}: ${messageOf(cause)}`, cause })
    }),
    (channel) =>
      channel.ready.pipe(
        Effect.zipRight(channel.call(encodeRequest(options.init))),
        Effect.mapError((e) =>
          e._tag === "WorkerSpawnFailed"
            ? e
            : new WorkerSpawnFailed({ reason: `worker ${options.id} refused its initial message`, cause: e })
        ),
        Effect.timeoutFail({
          duration: options.timeoutMs,
          onTimeout: () =>
            new WorkerSpawnFailed({ reason: `worker ${options.id} did not start within ${options.timeoutMs} ms` })
        }),
        Effect.onError(() => Effect.sync(() => channel.terminate())),
        Effect.as(makeReadWorker(channel))
      )
  )
