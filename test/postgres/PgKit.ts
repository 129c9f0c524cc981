/**
 * Helpers of the PostgreSQL trigger tests: a migrated test database, a raw `pg` connection (COPY and LISTEN need
 * one), and the derived tables read back next to a plain JavaScript aggregation of `production_records`.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import pg from "pg"
import { importIntoPostgres } from "../../src/backends/postgres/PgImport.js"
import { migratePostgres } from "../../src/backends/postgres/PgMigrator.js"
import { PG_ROLLUPS, type PgRollup } from "../../src/backends/postgres/PgRollups.js"
import { TestDatabase, testPgLayer } from "../support/PgCluster.js"

export const CUTOVER = "2026-01-01"

/** The test file's database, migrated. */
export const migratedPgLayer = (adminUrl: string) =>
  Layer.effectDiscard(migratePostgres({ cutover: CUTOVER, dryRun: false })).pipe(
    Layer.provideMerge(testPgLayer(adminUrl))
  )

/** Both SQLite files copied into the database at `url` by the real import (migrating it first), quietly. */
export const importFiles = (url: string, files: { readonly live: string; readonly archive: string }) =>
  importIntoPostgres({
    url,
    files: [
      { file: "live", path: files.live },
      { file: "archive", path: files.archive }
    ],
    cutover: CUTOVER,
    batchSize: 1000,
    progress: { tty: false, everyBatches: 1_000_000, write: () => {} }
  }).pipe(Effect.orDie)

/** A `pg` connection of its own to `url`, closed with the scope. */
export const pgConnection = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => client.end())
  )

/** A `pg` connection of its own to the test database, closed with the scope. */
export const rawConnection = Effect.flatMap(TestDatabase, ({ url }) => pgConnection(url))

export interface RecordRow {
  readonly id: string
  readonly production_date: string
  readonly item_code: string
  readonly item_name: string
  readonly line_code: string
  readonly good_quantity: string
  readonly defect_quantity: string
  readonly source: string
}

export const allRecords = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe<RecordRow>(`SELECT id::text, to_char(production_date, 'YYYY-MM-DD') AS production_date, item_code,
    item_name, line_code, good_quantity::text, defect_quantity::text, source FROM production_records`)
)

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const rowKey = (row: Record<string, string>) => JSON.stringify(Object.values(row))

/** One rollup's rows as the trigger kept them, as text, sorted. */
export const rollupRows = (r: PgRollup) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql
      .unsafe<Record<string, string>>(
        `SELECT ${[
          ...r.dims,
          "to_char(period, 'YYYY-MM-DD') AS period",
          "good::text",
          "defect::text",
          "cnt::text",
          ...(r.tracksLatest ? ["to_char(last_date, 'YYYY-MM-DD') AS last_date", "last_id::text", "last_name"] : [])
        ].join(", ")} FROM ${r.table}`
      )
      .pipe(Effect.map((rows) => rows.map((row) => ({ ...row })).sort((a, b) => byText(rowKey(a), rowKey(b)))))
  )

/** The same rows from the records, in JavaScript: sums, counts, the latest record by (date, id). */
export const referenceRollup = (r: PgRollup, records: ReadonlyArray<RecordRow>) => {
  const groups = new Map<string, Array<RecordRow>>()
  for (const rec of records) {
    const period = r.grain === "day" ? rec.production_date : `${rec.production_date.slice(0, 7)}-01`
    const key = JSON.stringify([...r.dims.map((d) => rec[d]), period])
    groups.set(key, [...(groups.get(key) ?? []), rec])
  }
  return [...groups.entries()]
    .map(([key, recs]) => {
      const keys = JSON.parse(key) as Array<string>
      const latest = [...recs].sort(
        (a, b) => byText(b.production_date, a.production_date) || Number(b.id) - Number(a.id)
      )[0]!
      const sum = (f: (x: RecordRow) => string) => String(recs.reduce((s, x) => s + Number(f(x)), 0))
      return {
        ...Object.fromEntries(r.dims.map((d, i) => [d, keys[i]!])),
        period: keys[r.dims.length]!,
        good: sum((x) => x.good_quantity),
        defect: sum((x) => x.defect_quantity),
        cnt: String(recs.length),
        ...(r.tracksLatest
          ? { last_date: latest.production_date, last_id: latest.id, last_name: latest.item_name }
          : {})
      } as Record<string, string>
    })
    .sort((a, b) => byText(rowKey(a), rowKey(b)))
}

/** items and lines as kept, and as the records say: distinct pairs and lines with their counts. */
export const dimensionRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.all({
    items: sql.unsafe<{ item_code: string; item_name: string; cnt: string }>(
      `SELECT item_code, item_name, cnt::text FROM items ORDER BY item_code, item_name`
    ),
    lines: sql.unsafe<{ line_code: string; cnt: string }>(`SELECT line_code, cnt::text FROM lines ORDER BY line_code`)
  })
)

export const referenceDimensions = (records: ReadonlyArray<RecordRow>) => {
  const count = (keyOf: (r: RecordRow) => string) => {
    const counts = new Map<string, number>()
    for (const r of records) counts.set(keyOf(r), (counts.get(keyOf(r)) ?? 0) + 1)
    return [...counts.entries()].sort(([a], [b]) => byText(a, b))
  }
  return {
    items: count((r) => `${r.item_code}\u0000${r.item_name}`).map(([k, n]) => {
      const [item_code, item_name] = k.split("\u0000") as [string, string]
      return { item_code, item_name, cnt: String(n) }
    }),
    lines: count((r) => r.line_code).map(([line_code, n]) => ({ line_code, cnt: String(n) }))
  }
}

export { PG_ROLLUPS }
