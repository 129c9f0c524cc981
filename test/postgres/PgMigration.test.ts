import { SqlClient } from "@effect/sql"
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { inject } from "vitest"
import { spawnNode } from "../reliability/Processes.js"
import { TestDatabase, testPgLayer } from "../support/PgCluster.js"

const MIGRATE = fileURLToPath(new URL("../../scripts/migrate.ts", import.meta.url))

/** `npm run migrate -- --postgres URL ARGS` as a separate process: its exit code and output. */
const migrateCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { url } = yield* TestDatabase
      const child = yield* spawnNode([MIGRATE, "--postgres", url, ...args], env)
      const code = yield* child.exited
      return { code, stdout: child.stdout(), stderr: child.stderr() }
    })
  )

const tableNames = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`.pipe(
    Effect.map((rows) => rows.map((r) => r.name))
  )
)

/** Seq Scans of a production_records partition in a plan (each partition has indexes). */
const partitionSeqScans = (plan: string) => plan.split("\n").filter((l) => /Seq Scan on production_records_/.test(l))

const explain = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql
      .unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ${statement}`)
      .pipe(Effect.map((rows) => rows.map((r) => r["QUERY PLAN"]).join("\n")))
  )

describe("npm run migrate -- --postgres", () => {
  layer(testPgLayer(inject("pgAdminUrl")), { timeout: 120_000 })((it) => {
    it.effect("--dry-run prints the SQL and changes nothing; then migrates once, and a second run is a no-op", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const dry = yield* migrateCli(["--dry-run"])
        expect(dry.code).toBe(0)
        expect(dry.stdout).toContain("CREATE TABLE production_records (")
        expect(dry.stdout).toContain("CREATE TRIGGER production_records_after_insert")
        expect(yield* tableNames).toEqual([])

        const first = yield* migrateCli([])
        expect(first.code).toBe(0)
        expect(first.stdout).toContain("postgres: migrated (v1 records, v2 derived, v3 item statistics)")
        const tablesAfterFirst = yield* tableNames
        const second = yield* migrateCli([])
        expect(second.code).toBe(0)
        expect(second.stdout).toContain("postgres: up to date")
        expect(yield* tableNames).toEqual(tablesAfterFirst)
        const versions = yield* sql<{ version: number }>`SELECT version FROM schema_migrations ORDER BY version`
        expect(versions.map((v) => v.version)).toEqual([1, 2, 3])
        expect((yield* migrateCli(["--dry-run"])).stdout).toContain("up to date")
      })
    )

    it.effect("refuses a database migrated with another cutover date", () =>
      Effect.gen(function* () {
        const run = yield* migrateCli([], { CUTOVER_DATE: "2025-01-01" })
        expect(run.code).toBe(1)
        expect(run.stderr).toContain("migrated with cutover 2026-01-01, not 2025-01-01")
      })
    )

    it.effect(
      "makes a partition per year through next year and a DEFAULT one; add_year moves default rows, keeps the rollups",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const partitions = yield* sql<{ name: string; bound: string }>`
          SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'production_records'::regclass ORDER BY 1`
          const nextYear = new Date().getUTCFullYear() + 1
          const years = Array.from({ length: nextYear - 2020 + 1 }, (_, i) => `production_records_${2020 + i}`)
          expect(partitions.map((p) => p.name)).toEqual([...years, "production_records_default"])
          expect(partitions.find((p) => p.name === "production_records_default")!.bound).toBe("DEFAULT")
          expect(partitions.find((p) => p.name === "production_records_2024")!.bound).toBe(
            "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
          )

          yield* sql`INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)
          VALUES ('2015-03-04', 'OLD', 'Old part', 'L0', 'L01', 9)`
          const where = () => sql<{ part: string }>`
          SELECT tableoid::regclass::text AS part FROM production_records WHERE production_date = '2015-03-04'`
          expect((yield* where())[0]!.part).toBe("production_records_default")
          const [added] = yield* sql<{ added: boolean }>`SELECT production_records_add_year(2015) AS added`
          expect(added!.added).toBe(true)
          expect((yield* where())[0]!.part).toBe("production_records_2015")
          // Every partition, the new one included, has the item statistics (v3).
          const statistics = yield* sql<{ name: string }>`SELECT stxname AS name FROM pg_statistic_ext ORDER BY 1`
          expect(statistics.map((s) => s.name)).toEqual(
            [...years, "production_records_2015", "production_records_default"].sort().map((p) => `${p}_item_deps`)
          )
          const [rollup] = yield* sql<{ cnt: string }>`SELECT cnt FROM rollup_day WHERE period = '2015-03-04'`
          expect(rollup!.cnt).toBe("1")
          // The new partition has the triggers too.
          yield* sql`DELETE FROM production_records_2015 WHERE production_date = '2015-03-04'`
          expect(yield* sql`SELECT 1 FROM rollup_day WHERE period = '2015-03-04'`).toEqual([])
        })
    )

    it.effect("the statement shapes read indexes: no Seq Scan of a partition", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        // ~60k records over 2025-2026: 500 items, 12 lines, lots of two formats.
        yield* sql.unsafe(`INSERT INTO production_records
            (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
          SELECT DATE '2025-01-01' + (n % 600), 'ITM-' || lpad((n % 500)::text, 4, '0'), 'Part ' || (n % 500),
            CASE WHEN n % 2 = 0 THEN 'ABC' || n ELSE 'L2026-' || n END, 'L' || lpad((n % 12)::text, 2, '0'), n % 97, n % 3
          FROM generate_series(1, 60000) AS n`)
        yield* sql`ANALYZE`
        const range = `production_date BETWEEN '2025-11-10' AND '2026-03-20'`
        const keyset = `(production_date, id) < ('2026-02-01', 1000)`
        const page = "ORDER BY production_date DESC, id DESC LIMIT 101"
        const filters = [
          "",
          "AND item_code = 'ITM-0001'",
          "AND line_code = 'L01'",
          "AND lot_number >= 'ABC' AND lot_number < 'ABD'",
          "AND item_code = 'ITM-0001' AND line_code = 'L01'"
        ]
        for (const filter of filters) {
          for (const after of ["", `AND ${keyset}`]) {
            const plan = yield* explain(`SELECT * FROM production_records WHERE ${range} ${filter} ${after} ${page}`)
            expect(partitionSeqScans(plan), plan).toEqual([])
          }
        }
        // The items dimension is small (a seq scan is the planner's right choice here); the index must serve q.
        yield* sql`SET enable_seqscan = off`
        const items = yield* explain(
          `SELECT item_code, item_name FROM items WHERE item_name_folded LIKE '%' || fold_case('PART 1') || '%'`
        )
        yield* sql`RESET enable_seqscan`
        expect(items).toContain("items_name_trgm")
      })
    )
  })
})
