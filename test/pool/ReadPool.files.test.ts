import { describe, expect, it } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { closeSync, openSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs"
import type { DbFile } from "../../src/domain/DbFile.js"
import type { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { buildPool, poolFiles, writeDb } from "./fixtures.js"

const COUNT = "SELECT count(*), min(item_name) FROM production_records"

/** Runs the count on every worker at once (POOL_SIZE requests in parallel) and returns each answer. */
const countEverywhere = (pool: ReadPool["Type"], file: DbFile = "live") =>
  Effect.forEach(
    [1, 2, 3, 4],
    () =>
      pool.run({ file, sql: COUNT, params: [] }).pipe(
        Effect.map((r) => r.rows[0]),
        Effect.catchTag("DatabaseUnavailable", (e) => Effect.succeed(`unavailable ${e.file}`))
      ),
    { concurrency: "unbounded" }
  )

// Longer than POOL_FILE_CHECK_MS (50 ms in these tests): connections re-check their file at most this often.
const settle = Effect.sleep("120 millis")

describe("ReadPool and the files on disk", () => {
  it.scopedLive("a file replaced on disk (rename over) is read afresh", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
      writeDb(files.live, 1234, "replaced")
      yield* settle
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([1234, "replaced 0"]))
    })
  )

  it.scopedLive("a deleted file answers DatabaseUnavailable, and works again once restored", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
      renameSync(files.live, `${files.live}.away`)
      yield* settle
      const failure = yield* Effect.flip(pool.run({ file: "live", sql: COUNT, params: [] }))
      expect(failure).toMatchObject({ _tag: "DatabaseUnavailable", file: "live" })
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill("unavailable live"))
      // The other file is not affected.
      expect(yield* countEverywhere(pool, "archive")).toEqual(Array(4).fill([2000, "archive 0"]))
      renameSync(`${files.live}.away`, files.live)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
    })
  )

  it.scopedLive("a file that is not SQLite, truncated or corrupt answers DatabaseUnavailable, then recovers", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))

      writeFileSync(`${files.live}.txt`, "this is not a database\n".repeat(500))
      renameSync(`${files.live}.txt`, files.live)
      yield* settle
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill("unavailable live"))

      writeDb(files.live, 3000, "live")
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))

      // Truncated in place (same inode, the open connections keep it).
      truncateSync(files.live, 0)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill("unavailable live"))
      writeDb(files.live, 3000, "live")
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))

      // Corrupted in place: garbage over the whole file, header included (same inode).
      const size = statSync(files.live).size
      const fd = openSync(files.live, "r+")
      writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, 0)
      closeSync(fd)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill("unavailable live"))
      writeDb(files.live, 3000, "live")
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
      expect((yield* pool.stats).size).toBe(2)
    })
  )

  it.scopedLive("an archive path that does not exist answers DatabaseUnavailable while the live file serves", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      rmSync(files.archive)
      const pool = yield* buildPool(files)
      expect(yield* countEverywhere(pool, "archive")).toEqual(Array(4).fill("unavailable archive"))
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
      writeDb(files.archive, 2000, "archive")
      expect(yield* countEverywhere(pool, "archive")).toEqual(Array(4).fill([2000, "archive 0"]))
    })
  )

  it.scopedLive(
    "a prelude on the other file runs first in the same worker; its first value is the first parameter",
    () =>
      Effect.gen(function* () {
        const files = yield* poolFiles
        const pool = yield* buildPool(files)
        const result = yield* pool.run({
          file: "archive",
          sql: "SELECT ? AS given, count(*) FROM production_records WHERE good_quantity < ?",
          params: [10],
          prelude: { file: "live", sql: "SELECT count(*) * ? FROM production_records", params: [2] }
        })
        expect(result.rows).toEqual([[6000, 200]])
        expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt)
        // A prelude with no row binds null.
        const none = yield* pool.run({
          file: "archive",
          sql: "SELECT ? IS NULL",
          params: [],
          prelude: { file: "live", sql: "SELECT 1 FROM production_records WHERE 0", params: [] }
        })
        expect(none.rows).toEqual([[1]])
      })
  )

  it.scopedLive("a prelude whose file is unreadable fails the request, naming the prelude's file", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      rmSync(files.live)
      const pool = yield* buildPool(files)
      const failure = yield* Effect.flip(
        pool.run({
          file: "archive",
          sql: "SELECT ?, count(*) FROM production_records",
          params: [],
          prelude: { file: "live", sql: COUNT, params: [] }
        })
      )
      expect(failure).toMatchObject({ _tag: "DatabaseUnavailable", file: "live" })
      expect(yield* countEverywhere(pool, "archive")).toEqual(Array(4).fill([2000, "archive 0"]))
    })
  )

  it.scopedLive("commits by another process to a WAL file are seen by the next read", () =>
    Effect.gen(function* () {
      const files = yield* poolFiles
      const pool = yield* buildPool(files)
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3000, "live 0"]))
      const writer = new Database(files.live)
      writer
        .prepare("INSERT INTO production_records VALUES (NULL, '2025-04-01', 'IT0', 'a live 0', 'X', 'L0', 1, 0)")
        .run()
      expect(yield* countEverywhere(pool)).toEqual(Array(4).fill([3001, "a live 0"]))
      writer.close()
    })
  )
})
