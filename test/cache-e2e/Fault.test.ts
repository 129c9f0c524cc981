import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { AFTER_FILE_MS, CachedServer, cacheStats, cachedServer, get, primed } from "./CachedServerKit.js"

const STALE_SECONDS = 3

const ARCHIVE_NOV = "/summary/daily?from=2025-11-01&to=2025-11-30"
const ACROSS = "/summary/by-line?from=2025-12-01&to=2026-01-31"
const ARCHIVE_OCT = "/summary/daily?from=2025-10-01&to=2025-10-31"
const ARCHIVE_NOV_BY_LINE = "/summary/by-line?from=2025-11-01&to=2025-11-30"
const LIVE_JAN = "/summary/daily?from=2026-01-01&to=2026-01-31"

describe("an unreadable file is a fault, not a change", () => {
  layer(cachedServer({ env: { CACHE_STALE_SECONDS: String(STALE_SECONDS), CACHE_EXPIRE_SECONDS: "60" } }), {
    excludeTestServices: true,
    timeout: "60 seconds"
  })((it) => {
    it.effect("cached answers keep being served (HIT, then STALE), others get 503; a good file back heals", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const cached = { nov: yield* primed(port, ARCHIVE_NOV), across: yield* primed(port, ACROSS) }
        // No later than both entries were computed.
        const primedAt = Date.now()
        const backup = path.join(files.dir, "archive.backup")
        fs.copyFileSync(files.archive, backup)
        fs.rmSync(files.archive)
        yield* Effect.sleep(AFTER_FILE_MS)

        for (const [target, before] of [
          [ARCHIVE_NOV, cached.nov],
          [ACROSS, cached.across]
        ] as const) {
          const reply = yield* get(port, target)
          expect(reply.status, target).toBe(200)
          expect(reply.cache, target).toBe("HIT")
          expect(reply.body).toBe(before.body)
        }
        const unavailable = yield* get(port, ARCHIVE_OCT)
        expect(unavailable.status).toBe(503)
        expect(unavailable.json).toMatchObject({ code: "database_unavailable" })
        expect((unavailable.json as { message: string }).message).toMatch(/archive/)
        expect((yield* get(port, LIVE_JAN)).status).toBe(200)
        expect(((yield* get(port, "/health")).json as { status: string }).status).toBe("degraded")

        // Past the fresh window: served stale while each refresh fails, and never dropped for it.
        yield* Effect.sleep(Math.max(0, primedAt + STALE_SECONDS * 1000 + 100 - Date.now()))
        for (let i = 0; i < 2; i++) {
          for (const [target, before] of [
            [ARCHIVE_NOV, cached.nov],
            [ACROSS, cached.across]
          ] as const) {
            const reply = yield* get(port, target)
            expect(reply.status, target).toBe(200)
            expect(reply.cache, target).toBe("STALE")
            expect(reply.body).toBe(before.body)
            expect(reply.etag).toBe(before.etag)
          }
          yield* Effect.sleep(100)
        }
        const stats = yield* cacheStats(port)
        expect(stats.stale_served).toBe(4)
        expect(stats.refresh_failures).toBeGreaterThanOrEqual(2)
        expect(stats.invalidations).toBe(0)

        // The file is back (a copy: another inode): what was cached from it is computed again, from it.
        const restoring = path.join(files.dir, "archive.restoring")
        fs.copyFileSync(backup, restoring)
        fs.renameSync(restoring, files.archive)
        yield* Effect.sleep(AFTER_FILE_MS)
        for (const [target, before] of [
          [ARCHIVE_NOV, cached.nov],
          [ACROSS, cached.across]
        ] as const) {
          const reply = yield* get(port, target)
          expect(reply.status, target).toBe(200)
          expect(reply.cache, target).toBe("MISS")
          expect(reply.body).toBe(before.body)
        }
        expect((yield* get(port, ARCHIVE_OCT)).status).toBe(200)
        expect((yield* get(port, ARCHIVE_NOV)).cache).toBe("HIT")
        expect(((yield* get(port, "/health")).json as { status: string }).status).toBe("ok")
      })
    )

    it.effect("the same for a file truncated in place and written back", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const cached = yield* primed(port, ARCHIVE_NOV_BY_LINE)
        const content = fs.readFileSync(files.archive)
        fs.truncateSync(files.archive, 0)
        yield* Effect.sleep(AFTER_FILE_MS)
        const served = yield* get(port, ARCHIVE_NOV_BY_LINE)
        expect([served.status, served.cache, served.body]).toEqual([200, "HIT", cached.body])
        const other = yield* get(port, "/summary/by-item?from=2025-10-01&to=2025-10-31")
        expect([other.status, other.json]).toMatchObject([503, { code: "database_unavailable" }])

        fs.writeFileSync(files.archive, content)
        yield* Effect.sleep(AFTER_FILE_MS)
        const healed = yield* get(port, ARCHIVE_NOV_BY_LINE)
        expect([healed.status, healed.cache, healed.body]).toEqual([200, "MISS", cached.body])
        expect((yield* get(port, "/summary/by-item?from=2025-10-01&to=2025-10-31")).status).toBe(200)
      })
    )
  })
})
