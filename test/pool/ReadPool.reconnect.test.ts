import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { mapsStaleWalIndex } from "../../src/db/MappedWalIndex.js"
import type { ReadPool } from "../../src/pool/ReadPool.js"
import { buildPoolWithConnections, eventually, poolFiles } from "./fixtures.js"

const WAL_INDEX = fileURLToPath(new URL("../support/wal_index.py", import.meta.url))

/** `test/support/wal_index.py` in a process of its own (POSIX locks are per process: only another one shows it). */
const outside = (file: string, ...args: ReadonlyArray<string>): string =>
  execFileSync("python3", [WAL_INDEX, file, ...args], { encoding: "utf8" })

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

        outside(files.live, "delete-wal-index")
        outside(files.live, "insert", "OUT", "4", "2025-03-20")
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
