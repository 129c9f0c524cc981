import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, TestClock } from "effect"
import * as fs from "node:fs"
import { type AuditedFile, ChangeAudit } from "../../src/backends/sqlite/changes/ChangeAudit.js"
import { ChangeDetector } from "../../src/backends/sqlite/changes/ChangeDetector.js"
import { SqliteHealthLive } from "../../src/backends/sqlite/health/SqliteHealth.js"
import { ChangeFeed } from "../../src/changes/ChangeFeed.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import { DbConnections } from "../../src/backends/sqlite/db/DbConnections.js"
import { fileIdentity } from "../../src/backends/sqlite/db/DbConnection.js"
import { DatabaseHealth } from "../../src/health/DatabaseHealth.js"
import { spawnService } from "../reliability/Processes.js"
import { eventually, get, integrityCheck, jsonOf, reliabilityFiles, rowsOf } from "../reliability/ReliabilityKit.js"
import { sqliteTool } from "../outside/OutsideKit.js"
import { detectorSettings } from "./DetectorKit.js"

const POLL_MS = 100

/**
 * The detector over `files` with its outside read replaced by `reads` (what a separate process would have read):
 * the one part of the self-check a test cannot make happen on demand.
 */
const detectorWithAudit = (files: { live: string; archive: string }, reads: { current: Array<AuditedFile> }) =>
  Layer.mergeAll(SqliteHealthLive, ChangeDetector.DefaultWithoutDependencies).pipe(
    Layer.provide(ChangeDetector.DefaultWithoutDependencies),
    Layer.provide(Layer.succeed(ChangeAudit, ChangeAudit.make({ read: () => Effect.succeed(reads.current) }))),
    Layer.provide([ChangeFeed.Default, DbConnections.Default]),
    Layer.provideMerge(DbTargets.Default),
    Layer.provide(detectorSettings(files, { CHANGE_POLL_MS: String(POLL_MS), CHANGE_AUDIT_MS: "0" }))
  )

const polls = (n: number) =>
  Effect.zipRight(
    TestClock.adjust(Duration.millis(n * POLL_MS)),
    Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
  )

describe("the change detector's self-check", () => {
  it.scoped(
    "an outside read of the change log ahead of the detector for more than 3 polls: /health degraded with the reason, the file reconnected; ok once caught up",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const reads = { current: [] as Array<AuditedFile> }
        const context = yield* Layer.build(detectorWithAudit(files, reads))
        const detector = context.unsafeMap.get(ChangeDetector.key) as ChangeDetector
        const health = Context.get(context, DatabaseHealth)
        const seen = (yield* detector.states).live.seq!
        const identity = fileIdentity(files.live)!
        const archive = { identity: fileIdentity(files.archive)!, seq: (yield* detector.states).archive.seq }

        reads.current = [{ identity, seq: seen + 5 }, archive]
        yield* detector.auditNow
        yield* polls(2)
        expect((yield* health.report).status).toBe("ok") // within the allowance: a commit may just not be polled yet
        yield* polls(2)
        const behind = yield* health.report
        expect(behind.status).toBe("degraded")
        expect(behind.reasons).toEqual([
          expect.stringMatching(/^live: .*seen its change log up to \d+, an outside process read \d+/)
        ])
        expect((yield* detector.states).live).toMatchObject({ reconnects: 1, audit: { behind: true, seq: seen + 5 } })
        yield* polls(5)
        expect((yield* detector.states).live.reconnects).toBe(1) // once a read, not every poll

        reads.current = [{ identity, seq: seen }, archive]
        yield* detector.auditNow
        yield* polls(1)
        const back = yield* health.report
        expect(back).toMatchObject({ status: "ok" })
        expect(back.reasons).toBeUndefined()
        // An outside read of another file (replaced since) says nothing about the one watched.
        reads.current = [{ identity: "0:0", seq: seen + 100 }, archive]
        yield* detector.auditNow
        yield* polls(5)
        expect((yield* health.report).status).toBe("ok")
      })
  )

  it.scopedLive(
    "the service as a process: its WAL index deleted from outside, then short-lived outside commits: all seen after a reconnect, -wal and -shm back, files intact",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const service = yield* spawnService(files, { CHANGE_POLL_MS: String(POLL_MS), CHANGE_AUDIT_MS: "500" })
        const date = "2026-03-30"
        const daily = `/summary/daily?from=${date}&to=${date}`
        const before = rowsOf<{ record_count: number }>(yield* get(service.port, daily))[0]!.record_count

        expect(yield* sqliteTool(["delete-wal-index", files.live])).toEqual([{ busy: 0 }])
        const ids = yield* sqliteTool(["insert", files.live, "SELF", "12", date])
        expect(ids).toHaveLength(12)
        const records = `/records?from=${date}&to=${date}&lot_prefix=SELF&limit=100`
        // Blind until the WAL index is found stale (an open, or the audit every 500 ms and 3 polls of 100 ms),
        // then every connection reopens and the cached answers of the file are dropped: well within 5 s.
        const recovered = Effect.all([get(service.port, records), get(service.port, daily)]).pipe(
          Effect.map(
            ([r, d]) =>
              r.status === 200 &&
              rowsOf(r).length === 12 &&
              d.status === 200 &&
              rowsOf<{ record_count: number }>(d)[0]?.record_count === before + 12
          )
        )
        yield* eventually("every outside commit visible in /records and the summary", recovered, 5_000)
        const after = yield* get(service.port, daily)
        console.log(JSON.stringify(after.headers), after.text, service.stdout())
        expect(rowsOf<{ record_count: number }>(after)[0]!.record_count).toBe(before + 12)
        const metrics = (yield* get(service.port, "/metrics")).text
        expect(Number(/^production_api_db_reconnects_total\{file="live"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(
          0
        )
        expect(service.stdout()).toMatch(/live file: .*; reconnecting \(every connection of the service to it/)
        expect(jsonOf(yield* get(service.port, "/health"))).toMatchObject({ status: "ok" })
        expect(fs.existsSync(`${files.live}-wal`) && fs.existsSync(`${files.live}-shm`)).toBe(true)
        expect(integrityCheck(files.live)).toBe("ok")
      }),
    60_000
  )
})
