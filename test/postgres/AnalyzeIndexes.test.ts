/**
 * `npm run analyze-indexes -- --postgres URL` as a child process: on a migrated database of two years of records
 * every shape of the engine plans without a sequential scan of a partition; with the indexes dropped it names the
 * scans and exits 1.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { inject } from "vitest"
import { spawnNode } from "../reliability/Processes.js"
import { TestDatabase } from "../support/PgCluster.js"
import { migratedPgLayer } from "./PgKit.js"

const ANALYZE = fileURLToPath(new URL("../../scripts/analyze-indexes.ts", import.meta.url))

const analyzeCli = Effect.scoped(
  Effect.gen(function* () {
    const { url } = yield* TestDatabase
    const child = yield* spawnNode([ANALYZE, "--postgres", url])
    const code = yield* child.exited
    return { code, stdout: child.stdout() }
  })
)

// 300 records a day over two years: 500 items on 12 lines, lots of a few prefixes.
const RECORDS = `INSERT INTO production_records
  (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
SELECT DATE '2024-12-01' + n / 300, 'ITM-' || lpad((n * 7 % 500)::text, 4, '0'), 'Bracket part ' || (n * 7 % 500),
  (ARRAY['ABC', 'ABD', 'XYZ'])[n % 3 + 1] || lpad(n::text, 7, '0'), 'L' || lpad((n % 12)::text, 2, '0'), n % 97, n % 3
FROM generate_series(0, 300 * 730 - 1) AS n`

layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 240_000 })("npm run analyze-indexes -- --postgres", (it) => {
  it.effect("every shape reads an index; without the indexes, the scans are named and it exits 1", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(RECORDS)
      yield* sql.unsafe("ANALYZE")
      const indexed = yield* analyzeCli
      expect(indexed.code).toBe(0)
      const shapes = Number(/^postgres: (\d+) shapes/m.exec(indexed.stdout)?.[1])
      expect(shapes).toBeGreaterThan(30)
      expect(indexed.stdout.split("\n").filter((l) => l.startsWith("ok ")).length).toBe(shapes)
      expect(indexed.stdout).toContain("no shape reads a partition of production_records by a sequential scan")

      yield* sql.unsafe(`DROP INDEX production_records_item_date, production_records_line_date, production_records_lot`)
      yield* sql.unsafe(`ALTER TABLE production_records DROP CONSTRAINT production_records_pkey`)
      const scanned = yield* analyzeCli
      expect(scanned.code).toBe(1)
      expect(scanned.stdout).toMatch(/^SEQ SCAN records window +Seq Scan on production_records_2026/m)
      expect(scanned.stdout).toMatch(/\d+ sequential scan\(s\) of production_records' partitions/)
    })
  )
})
