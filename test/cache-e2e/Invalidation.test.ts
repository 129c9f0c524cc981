import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import { datesBetween, insertRecords } from "../support/fixtures.js"
import {
  AFTER_FILE_MS,
  CUTOVER,
  CachedServer,
  LIVE_TO,
  PAST_BOUND_MS,
  type Reply,
  commit,
  commitInChild,
  dailyRows,
  dayOf,
  cachedServer,
  get,
  makeMigratedFile,
  primed,
  recordRows,
  replaceFile
} from "./CachedServerKit.js"

const daily = (from: string, to: string) => `/summary/daily?from=${from}&to=${to}`
const records = (from: string, to: string) => `/records?from=${from}&to=${to}&limit=1000`

const D1 = "2026-02-14"
const D2 = "2026-03-10"
const ARCHIVE_D = "2025-11-15"

const URLS = {
  jan: daily("2026-01-01", "2026-01-31"),
  feb: daily("2026-02-01", "2026-02-28"),
  mar: daily("2026-03-01", "2026-03-31"),
  febRecords: records("2026-02-10", "2026-02-20"),
  marRecords: records("2026-03-05", "2026-03-15"),
  janRecords: records("2026-01-05", "2026-01-09"),
  oct: daily("2025-10-01", "2025-10-31"),
  nov: daily("2025-11-01", "2025-11-30"),
  novRecords: records("2025-11-14", "2025-11-16"),
  // Both files: every commit below touches a date in it.
  everything: `/summary/monthly?from=2025-10-01&to=${LIVE_TO}`,
  // Both files, around the cutover: no commit below touches it until the live file is replaced.
  aroundCutover: daily("2025-12-20", "2026-01-10"),
  lines: "/lines",
  // Filtered to the items and lines of the fixture (ITM-000…004, L00…02).
  febItem1: `${daily("2026-02-01", "2026-02-28")}&item_code=ITM-001`,
  febItem3: `${daily("2026-02-01", "2026-02-28")}&item_code=ITM-003`,
  febByItemL2: "/summary/by-item?from=2026-02-01&to=2026-02-28&line_code=L02",
  febByItemL0: "/summary/by-item?from=2026-02-01&to=2026-02-28&line_code=L00",
  febItem1L2: "/summary/monthly?from=2026-02-01&to=2026-02-28&item_code=ITM-001&line_code=L02",
  febItem1L0: "/summary/monthly?from=2026-02-01&to=2026-02-28&item_code=ITM-001&line_code=L00",
  febRecordsItem1: `${records("2026-02-10", "2026-02-20")}&item_code=ITM-001`,
  febRecordsItem3: `${records("2026-02-10", "2026-02-20")}&item_code=ITM-003`,
  items: "/items?q=widget"
} as const
type Name = keyof typeof URLS

const NEW = {
  id: 900_001,
  item_code: "ITM-NEW",
  item_name: "Loader record",
  lot_number: "ZZ00001",
  line_code: "L09",
  good_quantity: 1000,
  defect_quantity: 7
}

/** Primes `names` (each a HIT on its second request) and returns the cached answers. */
const primeAll = (port: number, names: ReadonlyArray<Name>) =>
  Effect.map(
    Effect.forEach(names, (name) => primed(port, URLS[name])),
    (replies) => Object.fromEntries(names.map((name, i) => [name, replies[i]!]))
  ) as Effect.Effect<Record<Name, Reply>>

/**
 * Past the freshness bound after a commit: `changed` are recomputed (`MISS`), `kept` still served from the cache
 * unchanged (`HIT`).
 */
const expectRefreshed = (
  port: number,
  before: Record<Name, Reply>,
  changed: ReadonlyArray<Name>,
  kept: ReadonlyArray<Name>
) =>
  Effect.gen(function* () {
    const after: Partial<Record<Name, Reply>> = {}
    for (const name of [...changed, ...kept]) {
      const reply = yield* get(port, URLS[name])
      expect(reply.status, name).toBe(200)
      expect(reply.cache, name).toBe(changed.includes(name) ? "MISS" : "HIT")
      if (kept.includes(name)) expect(reply.body, name).toBe(before[name].body)
      after[name] = reply
    }
    return after as Record<Name, Reply>
  })

const hasNew = (reply: Reply) => recordRows(reply).some((r) => r.source === "live" && r.id === NEW.id)

describe("granular invalidation, end to end", () => {
  layer(cachedServer(), { excludeTestServices: true, timeout: "60 seconds" })((it) => {
    let original: Record<Name, Reply>

    it.effect("an insert refreshes exactly the windows holding its date", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        original = yield* primeAll(port, Object.keys(URLS) as Array<Name>)
        commit(files.live, (db) => insertRecords(db, [{ ...NEW, production_date: D1 }]))
        yield* Effect.sleep(PAST_BOUND_MS)

        const after = yield* expectRefreshed(
          port,
          original,
          ["feb", "febRecords", "everything", "lines"],
          ["jan", "mar", "marRecords", "janRecords", "oct", "nov", "aroundCutover"]
        )
        const [was, now] = [dayOf(original.feb, D1)!, dayOf(after.feb, D1)!]
        expect(now).toEqual({
          date: D1,
          good_quantity: was.good_quantity + 1000,
          defect_quantity: was.defect_quantity + 7,
          record_count: was.record_count + 1
        })
        expect(dailyRows(after.feb).filter((r) => r.date !== D1)).toEqual(
          dailyRows(original.feb).filter((r) => r.date !== D1)
        )
        // Latest date first, live before archive, highest id first: the loader's record heads its day.
        const rows = recordRows(after.febRecords)
        expect(rows).toHaveLength(recordRows(original.febRecords).length + 1)
        expect(rows.find((r) => r.production_date === D1)?.id).toBe(NEW.id)
        expect((after.lines.json as { rows: Array<{ line_code: string }> }).rows.map((r) => r.line_code)).toContain(
          "L09"
        )
        // Recomputed answers are cached again.
        expect((yield* get(port, URLS.feb)).cache).toBe("HIT")
      })
    )

    it.effect("an update moving a record between windows refreshes both, and only them", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const before = yield* primeAll(port, ["jan", "feb", "mar", "febRecords", "marRecords", "nov"])
        commit(files.live, (db) =>
          db.prepare("UPDATE production_records SET production_date = ? WHERE id = ?").run(D2, NEW.id)
        )
        yield* Effect.sleep(PAST_BOUND_MS)

        const after = yield* expectRefreshed(port, before, ["feb", "mar", "febRecords", "marRecords"], ["jan", "nov"])
        // February is as it was before the insert, March has the record now.
        expect(after.feb.body).toBe(original.feb.body)
        expect(after.feb.etag).toBe(original.feb.etag)
        expect(hasNew(after.febRecords)).toBe(false)
        expect(hasNew(after.marRecords)).toBe(true)
        expect(dayOf(after.mar, D2)!.good_quantity).toBe(dayOf(original.mar, D2)!.good_quantity + 1000)
      })
    )

    it.effect("a delete refreshes the windows holding the deleted record's date", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const before = yield* primeAll(port, ["jan", "feb", "mar", "febRecords", "marRecords"])
        commitInChild(files.live, `DELETE FROM production_records WHERE id = ${NEW.id};`)
        yield* Effect.sleep(PAST_BOUND_MS)

        const after = yield* expectRefreshed(port, before, ["mar", "marRecords"], ["jan", "feb", "febRecords"])
        expect(after.mar.body).toBe(original.mar.body)
        expect(after.marRecords.body).toBe(original.marRecords.body)
      })
    )

    it.effect("a commit to the archive refreshes only the archive windows holding its date", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const names: Array<Name> = ["oct", "nov", "novRecords", "everything", "aroundCutover", "jan", "feb"]
        const before = yield* primeAll(port, names)
        commitInChild(
          files.archive,
          `INSERT INTO production_records VALUES (900002, '${ARCHIVE_D}', 'ITM-NEW', 'Archive fix', 'ZZ2', 'L01', 3, 1);`
        )
        yield* Effect.sleep(PAST_BOUND_MS)

        const after = yield* expectRefreshed(
          port,
          before,
          ["nov", "novRecords", "everything"],
          ["oct", "aroundCutover", "jan", "feb"]
        )
        expect(dayOf(after.nov, ARCHIVE_D)!.record_count).toBe(dayOf(original.nov, ARCHIVE_D)!.record_count + 1)
        const rows = recordRows(after.novRecords)
        expect(rows.find((r) => r.production_date === ARCHIVE_D)).toMatchObject({ source: "archive", id: 900_002 })
      })
    )

    it.effect(
      "a commit of a known item and line refreshes the answers filtered to them, and not those filtered to others, " +
        "nor /items and /lines",
      () =>
        Effect.gen(function* () {
          const { port, files } = yield* CachedServer
          const changed: Array<Name> = ["feb", "febItem1", "febByItemL2", "febItem1L2", "febRecordsItem1"]
          const kept: Array<Name> = [
            "febItem3",
            "febByItemL0",
            "febItem1L0",
            "febRecordsItem3",
            "lines",
            "items",
            "mar"
          ]
          const before = yield* primeAll(port, [...changed, ...kept])
          commitInChild(
            files.live,
            `INSERT INTO production_records VALUES (900003, '2026-02-20', 'ITM-001', 'Widget 1', 'ZZ3', 'L02', 11, 2);`
          )
          yield* Effect.sleep(PAST_BOUND_MS)

          const after = yield* expectRefreshed(port, before, changed, kept)
          const [was, now] = [dayOf(before.febItem1, "2026-02-20"), dayOf(after.febItem1, "2026-02-20")!]
          expect(now.record_count).toBe((was?.record_count ?? 0) + 1)
          expect(recordRows(after.febRecordsItem1)[0]).toMatchObject({ id: 900_003, line_code: "L02" })
        })
    )

    it.effect("a live file replaced on disk by another good file: every live answer is recomputed from it", () =>
      Effect.gen(function* () {
        const { port, files } = yield* CachedServer
        const names = Object.keys(URLS) as Array<Name>
        const before = yield* primeAll(port, names)
        // One record a day, 5 good each: nothing like the original data.
        const next = path.join(files.dir, "live-next.db")
        yield* makeMigratedFile(
          "live",
          next,
          datesBetween(CUTOVER, LIVE_TO).map((date, i) => ({
            production_date: date,
            item_code: "ITM-R",
            item_name: "Replacement",
            lot_number: `R${String(i).padStart(5, "0")}`,
            line_code: "L01",
            good_quantity: 5,
            defect_quantity: 0
          }))
        )
        replaceFile(next, files.live)
        yield* Effect.sleep(AFTER_FILE_MS)

        const live: Array<Name> = ["jan", "feb", "mar", "febRecords", "marRecords", "janRecords"]
        const after = yield* expectRefreshed(
          port,
          before,
          [...live, "everything", "aroundCutover", "lines"],
          ["oct", "nov", "novRecords"]
        )
        for (const name of ["jan", "feb", "mar"] as const) {
          for (const row of dailyRows(after[name])) {
            expect(row).toMatchObject({ good_quantity: 5, defect_quantity: 0, record_count: 1 })
          }
        }
        expect(recordRows(after.janRecords).map((r) => r.production_date)).toEqual([
          "2026-01-09",
          "2026-01-08",
          "2026-01-07",
          "2026-01-06",
          "2026-01-05"
        ])
        // Computed after the replacement settled, they were cached again.
        const again = yield* get(port, URLS.jan)
        expect(again.cache).toBe("HIT")
        expect(again.body).toBe(after.jan.body)
      })
    )
  })
})
