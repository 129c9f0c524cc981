import { Data } from "effect"

/** A worker thread could not be started (missing entry, crash at start, no answer in time). */
export class WorkerSpawnFailed extends Data.TaggedError("WorkerSpawnFailed")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `read worker could not be started: ${this.reason}`
  }
}

/** A running worker thread stopped answering properly (it crashed or its messages could not be decoded). */
export class WorkerFailed extends Data.TaggedError("WorkerFailed")<{
  readonly workerId: number
  readonly cause: unknown
}> {}

/** A request's deadline passed before its worker answered (the worker may still be running it). */
export class DeadlineReached extends Data.TaggedError("DeadlineReached") {}
