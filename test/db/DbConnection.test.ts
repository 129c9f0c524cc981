import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DbConnection, isUnreadable, readFresh } from "../../src/backends/sqlite/db/DbConnection.js"
import { mapsStaleWalIndex } from "../../src/backends/sqlite/db/MappedWalIndex.js"
import { DEFAULT_PRAGMAS } from "../../src/backends/sqlite/db/Pragmas.js"
import { Reconnects } from "../../src/backends/sqlite/db/Reconnects.js"
import { createRecordsFile, randomRecords, seededRng, tempDir, withDb } from "../support/fixtures.js"
import { sqliteTool } from "../outside/OutsideKit.js"

const walFile = (dir: string, name: string, records = 20): string => {
  const file = path.join(dir, name)
  createRecordsFile(file, randomRecords(seededRng(7), records, { from: "2026-01-01", to: "2026-01-31" }))
  withDb(file, (db) => db.pragma("journal_mode = WAL"))
  return file
}

const count = (connection: DbConnection): number => {
  const db = connection.get()
  if (isUnreadable(db)) throw new Error(db.reason)
  return db.prepare("SELECT count(*) FROM production_records").pluck().get() as number
}

/** Waits (live clock) until `done` holds: a woken holder closes in a task of the event loop. */
const until = (done: () => boolean) =>
  Effect.gen(function* () {
    while (!done()) yield* Effect.sleep("5 millis")
  }).pipe(Effect.timeout("5 seconds"))

describe("DbConnection", () => {
  it.scoped("reopens when the path names another file; reports an absent or non-SQLite file as unreadable", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("db-connection-")
      const file = walFile(dir, "a.db", 20)
      const connection = new DbConnection("live", file, { pragmas: DEFAULT_PRAGMAS })
      expect(count(connection)).toBe(20)
      const first = connection.identity
      fs.renameSync(walFile(dir, "b.db", 5), file)
      expect(count(connection)).toBe(5)
      expect(connection.identity).not.toBe(first)
      fs.rmSync(file)
      expect(connection.get()).toMatchObject({ _tag: "Unreadable", present: false })
      fs.writeFileSync(file, "not a database at all, but long enough to have a header".repeat(40))
      expect(connection.get()).toMatchObject({ _tag: "Unreadable", present: true })
      connection.close()
    })
  )

  it.scoped("a statement's error closes the connection only when it blames the file", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("db-connection-")
      const file = walFile(dir, "a.db")
      const connection = new DbConnection("live", file, { pragmas: DEFAULT_PRAGMAS })
      const db = connection.get()
      if (isUnreadable(db)) throw new Error(db.reason)
      const syntax = (() => {
        try {
          db.prepare("SELECT nope FROM production_records").all()
        } catch (error) {
          return error
        }
      })()
      expect(connection.fault(syntax)).toBeUndefined()
      expect(connection.get()).toBe(db)
      const missing = (() => {
        try {
          db.prepare("SELECT * FROM no_such_table").all()
        } catch (error) {
          return error
        }
      })()
      expect(connection.fault(missing)).toMatchObject({ _tag: "Unreadable", present: true })
      expect(connection.get()).not.toBe(db)
      connection.close()
    })
  )

  it.scopedLive(
    "while the process holds a WAL index deleted under it, no connection opens: the refused open reconnects the file, every holder closes, and the next ones see what outside processes committed",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir("db-connection-")
        const file = walFile(dir, "live.db", 20)
        const reconnects = new Reconnects()
        const options = { pragmas: DEFAULT_PRAGMAS, reconnects }
        const held = new DbConnection("live", file, options)
        expect(count(held)).toBe(20)

        expect(yield* sqliteTool(["delete-wal-index", file])).toEqual([{ busy: 0 }])
        expect(yield* sqliteTool(["insert", file, "OUT", "3", "2026-01-15"])).toHaveLength(3)
        // The failure this guards against: the held connection keeps reading the deleted index, blind to commits.
        expect(count(held)).toBe(20)
        expect(mapsStaleWalIndex(file)).toBe(true)
        // An open finds it out: refused, it makes every connection of the process to the file close.
        const fresh = readFresh("live", file, options, (db) => db.prepare("SELECT 1").get())
        expect(fresh).toMatchObject({ _tag: "Unreadable", reason: expect.stringContaining("reconnecting") })
        expect(reconnects.count("live")).toBe(1)
        // The idle holder closes by itself once woken, so the process no longer maps the stale index.
        yield* until(() => held.identity === undefined)
        expect(mapsStaleWalIndex(file)).toBe(false)
        expect(count(held)).toBe(23)
        expect(
          readFresh("live", file, options, (db) => db.prepare("SELECT count(*) FROM production_records").pluck().get())
        ).toBe(23)
        held.close()
      })
  )
})
