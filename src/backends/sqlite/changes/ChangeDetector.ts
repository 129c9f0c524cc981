import { Clock, Config, Duration, Effect, Schedule } from "effect"
import { DbTargets } from "../../../config/DbTargets.js"
import { ChangeFeed, DataChange } from "../../../changes/ChangeFeed.js"
import { DbConnections } from "../db/DbConnections.js"
import { DB_FILES, type DbFile } from "../../../domain/DbFile.js"
import { type AuditedFile, ChangeAudit } from "./ChangeAudit.js"
import { type FileChange, type FileDetails, FileWatch, type FileWatchState } from "./FileWatch.js"

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

const RECONNECTING = "reconnecting (every connection of the service to it is closed and reopened)"

/** How many poll intervals the detector may trail an outside read of the change log before it is behind. */
const LAG_POLLS = 3

/** The last outside read of a file's change log, and whether the detector has stayed behind it. */
export interface AuditState {
  readonly seq: number
  readonly at: number
  /** Set once the detector had not reached `seq` within `LAG_POLLS` poll intervals of the read; until it does. */
  readonly behind: boolean
  /** Whether the service reconnected the file because of this read (once a read). */
  readonly reconnected: boolean
}

export interface DetectorFileState extends FileWatchState {
  /** The change-log position the cached answers are current with; null without a readable change log. */
  readonly seq: number | null
  readonly audit: AuditState | undefined
  /** Times every connection of the service to the file was closed to read it afresh. */
  readonly reconnects: number
}

/**
 * Finds commits by any process to the live and archive files within `CHANGE_POLL_MS` and publishes them on the
 * `ChangeFeed` (which the response cache follows): the touched dates of commits, the whole file for a file
 * replaced on disk (or back after a fault with other contents). An unreadable file is a fault, not a change:
 * nothing is published, and its state says why. The poll runs in a fiber of the layer's scope; the connections close with it.
 *
 * It checks itself: every `CHANGE_AUDIT_MS` a separate process reads each change log's last position; a detector
 * still short of it `LAG_POLLS` intervals later is behind (say, its WAL index was deleted under it), which
 * `/health` reports, and every connection of the service to the file is closed and reopened.
 */
export class ChangeDetector extends Effect.Service<ChangeDetector>()("ChangeDetector", {
  scoped: Effect.gen(function* () {
    const targets = yield* DbTargets
    const feed = yield* ChangeFeed
    const connections = yield* DbConnections
    const auditor = yield* ChangeAudit
    const pollMillis = yield* Config.integer("CHANGE_POLL_MS").pipe(
      Config.validate({ message: "CHANGE_POLL_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(1000)
    )
    const auditMillis = yield* Config.integer("CHANGE_AUDIT_MS").pipe(
      Config.validate({ message: "CHANGE_AUDIT_MS must be at least 0 (0: no audit)", validation: atLeast(0) }),
      Config.withDefault(10_000)
    )
    // Read workers trust an open connection this long before checking the path still names the same file.
    const settleMillis = yield* Config.integer("POOL_FILE_CHECK_MS").pipe(Config.withDefault(200))

    const watches: Record<DbFile, FileWatch> = {
      live: new FileWatch(targets.live, connections),
      archive: new FileWatch(targets.archive, connections)
    }
    const audits: Record<DbFile, AuditState | undefined> = { live: undefined, archive: undefined }
    /** Each file's reconnect count as of the last poll (reconnects are made by any thread that finds one due). */
    const reconnectsSeen: Record<DbFile, number> = {
      live: connections.reconnects.count("live"),
      archive: connections.reconnects.count("archive")
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => DB_FILES.forEach((f) => watches[f].close())))
    const polling = yield* Effect.makeSemaphore(1)
    /** Per file, the clock time before its last poll that read it: the commits a poll finds came after it. */
    const lastRead: Record<DbFile, number> = { live: -Infinity, archive: -Infinity }

    const apply = (file: DbFile, change: FileChange, unchangedUntil: number): Effect.Effect<unknown> => {
      switch (change._tag) {
        case "None":
          return Effect.void
        case "Dates":
          return feed.publish(DataChange.Dates({ file, dates: change.dates, unchangedUntil, touched: change.touched }))
        case "File":
          return Effect.zipRight(
            Effect.logInfo(`${file} file: ${change.reason}; every cached answer of it is dropped`),
            feed.publish(DataChange.Replaced({ file, settleMillis }))
          )
      }
    }

    const reconnect = (file: DbFile, why: string) =>
      Effect.zipRight(
        Effect.logWarning(`${file} file: ${why}; ${RECONNECTING}`),
        Effect.sync(() => {
          connections.reconnects.reconnect(file)
          reconnectsSeen[file] = connections.reconnects.count(file)
        })
      )

    /** After a poll: whether the detector has reached the last outside read of the log, or stays behind it. */
    const checkAudit = (file: DbFile, now: number) =>
      Effect.suspend(() => {
        const audit = audits[file]
        const seq = watches[file].seq
        if (audit === undefined || seq === null) return Effect.void
        if (seq >= audit.seq) {
          audits[file] = { ...audit, behind: false }
          return audit.behind ? Effect.logInfo(`${file} file: the change detector caught up`) : Effect.void
        }
        if (audit.reconnected || now - audit.at <= LAG_POLLS * pollMillis) return Effect.void
        audits[file] = { ...audit, behind: true, reconnected: true }
        return reconnect(file, `the change log is at ${audit.seq} for an outside process, the service saw ${seq}`)
      })

    const pollOne = (watch: FileWatch) =>
      Effect.gen(function* () {
        const before = watch.state
        const startedAt = yield* Clock.currentTimeMillis
        const change = watch.poll()
        const after = watch.state
        const unchangedUntil = lastRead[watch.file]
        if (after.readable) lastRead[watch.file] = startedAt
        if (before.readable && !after.readable)
          yield* Effect.logWarning(`${watch.file} file unreadable: ${after.lastError}`)
        if (!before.readable && after.readable && before.lastError !== null)
          yield* Effect.logInfo(`${watch.file} file readable again`)
        const reconnects = connections.reconnects.count(watch.file)
        if (reconnects !== reconnectsSeen[watch.file]) {
          reconnectsSeen[watch.file] = reconnects
          yield* Effect.logWarning(
            `${watch.file} file: its WAL index was deleted or replaced under the service; ${RECONNECTING}`
          )
        }
        yield* apply(watch.file, change, unchangedUntil)
        yield* checkAudit(watch.file, yield* Clock.currentTimeMillis)
      })

    const pollAll = polling.withPermits(1)(Effect.forEach(DB_FILES, (f) => pollOne(watches[f]), { discard: true }))

    /** Records an outside read; a read of another file than the one watched (replaced meanwhile) is left out. */
    const recordAudit = (file: DbFile, read: AuditedFile, at: number) =>
      Effect.sync(() => {
        if (!("identity" in read) || read.seq === null || read.identity !== watches[file].identity) return
        audits[file] = { seq: read.seq, at, behind: audits[file]?.behind ?? false, reconnected: false }
      })

    const audit = Effect.gen(function* () {
      const at = yield* Clock.currentTimeMillis
      const reads = yield* auditor.read([targets.live, targets.archive])
      yield* Effect.forEach(
        DB_FILES,
        (file, i) => (reads[i] === undefined ? Effect.void : recordAudit(file, reads[i], at)),
        {
          discard: true
        }
      )
    })

    // The first poll is the baseline, at build time: commits after it are changes.
    yield* pollAll
    yield* pollAll.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("change detection poll failed", cause)),
      Effect.repeat(Schedule.spaced(Duration.millis(pollMillis))),
      Effect.delay(Duration.millis(pollMillis)),
      Effect.forkScoped
    )
    if (auditMillis > 0) {
      yield* audit.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("change log audit failed", cause)),
        Effect.repeat(Schedule.spaced(Duration.millis(auditMillis))),
        Effect.delay(Duration.millis(auditMillis)),
        Effect.forkScoped
      )
    }

    const stateOf = (file: DbFile): DetectorFileState => ({
      ...watches[file].state,
      seq: watches[file].seq,
      audit: audits[file],
      reconnects: connections.reconnects.count(file)
    })

    return {
      pollMillis,
      /** Each file's state as of the last poll. */
      states: Effect.sync((): Record<DbFile, DetectorFileState> => ({
        live: stateOf("live"),
        archive: stateOf("archive")
      })),
      /** What `/health` tells of a readable file (read on the detector's connection when it may have changed). */
      details: (file: DbFile): Effect.Effect<FileDetails | undefined> =>
        polling.withPermits(1)(Effect.sync(() => watches[file].details())),
      /** Polls now, outside the schedule (the next scheduled poll still comes). */
      pollNow: pollAll,
      /** Reads the change logs from a separate process now (as the schedule does every `CHANGE_AUDIT_MS`). */
      auditNow: audit
    } as const
  }),
  dependencies: [ChangeAudit.Default, DbConnections.Default]
}) {}
