import { Deferred, Effect, Exit, FiberId } from "effect"
import type { Worker as Thread } from "node:worker_threads"
import { DeadlineReached, WorkerFailed, WorkerSpawnFailed } from "./WorkerErrors.js"

/** The worker answered a request with a typed failure (still encoded). */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly error: unknown
}

type RunnerMessage = readonly [0] | readonly [1, readonly [request: number, kind: number, data?: unknown]]

type Reply = (exit: Exit.Exit<unknown, Rejected | WorkerFailed>) => void

const deadlineReached = Exit.fail(new DeadlineReached())

const CLOSE_GRACE_MS = 2000

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/**
 * The main thread's end of one worker thread that runs `@effect/platform`'s `WorkerRunner` (node runner framing:
 * the runner posts `[0]` when ready and `[1, [id, kind, data]]` answers; it takes `[0, [id, 0, payload, span]]`
 * requests and `[1]` to close). A thin client instead of `@effect/platform`'s `Worker`, which forks a fiber per
 * message and respawns a dead thread forever: one pending callback per request, no fiber, no respawn.
 */
export class WorkerChannel {
  readonly #pending = new Map<number, Reply>()
  readonly #ready = Deferred.unsafeMake<void, WorkerSpawnFailed>(FiberId.none)
  readonly #exited = Deferred.unsafeMake<void>(FiberId.none)
  #nextRequest = 0
  #ended = false

  constructor(
    readonly id: number,
    readonly thread: Thread,
    onExit: (id: number) => void
  ) {
    thread.on("message", (message: RunnerMessage) => {
      if (message[0] === 0 || message[1] === undefined) return Deferred.unsafeDone(this.#ready, Exit.void)
      const [request, kind, data] = message[1]
      const reply = this.#pending.get(request)
      if (reply === undefined) return
      this.#pending.delete(request)
      if (kind === 0 || (kind === 1 && Array.isArray(data))) reply(Exit.succeed((data as ReadonlyArray<unknown>)[0]))
      else if (kind === 2) reply(Exit.fail({ _tag: "Rejected", error: data }))
      else reply(Exit.fail(new WorkerFailed({ workerId: id, cause: data })))
    })
    thread.on("messageerror", () => void thread.terminate())
    thread.on("error", (cause) => this.#fail(`worker ${id}: ${messageOf(cause)}`, cause))
    thread.on("exit", (code) => {
      this.#ended = true
      this.#fail(`worker ${id} exited with code ${code}`, undefined)
      Deferred.unsafeDone(this.#exited, Exit.void)
      onExit(id)
    })
  }

  /** Succeeds when the runner has started; fails when the thread errors or exits first. */
  get ready(): Effect.Effect<void, WorkerSpawnFailed> {
    return Deferred.await(this.#ready)
  }

  /**
   * Sends one encoded request and waits for its answer (the success value, still encoded), at most until `deadline`
   * (`performance.now()` time). A plain timer, not `Effect.timeout`, which forks two fibers per call.
   */
  call(payload: unknown, deadline = Infinity): Effect.Effect<unknown, Rejected | WorkerFailed | DeadlineReached> {
    return Effect.async<unknown, Rejected | WorkerFailed | DeadlineReached>((resume) => {
      if (this.#ended) return resume(Effect.fail(new WorkerFailed({ workerId: this.id, cause: "the worker ended" })))
      const request = this.#nextRequest++
      let timer: ReturnType<typeof setTimeout> | undefined
      this.#pending.set(request, (exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      try {
        this.thread.postMessage([0, [request, 0, payload, undefined]])
      } catch (error) {
        this.#pending.delete(request)
        return resume(Effect.die(error))
      }
      if (deadline !== Infinity) {
        timer = setTimeout(() => {
          this.#pending.delete(request)
          resume(deadlineReached)
        }, deadline - performance.now())
      }
      // An abandoned answer is simply dropped: a synchronous statement cannot be interrupted anyway.
      return Effect.sync(() => {
        clearTimeout(timer)
        this.#pending.delete(request)
      })
    })
  }

  /** Asks the runner to stop and waits for the thread to end (terminating it after a grace period). */
  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.retire()
      return Deferred.await(this.#exited).pipe(
        Effect.timeout(CLOSE_GRACE_MS),
        Effect.catchAll(() => Effect.promise(() => this.thread.terminate()).pipe(Effect.timeout(CLOSE_GRACE_MS))),
        Effect.ignore
      )
    })
  }

  /** Asks the runner to stop after what it is running, without waiting, and lets the process exit meanwhile. */
  retire(): void {
    this.thread.unref()
    if (!this.#ended) this.thread.postMessage([1])
  }

  terminate(): void {
    void this.thread.terminate()
  }

  #fail(reason: string, cause: unknown): void {
    Deferred.unsafeDone(this.#ready, Exit.fail(new WorkerSpawnFailed({ reason, cause })))
    const failure = Exit.fail(new WorkerFailed({ workerId: this.id, cause: cause ?? reason }))
    for (const reply of this.#pending.values()) reply(failure)
    this.#pending.clear()
  }
}
