import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { afterAll } from "vitest"
import { ChangeDetector } from "../../src/backends/sqlite/changes/ChangeDetector.js"
import { SqliteHealthLive } from "../../src/backends/sqlite/health/SqliteHealth.js"
import { ChangeFeed } from "../../src/changes/ChangeFeed.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { DatabaseHealth, type HealthReport } from "../../src/health/DatabaseHealth.js"
import { type Fixture, getJson, makeFixture, removeFixture, serverLayer, serverPort } from "./HttpTestKit.js"

const fixtures: Array<Fixture> = []
const fixture = (options?: { readonly withArchive?: boolean }) => {
  const made = makeFixture(options)
  fixtures.push(made)
  return made
}
afterAll(() => fixtures.forEach(removeFixture))

/** Replaces `file` by a new file (new inode) holding `content`. */
const replaceFile = (file: string, content: Buffer) => {
  const temp = `${file}.new`
  fs.writeFileSync(temp, content)
  fs.renameSync(temp, file)
}

const health = (port: number) =>
  Effect.map(getJson(port, "/health"), (r) => ({ status: r.status, body: r.json as HealthReport }))

describe("/health", () => {
  const files = fixture()
  layer(serverLayer(files), { excludeTestServices: true })((it) => {
    it.effect("ok: both files readable, with their state", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const { body, status } = yield* health(port)
        expect(status).toBe(200)
        expect(body).toEqual({
          status: "ok",
          databases: {
            live: {
              present: true,
              migrated: false,
              journal_mode: "delete",
              max_date: "2026-02-28",
              data_version: expect.any(Number)
            },
            archive: {
              present: true,
              migrated: false,
              journal_mode: "delete",
              max_date: "2025-12-31",
              data_version: expect.any(Number)
            }
          }
        })
        expect(Object.keys(body.databases.live)).toEqual([
          "present",
          "migrated",
          "journal_mode",
          "max_date",
          "data_version"
        ])
      })
    )

    it.effect("degraded when the configured archive cannot be read, ok again once it is back", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const good = fs.readFileSync(files.archivePath)
        replaceFile(files.archivePath, Buffer.from("this is not a database".repeat(100)))
        const corrupt = yield* health(port)
        expect(corrupt.status).toBe(200)
        expect(corrupt.body.status).toBe("degraded")
        expect(corrupt.body.databases.archive).toMatchObject({ present: true, max_date: null, data_version: null })

        fs.rmSync(files.archivePath)
        const gone = yield* health(port)
        expect(gone.body.status).toBe("degraded")
        expect(gone.body.databases.archive.present).toBe(false)

        replaceFile(files.archivePath, good)
        expect((yield* health(port)).body.status).toBe("ok")
      })
    )

    it.effect("unavailable (503) when the live file cannot be read", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const good = fs.readFileSync(files.livePath)
        fs.rmSync(files.livePath)
        const gone = yield* health(port)
        expect(gone.status).toBe(503)
        expect(gone.body.status).toBe("unavailable")
        expect(gone.body.databases.live).toEqual({
          present: false,
          migrated: false,
          journal_mode: null,
          max_date: null,
          data_version: null
        })
        replaceFile(files.livePath, Buffer.from("garbage".repeat(1000)))
        expect((yield* health(port)).status).toBe(503)
        replaceFile(files.livePath, good)
        const back = yield* health(port)
        expect(back.status).toBe(200)
        expect(back.body.status).toBe("ok")
      })
    )

    it.effect("sees commits by other processes (data_version, max_date)", () =>
      Effect.gen(function* () {
        const port = yield* serverPort
        const before = (yield* health(port)).body.databases.live
        const Database = (yield* Effect.promise(() => import("better-sqlite3"))).default
        const db = new Database(files.livePath)
        db.prepare(
          `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
           VALUES ('2026-03-05', 'IT-9', 'New', 'AB1', 'L01', 1, 0)`
        ).run()
        db.close()
        const after = (yield* health(port)).body.databases.live
        expect(after.max_date).toBe("2026-03-05")
        expect(after.data_version).not.toBe(before.data_version)
      })
    )
  })
})

describe("DatabaseHealth", () => {
  const files = fixture({ withArchive: false })
  const targets = (archiveExplicit: boolean) =>
    SqliteHealthLive.pipe(
      Layer.provide(ChangeDetector.Default),
      Layer.provide(ChangeFeed.Default),
      Layer.provide(
        Layer.succeed(
          DbTargets,
          DbTargets.make({
            live: { file: "live", path: files.livePath, explicit: true },
            archive: { file: "archive", path: path.join(files.dir, "archive.db"), explicit: archiveExplicit },
            cutover: "2026-01-01" as IsoDate,
            of: (file) => ({ file, path: files.livePath, explicit: true })
          })
        )
      )
    )

  it.scoped("ok when the archive is not configured and absent (the live file serves alone)", () =>
    Effect.gen(function* () {
      const report = yield* Effect.flatMap(DatabaseHealth, (h) => h.report)
      expect(report.status).toBe("ok")
      expect(report.databases.archive.present).toBe(false)
    }).pipe(Effect.provide(targets(false)))
  )

  it.scoped("degraded when an explicitly named archive is absent", () =>
    Effect.gen(function* () {
      const report = yield* Effect.flatMap(DatabaseHealth, (h) => h.report)
      expect(report.status).toBe("degraded")
    }).pipe(Effect.provide(targets(true)))
  )
})
