import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type Database from "better-sqlite3"
import { Duration, Effect, Layer, TestClock } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EntryMeta } from "../../src/cache/CacheEntry.js"
import { CacheInvalidationLive } from "../../src/cache/CacheInvalidation.js"
import { ResponseCache } from "../../src/cache/ResponseCache.js"
import { ChangeFeed } from "../../src/changes/ChangeFeed.js"
import type { Touched } from "../../src/changes/Touched.js"
import { ChangeDetector } from "../../src/backends/sqlite/changes/ChangeDetector.js"
import { detectorSettings } from "./DetectorKit.js"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { testCacheConfig } from "../cache/cacheLayer.js"
import {
  type RecordInput,
  createRecordsFile,
  insertRecords,
  makeTempDir,
  randomRecords,
  removeTempDir,
  seededRng,
  silently,
  withDb
} from "../support/fixtures.js"

const POLL_MS = 50

type Call = readonly [DbFile, "file"] | readonly [DbFile, ReadonlyArray<string>]

/** The real cache following the change feed, with every invalidation the feed brings recorded in `calls`. */
const recordingCache = (calls: Array<Call>, touchedLog: Array<Touched | undefined>) =>
  Layer.effect(
    ResponseCache,
    Effect.map(ResponseCache, (cache) =>
      ResponseCache.make({
        ...cache,
        invalidateDates: (file, dates, unchangedUntil, touched) =>
          Effect.zipRight(
            Effect.sync(() => {
              calls.push([file, [...dates].sort()])
              touchedLog.push(touched)
            }),
            cache.invalidateDates(file, dates, unchangedUntil, touched)
          ),
        invalidateFile: (file, settle) =>
          Effect.zipRight(
            Effect.sync(() => calls.push([file, "file"])),
            cache.invalidateFile(file, settle)
          )
      })
    )
  ).pipe(Layer.provide(ResponseCache.DefaultWithoutDependencies), Layer.provide(testCacheConfig({ capacity: 100 })))

const detector = (
  files: { live: string; archive: string },
  calls: Array<Call>,
  touchedLog: Array<Touched | undefined> = []
) =>
  ChangeDetector.Default.pipe(
    Layer.provide(CacheInvalidationLive.pipe(Layer.provideMerge(ChangeFeed.Default))),
    Layer.provideMerge(recordingCache(calls, touchedLog)),
    Layer.provide(DbTargets.Default),
    Layer.provide(detectorSettings(files, { CHANGE_POLL_MS: String(POLL_MS), POOL_FILE_CHECK_MS: "0" }))
  )

const win = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
const ENTRIES: Record<string, EntryMeta> = {
  jan: { window: win("2026-01-01", "2026-01-31"), files: ["live"] },
  feb: { window: win("2026-02-01", "2026-02-28"), files: ["live"] },
  mar: { window: win("2026-03-01", "2026-03-31"), files: ["live"] },
  dec: { window: win("2025-12-01", "2025-12-31"), files: ["archive"] },
  cross: { window: win("2025-12-15", "2026-01-15"), files: ["archive", "live"] }
}

/** Fills the cache with one entry per meta of `entries`, each under its name followed by `suffix`. */
const fillWith = (entries: Record<string, EntryMeta>, suffix = "") =>
  Effect.flatMap(ResponseCache, (cache) =>
    Effect.forEach(
      Object.entries(entries),
      ([key, meta]) => cache.get(`${key}${suffix}`, meta, Effect.succeed({ body: Buffer.from(key), dbMs: 0, rows: 0 })),
      { discard: true }
    )
  )
/** The names of `entries` whose answer (under the name followed by `suffix`) is cached and not invalidated. */
const cachedKeysOf = (entries: Record<string, EntryMeta>, suffix = "") =>
  Effect.map(ResponseCache, (cache) =>
    Object.keys(entries).filter((k) => {
      const entry = cache.peek(`${k}${suffix}`)
      return entry !== undefined && entry.validAsOf === undefined
    })
  )

/** Fills the cache with one entry per window above. */
const fillCache = fillWith(ENTRIES)
/** The keys whose answer is cached and not invalidated. */
const cachedKeys = cachedKeysOf(ENTRIES)

/** One poll interval on the TestClock (the poll is synchronous, so it has run when this returns). */
const onePoll = Effect.zipRight(
  TestClock.adjust(Duration.millis(POLL_MS)),
  Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
)

const record = (production_date: string): RecordInput => ({
  production_date,
  item_code: "ITM-900",
  item_name: "Probe",
  lot_number: "LOT99999",
  line_code: "L01",
  good_quantity: 1,
  defect_quantity: 0
})

/** Folds the WAL into the main file and empties it, as an operator does before moving a file. */
const checkpoint = (file: string) => withDb(file, (db) => void db.pragma("wal_checkpoint(TRUNCATE)"))

const idOn = (db: Database.Database, date: string) =>
  db.prepare(`SELECT id FROM production_records WHERE production_date = ? LIMIT 1`).pluck().get(date) as number

describe("ChangeDetector on real files", () => {
  let dir = ""
  let liveTemplate = ""
  let archiveTemplate = ""
  let run = 0
  /** Fresh migrated copies of both templates. */
  const freshFiles = () => {
    const n = run++
    const files = { live: path.join(dir, `live-${n}.db`), archive: path.join(dir, `archive-${n}.db`) }
    fs.copyFileSync(liveTemplate, files.live)
    fs.copyFileSync(archiveTemplate, files.archive)
    return files
  }
  const copyOf = (template: string) => {
    const file = path.join(dir, `copy-${run++}.db`)
    fs.copyFileSync(template, file)
    return file
  }

  beforeAll(async () => {
    dir = makeTempDir("pa-changes-")
    liveTemplate = path.join(dir, "live-template.db")
    archiveTemplate = path.join(dir, "archive-template.db")
    createRecordsFile(liveTemplate, randomRecords(seededRng(1), 300, { from: "2026-01-01", to: "2026-03-31" }))
    createRecordsFile(archiveTemplate, randomRecords(seededRng(2), 300, { from: "2025-10-01", to: "2025-12-31" }))
    for (const [file, p] of [
      ["live", liveTemplate],
      ["archive", archiveTemplate]
    ] as const) {
      await Effect.runPromise(silently(migrateFile({ file, path: p, explicit: true }, { dryRun: false })))
    }
  })
  afterAll(() => removeTempDir(dir))

  it.effect("an insert into the live file invalidates its date within one poll; other windows stay", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      yield* fillCache
      withDb(files.live, (db) => insertRecords(db, [record("2026-03-10")]))
      expect(calls).toEqual([]) // nothing before the poll ...
      yield* onePoll // ... and everything after one
      expect(calls).toEqual([["live", ["2026-03-10"]]])
      expect(yield* cachedKeys).toEqual(["jan", "feb", "dec", "cross"])
      yield* onePoll
      expect(calls).toHaveLength(1) // nothing new, nothing invalidated
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect(
    "the answers a commit invalidates hold the data as of the poll before it (the freshness bound's base)",
    () => {
      const files = freshFiles()
      const calls: Array<Call> = []
      return Effect.gen(function* () {
        const cache = yield* ResponseCache
        yield* fillCache // at 0, as the first poll
        yield* onePoll // read at POLL_MS: nothing new
        withDb(files.live, (db) => insertRecords(db, [record("2026-03-10")]))
        yield* onePoll
        expect(calls).toEqual([["live", ["2026-03-10"]]])
        expect(cache.peek("mar")?.validAsOf).toBe(POLL_MS)
      }).pipe(Effect.provide(detector(files, calls)))
    }
  )

  it.effect("an update invalidates the old and the new date, a delete the deleted record's date", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      yield* fillCache
      withDb(files.live, (db) =>
        db
          .prepare(`UPDATE production_records SET production_date = '2026-03-20' WHERE id = ?`)
          .run(idOn(db, "2026-02-10"))
      )
      yield* onePoll
      expect(calls).toEqual([["live", ["2026-02-10", "2026-03-20"]]])
      expect(yield* cachedKeys).toEqual(["jan", "dec", "cross"])
      withDb(files.live, (db) => db.prepare(`DELETE FROM production_records WHERE id = ?`).run(idOn(db, "2026-01-20")))
      yield* onePoll
      expect(calls.at(-1)).toEqual(["live", ["2026-01-20"]])
      expect(yield* cachedKeys).toEqual(["dec", "cross"])
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect(
    "a commit's records come with their items and lines: answers filtered to others stay; /items and /lines only " +
      "when a code/name pair or a line code appears or goes",
    () => {
      const files = freshFiles()
      const calls: Array<Call> = []
      const touchedLog: Array<Touched | undefined> = []
      const mar = win("2026-03-01", "2026-03-31")
      const scoped: Record<string, EntryMeta> = {
        probe: { window: mar, files: ["live"], scope: { _tag: "Records", item_code: "ITM-900", line_code: undefined } },
        other: { window: mar, files: ["live"], scope: { _tag: "Records", item_code: "ITM-901", line_code: undefined } },
        line: { window: mar, files: ["live"], scope: { _tag: "Records", item_code: undefined, line_code: "L01" } },
        items: { window: undefined, files: ["live", "archive"], scope: { _tag: "Dimensions" } }
      }
      return Effect.gen(function* () {
        yield* fillWith(scoped, "1")
        withDb(files.live, (db) => insertRecords(db, [record("2026-03-10")])) // a new item: the dimension changes
        yield* onePoll
        expect(touchedLog).toEqual([
          { records: [{ date: "2026-03-10", item_code: "ITM-900", line_code: "L01" }], dimensions: true }
        ])
        expect(yield* cachedKeysOf(scoped, "1")).toEqual(["other"])

        yield* fillWith(scoped, "2")
        withDb(files.live, (db) => insertRecords(db, [{ ...record("2026-03-11"), line_code: "L02" }]))
        yield* onePoll
        expect(touchedLog[1]).toEqual({
          records: [{ date: "2026-03-11", item_code: "ITM-900", line_code: "L02" }],
          dimensions: false
        })
        expect(yield* cachedKeysOf(scoped, "2")).toEqual(["other", "line", "items"])
      }).pipe(Effect.provide(detector(files, calls, touchedLog)))
    }
  )

  it.effect("by date alone when a poll finds more than 10,000 touched (date, item, line) keys: a bulk load", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    const touchedLog: Array<Touched | undefined> = []
    return Effect.gen(function* () {
      withDb(files.live, (db) =>
        insertRecords(
          db,
          Array.from({ length: 10_001 }, (_, i) => ({
            ...record("2026-03-12"),
            item_code: `BULK-${i}`,
            lot_number: `BULK${i}`
          }))
        )
      )
      yield* onePoll
      expect(calls).toEqual([["live", ["2026-03-12"]]])
      expect(touchedLog).toEqual([undefined])
    }).pipe(Effect.provide(detector(files, calls, touchedLog)))
  })

  it.effect("a file at v13 (no change_scope): its commits invalidate by date alone", () => {
    const files = { ...freshFiles(), live: path.join(dir, `live-v13-${run++}.db`) }
    const calls: Array<Call> = []
    const touchedLog: Array<Touched | undefined> = []
    return Effect.gen(function* () {
      yield* Effect.promise(() => {
        createRecordsFile(files.live, randomRecords(seededRng(7), 50, { from: "2026-01-01", to: "2026-03-31" }))
        return Effect.runPromise(
          silently(migrateFile({ file: "live", path: files.live, explicit: true }, { dryRun: false, upTo: 13 }))
        )
      })
      const provided = Effect.gen(function* () {
        withDb(files.live, (db) => insertRecords(db, [record("2026-03-10")]))
        yield* onePoll
        expect(calls).toEqual([["live", ["2026-03-10"]]])
        expect(touchedLog).toEqual([undefined])
      })
      yield* provided.pipe(Effect.provide(detector(files, calls, touchedLog)))
    })
  })

  it.effect("a commit to the archive invalidates the archive's answers holding the date only", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      yield* fillCache
      withDb(files.archive, (db) => insertRecords(db, [record("2025-12-05")]))
      yield* onePoll
      expect(calls).toEqual([["archive", ["2025-12-05"]]])
      expect(yield* cachedKeys).toEqual(["jan", "feb", "mar", "cross"])
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("a file replaced on disk by another good file invalidates every answer that read it", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      yield* fillCache
      const replacement = copyOf(liveTemplate)
      withDb(replacement, (db) => insertRecords(db, [record("2026-02-02")]))
      checkpoint(files.live)
      fs.renameSync(replacement, files.live)
      yield* onePoll
      expect(calls).toEqual([["live", "file"]])
      expect(yield* cachedKeys).toEqual(["dec"])
      const detector = yield* ChangeDetector
      expect((yield* detector.states).live).toMatchObject({ present: true, readable: true, lastError: null })
      // The new file is watched from then on.
      withDb(files.live, (db) => insertRecords(db, [record("2026-01-03")]))
      yield* onePoll
      expect(calls.at(-1)).toEqual(["live", ["2026-01-03"]])
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("a deleted file is a fault, not a change; a good file back in its place is watched again", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      const detector = yield* ChangeDetector
      yield* fillCache
      checkpoint(files.live)
      fs.unlinkSync(files.live)
      yield* onePoll
      expect(calls).toEqual([])
      expect(yield* cachedKeys).toEqual(Object.keys(ENTRIES))
      expect((yield* detector.states).live).toEqual({
        present: false,
        readable: false,
        dataVersion: null,
        lastError: "the file is absent",
        seq: null,
        audit: undefined,
        reconnects: 0
      })
      yield* onePoll
      expect(calls).toEqual([])

      fs.renameSync(copyOf(liveTemplate), files.live)
      yield* onePoll
      expect(calls).toEqual([["live", "file"]]) // another inode: whatever was cached of the old file goes
      expect((yield* detector.states).live).toMatchObject({ present: true, readable: true, lastError: null })
      withDb(files.live, (db) => insertRecords(db, [record("2026-02-14")]))
      yield* onePoll
      expect(calls.at(-1)).toEqual(["live", ["2026-02-14"]])
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("a truncated or overwritten file is a fault; content written back in place is a whole-file change", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      const detector = yield* ChangeDetector
      yield* fillCache
      checkpoint(files.live)
      const backup = copyOf(files.live)
      fs.truncateSync(files.live, 0)
      yield* onePoll
      expect(calls).toEqual([])
      expect(yield* cachedKeys).toEqual(Object.keys(ENTRIES))
      expect((yield* detector.states).live).toEqual({
        present: true,
        readable: false,
        dataVersion: null,
        lastError: "the file is empty",
        seq: null,
        audit: undefined,
        reconnects: 0
      })

      // Same inode, new mtime: nothing proves the bytes are those the cached answers were read from.
      fs.copyFileSync(backup, files.live)
      yield* onePoll
      expect((yield* detector.states).live).toMatchObject({ present: true, readable: true, lastError: null })
      expect(calls).toEqual([["live", "file"]])

      fs.writeFileSync(files.live, "garbage, not a database")
      yield* onePoll
      yield* onePoll
      expect((yield* detector.states).live.readable).toBe(false)
      expect(calls).toHaveLength(1)
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("a file moved away and back untouched is a fault and then nothing: its answers stay valid", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      const detector = yield* ChangeDetector
      yield* fillCache
      fs.renameSync(files.live, `${files.live}.away`)
      yield* onePoll
      expect((yield* detector.states).live.present).toBe(false)
      fs.renameSync(`${files.live}.away`, files.live)
      yield* onePoll
      expect((yield* detector.states).live).toMatchObject({ present: true, readable: true })
      expect(calls).toEqual([])
      expect(yield* cachedKeys).toEqual(Object.keys(ENTRIES))
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("an archive absent at start is reported, and its arrival invalidates what was answered without it", () => {
    const files = { ...freshFiles(), archive: path.join(dir, `absent-${run++}.db`) }
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      const detector = yield* ChangeDetector
      yield* fillCache
      expect((yield* detector.states).archive).toMatchObject({ present: false, readable: false })
      fs.copyFileSync(archiveTemplate, files.archive)
      yield* onePoll
      expect(calls).toEqual([["archive", "file"]])
      expect(yield* cachedKeys).toEqual(["jan", "feb", "mar"])
    }).pipe(Effect.provide(detector(files, calls)))
  })

  it.effect("an un-migrated file (no change log): a commit invalidates the whole file", () => {
    const files = freshFiles()
    const plain = path.join(dir, `plain-${run++}.db`)
    createRecordsFile(plain, [record("2026-01-05")])
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      yield* fillCache
      withDb(plain, (db) => insertRecords(db, [record("2026-01-06")]))
      yield* onePoll
      expect(calls).toEqual([["live", "file"]])
    }).pipe(Effect.provide(detector({ ...files, live: plain }, calls)))
  })

  it.live("with the live clock, a commit is seen within the poll interval", () => {
    const files = freshFiles()
    const calls: Array<Call> = []
    return Effect.gen(function* () {
      const cache = yield* ResponseCache
      yield* fillCache
      const committedAt = performance.now()
      withDb(files.live, (db) => insertRecords(db, [record("2026-03-11")]))
      const valid = () => cache.peek("mar")?.validAsOf === undefined
      while (valid() && performance.now() - committedAt < 5000) yield* Effect.sleep("2 millis")
      const seenAfter = performance.now() - committedAt
      expect(calls).toEqual([["live", ["2026-03-11"]]])
      // One interval plus scheduling slack on a busy machine.
      expect(seenAfter).toBeLessThan(POLL_MS + 250)
    }).pipe(Effect.provide(detector(files, calls)))
  })
})
