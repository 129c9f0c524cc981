import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import type { DbFile } from "../../src/domain/DbFile.js"
import { withDb } from "../support/fixtures.js"
import { backup, corruptMiddle, restoreByRename, restoreInPlace } from "./FileFaults.js"
import { launchService, spawnService, startLoader } from "./Processes.js"
import {
  type Reply,
  errorBodyProblem,
  eventually,
  get,
  integrityCheck,
  jsonOf,
  poolGauges,
  reliabilityFiles,
  rowsOf,
  send,
  startApp,
  utcToday
} from "./ReliabilityKit.js"

const POOL_SIZE = 2
/** A fault reaches every reply within this (workers check their file every 200 ms, the detector polls at 100 ms). */
const SETTLE_MS = 5_000

/** Answers cached before the fault: each file's alone and one across both. */
const PRIMED = {
  live: "/summary/daily?from=2026-01-01&to=2026-01-31",
  archive: "/summary/daily?from=2025-11-01&to=2025-11-30",
  across: "/summary/by-line?from=2025-12-01&to=2026-01-31"
} as const

/** Requests no one made before (a new window each time), reading `file` only, or both files (`/items`). */
let fresh = 0
const freshTargets = (file: DbFile): ReadonlyArray<string> => {
  fresh++
  const day = String(1 + (fresh % 28)).padStart(2, "0")
  return file === "live"
    ? [
        `/summary/daily?from=2026-01-${day}&to=2026-03-${day}&line_code=L0${fresh % 3}`,
        `/records?from=2026-01-01&to=2026-03-31&limit=${fresh}`,
        `/summary/monthly-by-item?from=2026-01-${day}&to=2026-03-31`,
        `/items?q=idget&limit=${fresh}`
      ]
    : [
        `/summary/daily?from=2025-10-${day}&to=2025-12-${day}&line_code=L0${fresh % 3}`,
        `/records?from=2025-10-01&to=2025-12-31&limit=${fresh}`,
        `/summary/monthly-by-item?from=2025-10-${day}&to=2025-12-31`,
        `/items?q=idget&limit=${fresh}`
      ]
}

const healthOf = (port: number) =>
  Effect.map(get(port, "/health"), (reply) => ({
    http: reply.status,
    status: (jsonOf(reply) as { status: string }).status
  }))

/** 503 `database_unavailable` naming `file`, in the contract's shape, answered without hanging. */
const expectUnavailable = (reply: Reply & { readonly ms: number }, file: DbFile, target: string) => {
  expect(reply.status, `${target} ${reply.text}`).toBe(503)
  expect(errorBodyProblem(reply), target).toBeUndefined()
  expect(jsonOf(reply)).toMatchObject({ code: "database_unavailable", message: expect.stringContaining(file) })
  expect(reply.ms, target).toBeLessThan(2_000)
}

const timedGet = (port: number, target: string) =>
  Effect.gen(function* () {
    const started = performance.now()
    const reply = yield* get(port, target)
    return { ...reply, ms: performance.now() - started }
  })

interface Fault {
  readonly file: DbFile
  readonly what: string
  readonly inject: (path: string) => void
  readonly restore: (good: string, path: string) => void
  /** Every read of the file fails (not only those that reach a damaged page). */
  readonly total: boolean
}

const FAULTS: ReadonlyArray<Fault> = [
  { file: "live", what: "deleted", inject: (p) => fs.rmSync(p), restore: restoreByRename, total: true },
  {
    file: "live",
    what: "truncated to nothing in place",
    inject: (p) => fs.truncateSync(p, 0),
    restore: restoreInPlace,
    total: true
  },
  {
    file: "live",
    what: "truncated to half in place",
    inject: (p) => fs.truncateSync(p, Math.floor(fs.statSync(p).size / 8192) * 4096),
    restore: restoreInPlace,
    total: false
  },
  {
    file: "live",
    what: "corrupted in the middle",
    inject: (p) => void corruptMiddle(p),
    restore: restoreByRename,
    total: false
  },
  {
    file: "archive",
    what: "corrupted in the middle",
    inject: (p) => void corruptMiddle(p),
    restore: restoreByRename,
    total: false
  },
  {
    file: "archive",
    what: "truncated to half in place",
    inject: (p) => fs.truncateSync(p, Math.floor(fs.statSync(p).size / 8192) * 4096),
    restore: restoreInPlace,
    total: false
  }
]

const other = (file: DbFile): DbFile => (file === "live" ? "archive" : "live")

describe("file faults while serving", () => {
  for (const fault of FAULTS) {
    it.scopedLive(
      `the ${fault.file} file ${fault.what}: ${fault.file === "live" ? "/health 503 unavailable" : "degraded"}, 503 naming it, cached answers still served, healed when a good file is back`,
      () =>
        Effect.gen(function* () {
          const files = yield* reliabilityFiles()
          const port = yield* startApp(files, { env: { CACHE_STALE_SECONDS: "1", CACHE_EXPIRE_SECONDS: "60" } })
          const path = files[fault.file]
          const before = new Map<string, string>()
          for (const target of Object.values(PRIMED)) before.set(target, (yield* get(port, target)).text)
          const good = backup(path)
          // Monitoring has seen the file healthy just before the fault (its inspector has the pages in its cache).
          expect(yield* healthOf(port)).toEqual({ http: 200, status: "ok" })

          fault.inject(path)
          // /health: the live file unreadable is `unavailable` (503); the archive, `degraded` (200).
          const expected =
            fault.file === "live" ? { http: 503, status: "unavailable" } : { http: 200, status: "degraded" }
          yield* eventually(
            "/health reports the fault",
            Effect.map(healthOf(port), (h) => h.http === expected.http && h.status === expected.status),
            SETTLE_MS
          )

          // Requests that need the file: 503 naming it (all of them when nothing of it can be read; a damaged page
          // fails the reads that reach it, a worker whose cache still holds the pages answers them).
          let unavailable = 0
          yield* eventually(
            `new requests needing the ${fault.file} file get 503`,
            Effect.gen(function* () {
              const targets = freshTargets(fault.file)
              const replies = yield* Effect.forEach(targets, (target) => timedGet(port, target))
              replies.forEach((reply, i) => {
                if (reply.status !== 200) expectUnavailable(reply, fault.file, targets[i]!)
              })
              const failed = replies.filter((r) => r.status === 503).length
              unavailable += failed
              return fault.total ? failed === replies.length : failed > 0
            }),
            SETTLE_MS
          )
          if (fault.file === "live") {
            // Windows before the cutover need only the archive, which is fine.
            for (const target of freshTargets("archive").slice(0, 3))
              expect((yield* get(port, target)).status).toBe(200)
          } else {
            for (const target of freshTargets("live").slice(0, 3)) expect((yield* get(port, target)).status).toBe(200)
          }

          // Stale-if-error: what was cached keeps being served, fresh and then stale, never dropped for the fault.
          yield* Effect.sleep(1_100)
          for (const target of Object.values(PRIMED)) {
            const reply = yield* get(port, target)
            expect([reply.status, reply.text], target).toEqual([200, before.get(target)])
            expect(["HIT", "STALE"]).toContain(reply.headers["x-cache"])
            const needsFaulty = target !== PRIMED[other(fault.file)]
            if (fault.total && needsFaulty) expect(reply.headers["x-cache"], target).toBe("STALE")
          }
          expect(yield* poolGauges(port)).toMatchObject({ workers: POOL_SIZE })

          // A good file back: healed by itself, with the same answers.
          fault.restore(good, path)
          yield* eventually(
            "/health ok again",
            Effect.map(healthOf(port), (h) => h.http === 200 && h.status === "ok"),
            SETTLE_MS
          )
          yield* eventually(
            `new requests needing the ${fault.file} file served again`,
            Effect.map(
              Effect.forEach(freshTargets(fault.file), (target) => get(port, target)),
              (replies) => replies.every((r) => r.status === 200)
            ),
            SETTLE_MS
          )
          for (const target of Object.values(PRIMED)) {
            const reply = yield* get(port, target)
            expect([reply.status, reply.text], target).toEqual([200, before.get(target)])
          }
          expect(integrityCheck(path)).toBe("ok")
          console.log(`${fault.file} ${fault.what}: ${unavailable} × 503 naming ${fault.file}, healed`)
        }),
      30_000
    )
  }

  it.scopedLive(
    "start-up: a live file without the table, an archive lacking a column → one line naming it, exit ≠ 0",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const noTable = `${files.dir}/no-table.db`
        withDb(noTable, (db) => db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"), { create: true })
        const noColumn = `${files.dir}/no-column.db`
        withDb(
          noColumn,
          (db) =>
            db.exec("CREATE TABLE production_records (id INTEGER PRIMARY KEY, production_date TEXT, item_code TEXT)"),
          { create: true }
        )
        const cases = [
          { files: { ...files, live: noTable }, names: [noTable, "production_records"] },
          { files: { ...files, archive: noColumn }, names: [noColumn, "item_name"] }
        ]
        yield* Effect.forEach(
          cases,
          (c) =>
            Effect.gen(function* () {
              const service = yield* launchService(c.files)
              expect(yield* service.exited).not.toBe(0)
              const lines = service
                .stderr()
                .split("\n")
                .filter((line) => line.trim() !== "")
              expect(lines).toHaveLength(1)
              for (const name of c.names) expect(lines[0]).toContain(name)
            }),
          { concurrency: "unbounded" }
        )
      })
  )

  it.scopedLive(
    "SIGKILL under load and a loader's writes: both files pass integrity_check, a restart serves with no repair, no commit lost",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const env = { POOL_SIZE: "2", CHANGE_POLL_MS: "100" }
        const service = yield* spawnService(files, env)
        const today = utcToday()
        const loader = yield* startLoader(files.live, today, "KILL-", 3)

        const agent = new http.Agent({ keepAlive: true, maxSockets: 20 })
        yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
        const targets = [
          `/summary/daily?from=2026-11-01&to=${today}`,
          `/records?from=${today}&to=${today}&lot_prefix=KILL-&limit=20`,
          "/summary/monthly?from=2025-10-01&to=2026-03-31",
          "/items?q=widget",
          "/summary/daily"
        ]
        let answered = 0
        // Client loops until the connection is refused (the process is gone).
        const clients = yield* Effect.fork(
          Effect.forEach(
            Array.from({ length: 20 }, (_, i) => i),
            (i) =>
              Effect.gen(function* () {
                for (let k = i; k < 100_000; k++) {
                  const reply = yield* send(service.port, targets[k % targets.length]!, { agent })
                  expect(reply.status).toBe(200)
                  answered++
                }
              }).pipe(Effect.ignore),
            { concurrency: "unbounded", discard: true }
          )
        )
        yield* Effect.sleep(1_500)
        service.child.kill("SIGKILL")
        loader.child.kill("SIGKILL")
        expect(yield* service.exited).toBe("SIGKILL")
        expect(yield* loader.exited).toBe("SIGKILL")
        yield* Fiber.join(clients)
        const committed = loader.committed()

        // As the crash left them: intact, and every commit the loader saw succeed is there.
        expect(integrityCheck(files.live)).toBe("ok")
        expect(integrityCheck(files.archive)).toBe("ok")
        const stored = new Set(
          withDb(files.live, (db) =>
            db.prepare("SELECT id FROM production_records WHERE lot_number LIKE 'KILL-%'").pluck().all()
          ) as Array<number>
        )
        expect(committed.filter((id) => !stored.has(id))).toEqual([])

        const restarted = yield* spawnService(files, env)
        const health = jsonOf(yield* get(restarted.port, "/health"))
        expect(health).toMatchObject({
          status: "ok",
          databases: { live: { migrated: true, journal_mode: "wal" }, archive: { migrated: true, journal_mode: "wal" } }
        })
        const page = yield* get(restarted.port, `/records?from=${today}&to=${today}&lot_prefix=KILL-&limit=1000`)
        expect(
          rowsOf<{ id: number }>(page)
            .map((r) => r.id)
            .sort((a, b) => a - b)
        ).toEqual([...stored].sort((a, b) => a - b))
        // Nothing was migrated, generated or repaired on the way up, and nothing went wrong.
        expect(restarted.stdout()).not.toMatch(/migrat|generat|repair|recover/i)
        expect(restarted.stderr()).toBe("")
        console.log(
          `SIGKILL: ${answered} answers before the kill, ${committed.length} loader commits (${stored.size} stored), ` +
            `both files intact, restart serving`
        )
      }),
    60_000
  )
})
