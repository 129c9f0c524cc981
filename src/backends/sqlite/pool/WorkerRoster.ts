import { Effect, Exit, FiberSet, Schedule, type Scope } from "effect"
import { PoolOverloaded } from "../../../query/ReadErrors.js"
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
 * statement in the background. Keeps `size` active workers, never more than 2 × `size` threads in all. Its fibers
 * (starts, replacements, closes) run in the pool's scope (`runInScope`), which awaits or interrupts them on close.
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
    /** Runs an effect on a fiber of the pool's scope (a `FiberSet`), from the pool's synchronous callbacks. */
    readonly runInScope: <A, E>(effect: Effect.Effect<A, E>) => unknown
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

  /** Whether some worker runs or is starting. */
  get serving(): boolean {
    return this.#active.size + this.#spawning > 0
  }

  /** Under `size` because replacements failed: tries again, at most every `RESPAWN_BACKOFF_MS`. */
  respawnIfDue(): void {
    const starting = this.#active.size + this.#spawning
    if (starting < this.options.size && performance.now() - this.#lastSpawnFailure > RESPAWN_BACKOFF_MS) {
      this.#replenish()
    }
  }

  /**
   * Starts one worker and gives it to the queue, or closes it if the pool closed meanwhile. Once the thread has
   * started, handing it over is uninterruptible: no started thread is dropped on the floor.
   */
  readonly start: Effect.Effect<void, WorkerSpawnFailed> = Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(
      restore(Effect.suspend(() => this.options.spawn(this.#nextId++, (id) => this.#onExit(id)))),
      (worker) => (this.#closed ? worker.close : Effect.sync(() => this.#add(worker)))
    )
  )

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

  #add(worker: ReadWorker): void {
    this.#active.set(worker.id, worker)
    this.queue.give(worker)
  }

  #replenish(): void {
    const { size } = this.options
    const threads = () => this.#active.size + this.#spawning + this.#retired.size
    while (!this.#closed && this.#active.size + this.#spawning < size && threads() < 2 * size) {
      this.#spawning++
      this.runInScope(
        this.start.pipe(
          Effect.retry({ times: REPLACEMENT_ATTEMPTS - 1, schedule: Schedule.spaced("500 millis") }),
          Effect.catchAll((error) => {
            this.#lastSpawnFailure = performance.now()
            return Effect.logError("read pool: a replacement worker could not be started", error)
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
    this.runInScope(
      Effect.uninterruptible(
        Effect.zipRight(Effect.logWarning(`read pool: worker ${id} ended unexpectedly`), worker.close)
      )
    )
    this.#replenish()
  }
}

/** Starts `size` workers (failing if any cannot start); they are shut down with the scope. */
export const makeWorkerRoster = (options: RosterOptions): Effect.Effect<WorkerRoster, WorkerSpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    // Closed after the roster's shutdown (finalizers run in reverse): starts still running are interrupted
    // (a half-started thread is terminated), closes are awaited.
    const runInScope = yield* FiberSet.makeRuntime<never>()
    const roster = new WorkerRoster(options, runInScope)
    yield* Effect.addFinalizer(() => roster.shutdown)
    yield* Effect.forEach(Array.from({ length: options.size }), () => roster.start, {
      concurrency: "unbounded",
      discard: true
    })
    return roster
  })
