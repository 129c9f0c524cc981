import { Exit } from "effect"

/** A caller waiting for a worker; `handed` is set the moment a worker is given to it. */
export interface Waiter<W, E> {
  readonly resume: (exit: Exit.Exit<W, E>) => void
  handed: W | undefined
}

/**
 * Idle workers (FIFO) and callers waiting for one (FIFO). Synchronous: a released worker goes straight to the
 * longest waiter, so no other caller can slip in between.
 */
export class WorkerQueue<W, E> {
  readonly #idle: Array<W> = []
  readonly #waiters: Array<Waiter<W, E>> = []

  get idle(): number {
    return this.#idle.length
  }

  get waiting(): number {
    return this.#waiters.length
  }

  take(): W | undefined {
    return this.#idle.shift()
  }

  wait(resume: (exit: Exit.Exit<W, E>) => void): Waiter<W, E> {
    const waiter: Waiter<W, E> = { resume, handed: undefined }
    this.#waiters.push(waiter)
    return waiter
  }

  /** Hands the worker to the longest waiter, or puts it at the end of the idle line. */
  give(worker: W): void {
    const waiter = this.#waiters.shift()
    if (waiter === undefined) {
      this.#idle.push(worker)
      return
    }
    waiter.handed = worker
    waiter.resume(Exit.succeed(worker))
  }

  /** Withdraws a waiter that gave up; returns the worker it was handed meanwhile, which the caller must give back. */
  cancel(waiter: Waiter<W, E>): W | undefined {
    const index = this.#waiters.indexOf(waiter)
    if (index >= 0) this.#waiters.splice(index, 1)
    return waiter.handed
  }

  removeIdle(worker: W): void {
    const index = this.#idle.indexOf(worker)
    if (index >= 0) this.#idle.splice(index, 1)
  }

  /** Settles every waiter with `failure` and returns the idle workers, leaving the queue empty. */
  drain(failure: Exit.Exit<W, E>): Array<W> {
    for (const waiter of this.#waiters.splice(0)) waiter.resume(failure)
    return this.#idle.splice(0)
  }
}
