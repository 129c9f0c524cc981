import { Effect, Exit } from "effect"
import type { Worker as Thread } from "node:worker_threads"
import { DeadlineReached, WorkerFailed, WorkerSpawnFailed } from "./WorkerErrors.js"
import {
  CLOSE,
  DONE,
  type FromWorker,
  type QueryFailure,
  type WireOutput,
  READY,
  type ToWorker
} from "./WorkerProtocol.js"

/** What a request is answered with: a statement's output, nothing (a ping), or the worker's typed failure. */
export type Reply = WireOutput | undefined

type Resume = (exit: Exit.Exit<Reply, QueryFailure | WorkerFailed>) => void

const deadlineReached = Exit.fail(new DeadlineReached())

const CLOSE_GRACE_MS = 2000

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

/**
 * The main thread's end of one worker thread (messages of WorkerProtocol.ts): one pending callback per request, no
 * fiber per message, no respawn (the pool's roster decides what replaces a dead thread). Waiting on the thread's
 * events is `Effect.async` on its emitter.
 */
export class WorkerChannel {
  readonly #pending = new Map<number, Resume>()
  #nextRequest = 0
  #started = false
  #startFailure: WorkerSpawnFailed | undefined = undefined
  #ended = false

  constructor(
    readonly id: number,
    readonly thread: Thread,
    onExit: (id: number) => void
  ) {
    // Registered first, so that a waiter (`#when`) sees the state these handlers set.
    thread.on("message", (message: FromWorker) => {
      if (message[0] === READY) return void (this.#started = true)
      const resume = this.#pending.get(message[1])
      if (resume === undefined) return
      this.#pending.delete(message[1])
      resume(message[0] === DONE ? Exit.succeed(message[2]) : Exit.fail(message[2]))
    })
    thread.on("messageerror", () => void thread.terminate())
    thread.on("error", (cause) => this.#fail(`worker ${id}: ${messageOf(cause)}`, cause))
    thread.on("exit", (code) => {
      this.#ended = true
      this.#fail(`worker ${id} exited with code ${code}`, undefined)
      onExit(id)
    })
  }

  /** Succeeds when the worker has started; fails when the thread errors or exits first. */
  get ready(): Effect.Effect<void, WorkerSpawnFailed> {
    return this.#when(["message", "error", "exit"], () =>
      this.#started ? Exit.void : this.#startFailure && Exit.fail(this.#startFailure)
    )
  }

  /** Succeeds once the thread has ended. */
  get #exited(): Effect.Effect<void> {
    return this.#when(["exit"], () => (this.#ended ? Exit.void : undefined))
  }

  /**
   * Sends one request (`message` given its request number) and waits for its answer, at most until `deadline`
   * (`performance.now()` time). A plain timer, not `Effect.timeout`, which forks two fibers per call.
   */
  call(
    message: (request: number) => ToWorker,
    deadline = Infinity
  ): Effect.Effect<Reply, QueryFailure | WorkerFailed | DeadlineReached> {
    return Effect.async<Reply, QueryFailure | WorkerFailed | DeadlineReached>((resume) => {
      if (this.#ended) return resume(Effect.fail(new WorkerFailed({ workerId: this.id, cause: "the worker ended" })))
      const request = this.#nextRequest++
      let timer: ReturnType<typeof setTimeout> | undefined
      this.#pending.set(request, (exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      try {
        this.thread.postMessage(message(request))
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

  /** Asks the worker to stop and waits for the thread to end (terminating it after a grace period). */
  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.retire()
      return this.#exited.pipe(
        Effect.timeout(CLOSE_GRACE_MS),
        Effect.catchAll(() => Effect.promise(() => this.thread.terminate()).pipe(Effect.timeout(CLOSE_GRACE_MS))),
        Effect.ignore
      )
    })
  }

  /** Asks the worker to stop after what it is running, without waiting, and lets the process exit meanwhile. */
  retire(): void {
    this.thread.unref()
    if (!this.#ended) this.thread.postMessage([CLOSE] satisfies ToWorker)
  }

  terminate(): void {
    void this.thread.terminate()
  }

  /** Waits until `outcome` is known: now, or after one of the thread's `events`. */
  #when<A, E>(events: ReadonlyArray<string>, outcome: () => Exit.Exit<A, E> | undefined): Effect.Effect<A, E> {
    return Effect.async<A, E>((resume) => {
      const known = outcome()
      if (known !== undefined) return resume(known)
      const check = () => {
        const exit = outcome()
        if (exit === undefined) return
        stop()
        resume(exit)
      }
      const stop = () => events.forEach((event) => this.thread.off(event, check))
      events.forEach((event) => this.thread.on(event, check))
      return Effect.sync(stop)
    })
  }

  #fail(reason: string, cause: unknown): void {
    if (!this.#started) this.#startFailure ??= new WorkerSpawnFailed({ reason, cause })
    const failure = Exit.fail(new WorkerFailed({ workerId: this.id, cause: cause ?? reason }))
    for (const resume of this.#pending.values()) resume(failure)
    this.#pending.clear()
  }
}
