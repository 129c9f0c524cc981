import { Cause, Effect, Exit, Layer, Option } from "effect"
import { resolve } from "node:path"
import { DbTargets } from "../../../config/DbTargets.js"
import { DbConnections } from "../db/DbConnections.js"
import { PoolConfig } from "./PoolConfig.js"
import { PoolOverloaded, QueryTimeout, type ReadError } from "../../../query/ReadErrors.js"
import { ReadPool, type ReadRequest, type ReadResult } from "./ReadPool.js"
import { type ReadWorker, spawnReadWorker } from "./ReadWorker.js"
import { resolveWorkerEntry } from "./WorkerEntry.js"
import type { WorkerInit } from "./WorkerProtocol.js"
import { makeWorkerRoster } from "./WorkerRoster.js"

type Restore = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Builds the read pool: `POOL_SIZE` worker threads, a FIFO of idle ones, at most `QUEUE_LIMIT` waiting callers and
 * a deadline of `QUERY_TIMEOUT_MS` from the call, waiting included. A worker still busy at a deadline is retired
 * (left to finish in the background, never awaited) and replaced at once. Up to `POOL_SIZE` retired threads are
 * tolerated; beyond, `run` refuses until one ends.
 */
export const makeReadPool = Effect.gen(function* () {
  const config = yield* PoolConfig
  const targets = yield* DbTargets
  const connections = yield* DbConnections
  const entry = yield* resolveWorkerEntry(config.workerMode, config.workerBundle)
  yield* Effect.logDebug(`read pool: ${config.size} workers from ${entry.mode} ${entry.path}`)
  const init: WorkerInit = {
    files: [targets.live, targets.archive].map((t) => ({ file: t.file, path: resolve(t.path) })),
    pragmas: connections.pragmas,
    fileCheckMs: config.fileCheckMs,
    allowMmap: config.allowMmap,
    reconnects: connections.reconnects.buffer,
    // Long enough for idle connections elsewhere to close, short of the request's own deadline.
    staleIndexWaitMs: Math.min(1000, Math.floor(config.queryTimeoutMs / 2))
  }
  const roster = yield* makeWorkerRoster({
    size: config.size,
    spawn: (id, onExit) => spawnReadWorker({ id, entry, init, timeoutMs: config.spawnTimeoutMs, onExit })
  })
  const queue = roster.queue
  let timeouts = 0
  let rejections = 0

  const rejection = (): string | undefined => {
    if (roster.closed) return "the read pool is shut down"
    if (roster.retired > config.size) return "too many timed-out statements are still running"
    roster.respawnIfDue()
    if (!roster.serving) return "no read worker is running"
    if (queue.idle === 0 && queue.waiting >= config.queueLimit) return "too many requests are waiting for a worker"
    return undefined
  }

  const timedOut = () => {
    timeouts++
    return Exit.fail(new QueryTimeout({ timeoutMs: config.queryTimeoutMs }))
  }

  // Deadlines are plain timers on `performance.now()`: `Effect.timeout` forks two fibers per call.
  const acquire = (restore: Restore, deadline: number): Effect.Effect<ReadWorker, PoolOverloaded | QueryTimeout> => {
    const idle = queue.take()
    if (idle !== undefined) return Effect.succeed(idle)
    return restore(
      Effect.async<ReadWorker, PoolOverloaded | QueryTimeout>((resume) => {
        let timer: ReturnType<typeof setTimeout> | undefined = undefined
        const waiter = queue.wait((exit) => {
          clearTimeout(timer)
          resume(exit)
        })
        timer = setTimeout(() => {
          queue.cancel(waiter)
          resume(timedOut())
        }, deadline - performance.now())
        return Effect.sync(() => {
          clearTimeout(timer)
          const handed = queue.cancel(waiter)
          if (handed !== undefined) roster.release(handed)
        })
      })
    )
  }

  // A caller that went away (not a timeout) leaves a statement that may be short: wait for the worker to be free
  // until the caller's deadline before giving it back, and retire it only if it is still busy then.
  const reclaimWhenFree = (worker: ReadWorker, deadline: number) =>
    roster.runInScope(
      Effect.matchEffect(worker.ping(Math.max(deadline, performance.now() + 50)), {
        onSuccess: () => Effect.sync(() => roster.release(worker)),
        onFailure: () => Effect.sync(() => roster.retire(worker))
      })
    )

  /** What becomes of a worker once its request ended: back to the queue, retired, or reclaimed once free. */
  const afterRequest = (worker: ReadWorker, exit: Exit.Exit<ReadResult, unknown>, deadline: number) => {
    if (Exit.isSuccess(exit)) return roster.release(worker)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) {
      const tag = (failure.value as { _tag?: string })._tag
      return tag === "DeadlineReached" || tag === "WorkerFailed" ? roster.retire(worker) : roster.release(worker)
    }
    if (Cause.isInterrupted(exit.cause)) return void reclaimWhenFree(worker, deadline)
    roster.release(worker)
  }

  const run = (request: ReadRequest): Effect.Effect<ReadResult, ReadError> =>
    Effect.uninterruptibleMask((restore) => {
      const reason = rejection()
      if (reason !== undefined) {
        rejections++
        return Effect.fail(new PoolOverloaded({ reason }))
      }
      const deadline = performance.now() + config.queryTimeoutMs
      return Effect.flatMap(acquire(restore, deadline), (worker) =>
        restore(worker.execute(request, deadline)).pipe(
          Effect.onExit((exit) => Effect.sync(() => afterRequest(worker, exit, deadline))),
          Effect.catchTags({
            DeadlineReached: () => timedOut(),
            WorkerFailed: (error) => Effect.die(error)
          })
        )
      )
    })

  return ReadPool.of({
    run,
    stats: Effect.sync(() => ({
      size: roster.active,
      idle: queue.idle,
      waiting: queue.waiting,
      inFlight: roster.active - queue.idle,
      retired: roster.retired,
      timeouts,
      rejections
    }))
  })
})

/**
 * The read pool as a scoped Layer: workers start when it is built and are stopped when its scope closes. Its
 * `DbConnections` is the app's own (layers are shared within a build), so a reconnect reaches the workers too.
 */
export const ReadPoolLive = Layer.scoped(ReadPool, makeReadPool).pipe(Layer.provide(DbConnections.Default))
