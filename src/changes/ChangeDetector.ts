import { Config, Duration, Effect, Schedule } from "effect"
import { ResponseCache } from "../cache/ResponseCache.js"
import { DbTargets } from "../config/DbTargets.js"
import { DB_FILES, type DbFile } from "../domain/DbFile.js"
import { type FileChange, FileWatch, type FileWatchState } from "./FileWatch.js"

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

/**
 * Finds commits by any process to the live and archive files within `CHANGE_POLL_MS` and invalidates the cached
 * answers they make stale: by touched date for commits, whole-file for a file replaced on disk (or back after a
 * fault with other contents). An unreadable file is a fault, not a change: nothing is invalidated, and its state
 * says why. The poll runs in a fiber of the layer's scope; the connections close with it.
 */
export class ChangeDetector extends Effect.Service<ChangeDetector>()("ChangeDetector", {
  scoped: Effect.gen(function* () {
    const targets = yield* DbTargets
    const cache = yield* ResponseCache
    const pollMillis = yield* Config.integer("CHANGE_POLL_MS").pipe(
      Config.validate({ message: "CHANGE_POLL_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(1000)
    )
    // Read workers trust an open connection this long before checking the path still names the same file.
    const settleMillis = yield* Config.integer("POOL_FILE_CHECK_MS").pipe(Config.withDefault(200))

    const watches = {
      live: new FileWatch("live", targets.live.path),
      archive: new FileWatch("archive", targets.archive.path)
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => DB_FILES.forEach((f) => watches[f].close())))

    const apply = (file: DbFile, change: FileChange): Effect.Effect<unknown> => {
      switch (change._tag) {
        case "None":
          return Effect.void
        case "Dates":
          return cache.invalidateDates(file, change.dates)
        case "File":
          return Effect.zipRight(
            Effect.logInfo(`${file} file: ${change.reason}; every cached answer of it is dropped`),
            cache.invalidateFile(file, settleMillis)
          )
      }
    }

    const pollOne = (watch: FileWatch) =>
      Effect.gen(function* () {
        const before = watch.state
        const change = yield* watch.poll
        const after = watch.state
        if (before.readable && !after.readable)
          yield* Effect.logWarning(`${watch.file} file unreadable: ${after.lastError}`)
        if (!before.readable && after.readable && before.lastError !== null)
          yield* Effect.logInfo(`${watch.file} file readable again`)
        yield* apply(watch.file, change)
      })

    const pollAll = Effect.forEach(DB_FILES, (f) => pollOne(watches[f]), { discard: true })

    // The first poll is the baseline, at build time: commits after it are changes.
    yield* pollAll
    yield* pollAll.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("change detection poll failed", cause)),
      Effect.repeat(Schedule.spaced(Duration.millis(pollMillis))),
      Effect.delay(Duration.millis(pollMillis)),
      Effect.forkScoped
    )

    return {
      pollMillis,
      /** Each file's state as of the last poll. */
      states: Effect.sync((): Record<DbFile, FileWatchState> => ({
        live: watches.live.state,
        archive: watches.archive.state
      })),
      /** Polls now, outside the schedule (the next scheduled poll still comes). */
      pollNow: pollAll
    } as const
  })
}) {}
