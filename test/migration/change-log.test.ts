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

/** A record's place in the change log: its date, item and line (`change_scope`'s key). */
interface Scope {
  readonly production_date: string
  readonly item_code: string
  readonly line_code: string
}

const scopeKey = (s: Scope) => `${s.production_date}|${s.item_code}|${s.line_code}`

/** Applies `change` and returns the scopes it touched, read from the records it affects before and after. */
const apply = (db: Database.Database, change: Change): ReadonlyArray<Scope> => {
  if (change._tag === "insert") {
    insertRecords(db, [change.record])
    return [change.record]
  }
  const { n } = db.prepare(`SELECT count(*) AS n FROM production_records`).get() as { n: number }
  if (n === 0) return []
  const picked = db
    .prepare(`SELECT id, production_date, item_code, line_code FROM production_records ORDER BY id LIMIT 1 OFFSET ?`)
    .get(change.pick % n) as Scope & { id: number }
  const { id } = picked
  switch (change._tag) {
    case "move":
      db.prepare(`UPDATE production_records SET production_date = ? WHERE id = ?`).run(DATES[change.date], id)
      return [picked, { ...picked, production_date: DATES[change.date]! }]
    case "quantity":
      db.prepare(`UPDATE production_records SET good_quantity = ? WHERE id = ?`).run(change.good, id)
      return [picked]
    case "rename": {
      // Every record of the item: a multi-row update touches each record's scope.
      const scopes = db
        .prepare(`SELECT DISTINCT production_date, item_code, line_code FROM production_records WHERE item_code = ?`)
        .all(picked.item_code) as Array<Scope>
      db.prepare(`UPDATE production_records SET item_name = ? WHERE item_code = ?`).run(change.name, picked.item_code)
      return scopes
    }
    case "delete":
      db.prepare(`DELETE FROM production_records WHERE id = ?`).run(id)
      return [picked]
  }
}

const maxSeq = (db: Database.Database) =>
  (db.prepare(`SELECT coalesce(max(seq), 0) AS s FROM change_log`).get() as { s: number }).s

const touchedSince = (db: Database.Database, seq: number) =>
  new Set(db.prepare(`SELECT production_date FROM change_log WHERE seq > ?`).pluck().all(seq) as Array<string>)

const scopesSince = (db: Database.Database, seq: number) =>
  new Set((db.prepare(`SELECT * FROM change_scope WHERE seq > ?`).all(seq) as Array<Scope>).map(scopeKey))

const versions = (db: Database.Database) =>
  Object.fromEntries(
    db.prepare(`SELECT dimension, version FROM dimension_versions`).raw().all() as Array<[string, number]>
  ) as {
    items: number
    lines: number
  }

const pairs = (db: Database.Database) =>
  db.prepare(`SELECT DISTINCT item_code || '|' || item_name FROM production_records ORDER BY 1`).pluck().all()

const lineCodes = (db: Database.Database) =>
  db.prepare(`SELECT DISTINCT line_code FROM production_records ORDER BY 1`).pluck().all()

describe("change_log and change_scope", () => {
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
    "after each commit, the dates and scopes with seq above the previous max are exactly those it touched, and " +
      "a dimension whose codes or pairs changed has moved its version",
    { commits: fc.array(fc.array(changeArbitrary, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }) },
    ({ commits }) => {
      const db = freshFile()
      try {
        for (const changes of commits) {
          const seq = maxSeq(db)
          const before = { versions: versions(db), pairs: pairs(db), lines: lineCodes(db) }
          const touched = db.transaction(() => changes.flatMap((c) => apply(db, c)))()
          expect(touchedSince(db, seq)).toEqual(new Set(touched.map((s) => s.production_date)))
          expect(scopesSince(db, seq)).toEqual(new Set(touched.map(scopeKey)))
          const after = versions(db)
          if (JSON.stringify(pairs(db)) !== JSON.stringify(before.pairs))
            expect(after.items).toBeGreaterThan(before.versions.items)
          if (JSON.stringify(lineCodes(db)) !== JSON.stringify(before.lines))
            expect(after.lines).toBeGreaterThan(before.versions.lines)
        }
      } finally {
        db.close()
      }
    },
    { fastCheck: { numRuns: 60 } }
  )

  it("a record of a known item and line moves neither dimension's version; a new item, or a line's last record gone, moves its own", () => {
    const db = freshFile()
    try {
      const [known] = db.prepare(`SELECT * FROM production_records LIMIT 1`).all() as Array<
        RecordInput & { id: number }
      >
      const { id: _, ...record } = known!
      const start = versions(db)
      insertRecords(db, [{ ...record, lot_number: "KNOWN-1" }])
      expect(versions(db)).toEqual(start)
      insertRecords(db, [{ ...record, item_code: "NEW-ITEM", lot_number: "NEW-1" }])
      expect(versions(db)).toEqual({ items: start.items + 1, lines: start.lines })
      insertRecords(db, [{ ...record, line_code: "L-NEW", lot_number: "NEW-2" }])
      expect(versions(db)).toEqual({ items: start.items + 1, lines: start.lines + 1 })
      db.prepare(`DELETE FROM production_records WHERE line_code = 'L-NEW'`).run()
      expect(versions(db)).toEqual({ items: start.items + 1, lines: start.lines + 2 })
    } finally {
      db.close()
    }
  })

  it("a replaced record (INSERT OR REPLACE) leaves its scope in the log, as a deleted one does", () => {
    const db = freshFile()
    try {
      const old = db.prepare(`SELECT * FROM production_records LIMIT 1`).get() as RecordInput & { id: number }
      const seq = maxSeq(db)
      db.prepare(
        `INSERT OR REPLACE INTO production_records (id, production_date, item_code, item_name, lot_number, line_code,
        good_quantity, defect_quantity) VALUES (?, '2026-03-31', 'ITM-R', 'Replacement', 'R-1', 'L-R', 1, 0)`
      ).run(old.id)
      expect(scopesSince(db, seq)).toEqual(
        new Set([scopeKey(old), scopeKey({ production_date: "2026-03-31", item_code: "ITM-R", line_code: "L-R" })])
      )
    } finally {
      db.close()
    }
  })
})
