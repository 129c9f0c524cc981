import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import * as fc from "effect/FastCheck"
import * as fs from "node:fs"
import * as path from "node:path"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import {
  type Catalogue,
  type RecordInput,
  type RecordShape,
  actualDerived,
  catalogueOf,
  createRecordsFile,
  expectedDerived,
  itemCode,
  itemName,
  lineCode,
  makeTempDir,
  randomRecords,
  recordArbitrary,
  removeTempDir,
  seededRng,
  silently,
  withDb
} from "../support/fixtures.js"

const migrate = (file: string) => silently(migrateFile({ file: "live", path: file, explicit: true }, { dryRun: false }))

const expectDerivedExact = (db: Database.Database) => expect(actualDerived(db)).toEqual(expectedDerived(db))

/** One change an outside loader may make; `pick` chooses an existing record by its position in id order. */
type Op =
  | { readonly _tag: "insert"; readonly record: RecordInput; readonly id: number | null }
  | { readonly _tag: "update"; readonly pick: number; readonly patch: Patch }
  | { readonly _tag: "rename"; readonly item: number; readonly revision: number }
  | { readonly _tag: "moveDate"; readonly pick: number; readonly date: number }
  | { readonly _tag: "delete"; readonly pick: number }
  | { readonly _tag: "deleteDate"; readonly pick: number }
  | { readonly _tag: "newItem"; readonly record: RecordInput; readonly extra: number }
  | { readonly _tag: "deleteLatest"; readonly item: number }

interface Patch {
  readonly date?: number
  readonly item?: number
  readonly revision?: number
  readonly line?: number
  readonly good?: number
  readonly defect?: number
  readonly newId?: number
}

const opArbitrary = (shape: RecordShape): fc.Arbitrary<Op> => {
  const c = catalogueOf(shape)
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        _tag: fc.constant("insert" as const),
        record: recordArbitrary(shape),
        id: fc.option(fc.integer({ min: 1, max: 400 }))
      })
    },
    {
      weight: 5,
      arbitrary: fc.record({
        _tag: fc.constant("update" as const),
        pick: fc.nat(),
        patch: fc.record(
          {
            date: fc.nat(c.dates.length - 1),
            item: fc.nat(c.items - 1),
            revision: fc.nat(c.namesPerItem),
            line: fc.nat(c.lines - 1),
            good: fc.nat(500),
            defect: fc.nat(20),
            newId: fc.integer({ min: 1, max: 1000 })
          },
          { requiredKeys: [] }
        )
      })
    },
    {
      weight: 1,
      arbitrary: fc.record({
        _tag: fc.constant("rename" as const),
        item: fc.nat(c.items - 1),
        revision: fc.nat(c.namesPerItem)
      })
    },
    {
      weight: 1,
      arbitrary: fc.record({ _tag: fc.constant("moveDate" as const), pick: fc.nat(), date: fc.nat(c.dates.length - 1) })
    },
    { weight: 3, arbitrary: fc.record({ _tag: fc.constant("delete" as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ _tag: fc.constant("deleteDate" as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        _tag: fc.constant("newItem" as const),
        record: recordArbitrary(shape),
        extra: fc.nat(3)
      })
    },
    {
      weight: 2,
      arbitrary: fc.record({ _tag: fc.constant("deleteLatest" as const), item: fc.nat(c.items + 3) })
    }
  )
}

/** A commit: some ops in one transaction, now and then rolled back instead. */
const batchArbitrary = (shape: RecordShape) =>
  fc.record({
    ops: fc.array(opArbitrary(shape), { minLength: 1, maxLength: 6 }),
    rollback: fc.nat(4).map((n) => n === 0)
  })

const pickedId = (db: Database.Database, pick: number): number | undefined => {
  const { n } = db.prepare(`SELECT count(*) AS n FROM production_records`).get() as { n: number }
  if (n === 0) return undefined
  const row = db.prepare(`SELECT id FROM production_records ORDER BY id LIMIT 1 OFFSET ?`).get(pick % n) as {
    id: number
  }
  return row.id
}

class Rollback extends Error {}

/** Applies `op` the way a loader would: plain SQL, no knowledge of the derived tables. */
const applyOp = (db: Database.Database, c: Catalogue, op: Op): void => {
  switch (op._tag) {
    case "insert": {
      const r = op.record
      db.prepare(
        `INSERT OR IGNORE INTO production_records (id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
      ).run(
        op.id,
        r.production_date,
        r.item_code,
        r.item_name,
        r.lot_number,
        r.line_code,
        r.good_quantity,
        r.defect_quantity
      )
      return
    }
    case "update": {
      const id = pickedId(db, op.pick)
      if (id === undefined) return
      const p = op.patch
      const current = db.prepare(`SELECT item_code FROM production_records WHERE id = ?`).get(id) as {
        item_code: string
      }
      const item = p.item ?? Number(current.item_code.slice(4))
      const sets: Array<string> = []
      const values: Array<string | number> = []
      const set = (column: string, value: string | number) => {
        sets.push(`${column} = ?`)
        values.push(value)
      }
      if (p.date !== undefined) set("production_date", c.dates[p.date]!)
      if (p.item !== undefined) set("item_code", itemCode(p.item))
      if (p.revision !== undefined) set("item_name", itemName(item, p.revision))
      if (p.line !== undefined) set("line_code", lineCode(p.line))
      if (p.good !== undefined) set("good_quantity", p.good)
      if (p.defect !== undefined) set("defect_quantity", p.defect)
      if (
        p.newId !== undefined &&
        db.prepare(`SELECT 1 FROM production_records WHERE id = ?`).get(p.newId) === undefined
      ) {
        set("id", p.newId)
      }
      // An update that changes nothing still fires the triggers.
      if (sets.length === 0) sets.push("good_quantity = good_quantity")
      db.prepare(`UPDATE production_records SET ${sets.join(", ")} WHERE id = ?`).run(...values, id)
      return
    }
    case "rename":
      db.prepare(`UPDATE production_records SET item_name = ? WHERE item_code = ?`).run(
        itemName(op.item, op.revision),
        itemCode(op.item)
      )
      return
    case "moveDate": {
      const id = pickedId(db, op.pick)
      if (id === undefined) return
      db.prepare(
        `UPDATE production_records SET production_date = ?
        WHERE production_date = (SELECT production_date FROM production_records WHERE id = ?)`
      ).run(c.dates[op.date]!, id)
      return
    }
    case "delete": {
      const id = pickedId(db, op.pick)
      if (id !== undefined) db.prepare(`DELETE FROM production_records WHERE id = ?`).run(id)
      return
    }
    case "newItem": {
      // An item the catalogue does not have (until an earlier op added it): rows on every later day appear.
      const item = c.items + op.extra
      applyOp(db, c, {
        _tag: "insert",
        record: { ...op.record, item_code: itemCode(item), item_name: itemName(item, 0) },
        id: null
      })
      return
    }
    case "deleteLatest": {
      // The item's latest record: the rows that named it take the item's previous latest.
      db.prepare(
        `DELETE FROM production_records WHERE id = (SELECT id FROM production_records WHERE item_code = ?
        ORDER BY production_date DESC, id DESC LIMIT 1)`
      ).run(itemCode(op.item))
      return
    }
    case "deleteDate": {
      const id = pickedId(db, op.pick)
      if (id === undefined) return
      db.prepare(
        `DELETE FROM production_records WHERE production_date = (SELECT production_date FROM production_records WHERE id = ?)`
      ).run(id)
      return
    }
  }
}

const FILES: ReadonlyArray<{ readonly name: string; readonly shape: RecordShape; readonly initial: number }> = [
  { name: "live-like", shape: { from: "2026-01-01", to: "2026-03-31" }, initial: 300 },
  { name: "archive-like", shape: { from: "2024-06-01", to: "2025-12-31", items: 8, lines: 5 }, initial: 500 }
]

describe.each(FILES)("derived tables of a $name file", ({ shape, initial }) => {
  let dir = ""
  let template = ""
  let run = 0

  beforeAll(async () => {
    dir = makeTempDir()
    template = path.join(dir, "template.db")
    createRecordsFile(template, randomRecords(seededRng(initial), initial, shape))
    await Effect.runPromise(migrate(template))
  })
  afterAll(() => removeTempDir(dir))

  it.effect.prop(
    "the migration's backfill equals a fresh aggregation",
    { records: fc.array(recordArbitrary(shape), { maxLength: 150 }) },
    ({ records }) =>
      Effect.gen(function* () {
        const file = path.join(dir, `backfill-${run++}.db`)
        createRecordsFile(file, records)
        yield* migrate(file)
        withDb(file, expectDerivedExact)
      }),
    { fastCheck: { numRuns: 12 } }
  )

  it.prop(
    "triggers keep them equal to a fresh aggregation after a loader's inserts, updates and deletes",
    { batches: fc.array(batchArbitrary(shape), { minLength: 1, maxLength: 8 }) },
    ({ batches }) => {
      const file = path.join(dir, `triggers-${run++}.db`)
      fs.copyFileSync(template, file)
      const c = catalogueOf(shape)
      const loader = new Database(file, { fileMustExist: true })
      const checker = new Database(file, { fileMustExist: true, readonly: true })
      try {
        for (const { ops, rollback } of batches) {
          try {
            loader.transaction(() => {
              for (const op of ops) applyOp(loader, c, op)
              if (rollback) throw new Rollback()
            })()
          } catch (e) {
            if (!(e instanceof Rollback)) throw e
          }
        }
        expectDerivedExact(checker)
      } finally {
        loader.close()
        checker.close()
      }
    },
    { fastCheck: { numRuns: 40 } }
  )
})
