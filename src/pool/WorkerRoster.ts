import { Effect, Exit, FiberSet, Runtime, Schedule, type Scope } from "effect"
import { PoolOverloaded } from "./ReadErrors.js"
import type { ReadWorker } from "./ReadWorker.js"
import type { WorkerSpawnFailed } from "./WorkerErrors.js"
import { WorkerQueue } from "./WorkerQueue.js"

const REPLACEMENT_ATTEMPTS = 3
// After replacements failed, a request may trigger a new attempt at most this often.
const RESPAWN_BACKOFF_MS = 10_000

export interface RosterOptions {
  readonly size: number
  readonly spawn: (id: number, onExit: (id: number) => void) => Effect.Effect<ReadWorker, WorkerSpawnFailed>
}

/**
 * The pool's worker threads: `active` ones (idle in the queue or busy) and `retired` ones, left to finish a stuck
 * statement in the background. Keeps `size` active workers, never more than 2 × `size` threads in all.
 */
export class WorkerRoster {
  readonly queue = new WorkerQueue<ReadWorker, PoolOverloaded>()
  readonly #active = new Map<number, ReadWorker>()
  readonly #retired = new Map<number, ReadWorker>()
  #nextId = 1
  #spawning = 0
  #closed = false
  #lastSpawnFailure = -Infinity

  constructor(
    readonly options: RosterOptions,
    readonly runInScope: <A, E>(effect: Effect.Effect<A, E>) => unknown,
    readonly runDaemon: <A, E>(effect: Effect.Effect<A, E>) => unknown
  ) {}

  get active(): number {
    return this.#active.size
  }

  get retired(): number {
    return this.#retired.size
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Whether some worker runs or is starting; under capacity (replacements failed), tries again now and then. */
  canServe(): boolean {
    const starting = this.#active.size + this.#spawning
    if (starting < this.options.size && performance.now() - this.#lastSpawnFailure > RESPAWN_BACKOFF_MS) {
      this.#replenish()
    }
    return this.#active.size + this.#spawning > 0
  }

  readonly spawn = Effect.suspend(() => this.options.spawn(this.#nextId++, (id) => this.#onExit(id)))

  add(worker: ReadWorker): void {
    if (this.#closed) return void this.runDaemon(worker.close)
    this.#active.set(worker.id, worker)
    this.queue.give(worker)
  }

  /** Gives a worker that finished its statement to the next caller (unless it was retired meanwhile). */
  release(worker: ReadWorker): void {
    if (this.#active.has(worker.id)) this.queue.give(worker)
  }

  /** Takes a busy worker out of the pool, lets it end in the background, and starts a replacement. */
  retire(worker: ReadWorker): void {
    if (!this.#active.delete(worker.id)) return
    this.queue.removeIdle(worker)
    this.#retired.set(worker.id, worker)
    worker.retire()
    this.#replenish()
  }

  /** Closes idle workers (awaited) and lets busy ones end in the background (not awaited); waiters are refused. */
  get shutdown(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.#closed = true
      const idle = this.queue.drain(Exit.fail(new PoolOverloaded({ reason: "the read pool is shut down" })))
      for (const worker of this.#active.values()) if (!idle.includes(worker)) worker.retire()
      this.#active.clear()
      return Effect.forEach(idle, (worker) => worker.close, { concurrency: "unbounded", discard: true })
    })
  }

  #replenish(): void {
    const { size } = this.options
    const threads = () => this.#active.size + this.#spawning + this.#retired.size
    while (!this.#closed && this.#active.size + this.#spawning < size && threads() < 2 * size) {
      this.#spawning++
      this.runInScope(
        this.spawn.pipe(
          Effect.retry({ times: REPLACEMENT_ATTEMPTS - 1, schedule: Schedule.spaced("500 millis") }),
          Effect.matchEffect({
            onSuccess: (worker) => Effect.sync(() => this.add(worker)),
            onFailure: (error) => {
              this.#lastSpawnFailure = performance.now()
              return Effect.logError("read pool: a replacement worker could not be started", error)
            }
          }),
          Effect.ensuring(Effect.sync(() => this.#spawning--))
        )
      )
    }
  }

  #onExit(id: number): void {
    if (this.#retired.delete(id)) return this.#replenish()
    const worker = this.#active.get(id)
    if (worker === undefined) return
    this.#active.delete(id)
    this.queue.removeIdle(worker)
    this.runDaemon(Effect.zipRight(Effect.logWarning(`read pool: worker ${id} ended unexpectedly`), worker.close))
    this.#replenish()
  }
}

/** Starts `size` workers (failing if any cannot start); they are shut down with the scope. */
export const makeWorkerRoster = (options: RosterOptions): Effect.Effect<WorkerRoster, WorkerSpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const runDaemon = Runtime.runFork(yield* Effect.runtime<never>())
    const runInScope = yield* FiberSet.makeRuntime<never>()
    const roster = new WorkerRoster(options, runInScope, runDaemon)
    yield* Effect.addFinalizer(() => roster.shutdown)
    yield* Effect.forEach(
      Array.from({ length: options.size }),
      () => Effect.map(roster.spawn, (worker) => roster.add(worker)),
      { concurrency: "unbounded", discard: true }
    )
    return roster
  })
