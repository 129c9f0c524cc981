import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import * as fc from "effect/FastCheck"
import * as fs from "node:fs"
import * as path from "node:path"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import {
  type RecordInput,
  createRecordsFile,
  datesBetween,
  insertRecords,
  makeTempDir,
  randomRecords,
  recordArbitrary,
  removeTempDir,
  seededRng,
  silently
} from "../support/fixtures.js"

const shape = { from: "2026-01-01", to: "2026-03-31" }
const DATES = datesBetween(shape.from, shape.to)

/** One change in a commit; `pick` chooses an existing record by its position in id order. */
type Change =
  | { readonly _tag: "insert"; readonly record: RecordInput }
  | { readonly _tag: "move"; readonly pick: number; readonly date: number }
  | { readonly _tag: "quantity"; readonly pick: number; readonly good: number }
  | { readonly _tag: "rename"; readonly pick: number; readonly name: string }
  | { readonly _tag: "delete"; readonly pick: number }

const changeArbitrary: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ _tag: fc.constant("insert" as const), record: recordArbitrary(shape) }),
  fc.record({ _tag: fc.constant("move" as const), pick: fc.nat(), date: fc.nat(DATES.length - 1) }),
  fc.record({ _tag: fc.constant("quantity" as const), pick: fc.nat(), good: fc.nat(500) }),
  fc.record({ _tag: fc.constant("rename" as const), pick: fc.nat(), name: fc.constantFrom("Widget X", "Widget Y") }),
  fc.record({ _tag: fc.constant("delete" as const), pick: fc.nat() })
)

/** Applies `change` and returns the dates it touched, read from the records it affects before and after. */
const apply = (db: Database.Database, change: Change): ReadonlyArray<string> => {
  if (change._tag === "insert") {
    insertRecords(db, [change.record])
    return [change.record.production_date]
  }
  const { n } = db.prepare(`SELECT count(*) AS n FROM production_records`).get() as { n: number }
  if (n === 0) return []
  const { id, production_date: before } = db
    .prepare(`SELECT id, production_date FROM production_records ORDER BY id LIMIT 1 OFFSET ?`)
    .get(change.pick % n) as { id: number; production_date: string }
  switch (change._tag) {
    case "move":
      db.prepare(`UPDATE production_records SET production_date = ? WHERE id = ?`).run(DATES[change.date], id)
      return [before, DATES[change.date]!]
    case "quantity":
      db.prepare(`UPDATE production_records SET good_quantity = ? WHERE id = ?`).run(change.good, id)
      return [before]
    case "rename": {
      // Every record of the item: a multi-row update touches each record's date.
      const { item_code } = db.prepare(`SELECT item_code FROM production_records WHERE id = ?`).get(id) as {
        item_code: string
      }
      const dates = db
        .prepare(`SELECT DISTINCT production_date FROM production_records WHERE item_code = ?`)
        .pluck()
        .all(item_code) as Array<string>
      db.prepare(`UPDATE production_records SET item_name = ? WHERE item_code = ?`).run(change.name, item_code)
      return dates
    }
    case "delete":
      db.prepare(`DELETE FROM production_records WHERE id = ?`).run(id)
      return [before]
  }
}

const maxSeq = (db: Database.Database) =>
  (db.prepare(`SELECT coalesce(max(seq), 0) AS s FROM change_log`).get() as { s: number }).s

const touchedSince = (db: Database.Database, seq: number) =>
  new Set(db.prepare(`SELECT production_date FROM change_log WHERE seq > ?`).pluck().all(seq) as Array<string>)

describe("change_log", () => {
  let dir = ""
  let template = ""
  let run = 0
  /** A migrated copy of the template, open as a loader would have it. */
  const freshFile = () => {
    const file = path.join(dir, `changes-${run++}.db`)
    fs.copyFileSync(template, file)
    return new Database(file, { fileMustExist: true })
  }

  beforeAll(async () => {
    dir = makeTempDir()
    template = path.join(dir, "template.db")
    createRecordsFile(template, randomRecords(seededRng(5), 400, shape))
    await Effect.runPromise(silently(migrateFile({ file: "live", path: template, explicit: true }, { dryRun: false })))
  })
  afterAll(() => removeTempDir(dir))

  it("an update moving a record from D1 to D2 touches both, and only the dates a commit touched are new", () => {
    const db = freshFile()
    try {
      db.exec(`UPDATE production_records SET production_date = '2026-01-05' WHERE production_date = '2026-01-04'`)
      const seq = maxSeq(db)
      const id = db
        .prepare(`SELECT id FROM production_records WHERE production_date = '2026-02-10' LIMIT 1`)
        .pluck()
        .get()
      db.transaction(() => {
        db.prepare(`UPDATE production_records SET production_date = '2026-03-20' WHERE id = ?`).run(id)
        insertRecords(db, randomRecords(seededRng(6), 3, { from: "2026-03-07", to: "2026-03-07" }))
        db.exec(`DELETE FROM production_records WHERE production_date = '2026-01-15'`)
      })()
      expect(touchedSince(db, seq)).toEqual(new Set(["2026-02-10", "2026-03-20", "2026-03-07", "2026-01-15"]))
    } finally {
      db.close()
    }
  })

  it("a rolled-back transaction records nothing", () => {
    const db = freshFile()
    try {
      const seq = maxSeq(db)
      expect(() =>
        db.transaction(() => {
          db.exec(`DELETE FROM production_records WHERE production_date = '2026-01-15'`)
          throw new Error("loader gave up")
        })()
      ).toThrow("loader gave up")
      expect(touchedSince(db, seq)).toEqual(new Set())
    } finally {
      db.close()
    }
  })

  it.prop(
    "after each commit, the dates with seq above the previous max are exactly the dates it touched",
    { commits: fc.array(fc.array(changeArbitrary, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }) },
    ({ commits }) => {
      const db = freshFile()
      try {
        for (const changes of commits) {
          const seq = maxSeq(db)
          const touched = db.transaction(() => changes.flatMap((c) => apply(db, c)))()
          expect(touchedSince(db, seq)).toEqual(new Set(touched))
        }
      } finally {
        db.close()
      }
    },
    { fastCheck: { numRuns: 60 } }
  )
})
