import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mapsStaleWalIndex } from "../../src/backends/sqlite/db/MappedWalIndex.js"
import type { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { buildPoolWithConnections, eventually, poolFiles } from "./fixtures.js"
import { sqliteTool } from "../outside/OutsideKit.js"

/** The live file's record count, asked of the pool as many times as it has workers and more, all at once. */
const counts = (pool: ReadPool["Type"]) =>
  Effect.forEach(
    [1, 2, 3, 4],
    () =>
      Effect.map(
        pool.run({ file: "live", sql: "SELECT count(*) FROM production_records", params: [] }),
        (r) => r.rows[0]![0]
      ),
    { concurrency: "unbounded" }
  )

describe("ReadPool and a reconnect", () => {
  it.scopedLive(
    "a WAL index deleted under the workers blinds them; a reconnect closes their connections (idle ones at once), and they read the outside commits",
    () =>
      Effect.gen(function* () {
        const files = yield* poolFiles
        const { pool, connections } = yield* buildPoolWithConnections(files, { POOL_FILE_CHECK_MS: 0 })
        expect(yield* counts(pool)).toEqual([3000, 3000, 3000, 3000])

        yield* sqliteTool(["delete-wal-index", files.live])
        yield* sqliteTool(["insert", files.live, "OUT", "4", "2025-03-20"])
        expect(yield* counts(pool)).toEqual([3000, 3000, 3000, 3000])
        expect(mapsStaleWalIndex(files.live)).toBe(true)

        yield* connections.reconnect("live")
        yield* eventually(
          Effect.sync(() => !mapsStaleWalIndex(files.live)),
          5_000
        )
        expect(yield* counts(pool)).toEqual([3004, 3004, 3004, 3004])
      })
  )
})
