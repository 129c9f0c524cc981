/**
 * Helpers of the PostgreSQL trigger tests: a migrated test database, a raw `pg` connection (COPY and LISTEN need
 * one), and the derived tables read back next to a plain JavaScript aggregation of `production_records`.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import pg from "pg"
import { importIntoPostgres } from "../../src/backends/postgres/PgImport.js"
import { migratePostgres } from "../../src/backends/postgres/PgMigrator.js"
import { PG_CUMULATIVES, type PgCumulative } from "../../src/backends/postgres/PgCumulative.js"
import { PG_ROLLUPS, type PgRollup } from "../../src/backends/postgres/PgRollups.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
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

const LATEST_COLUMNS = ["to_char(last_date, 'YYYY-MM-DD') AS last_date", "last_id::text", "last_name"]

/** A derived table's rows as text, sorted. */
const tableRows = (table: string, columns: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql
      .unsafe<Record<string, string>>(`SELECT ${columns.join(", ")} FROM ${table}`)
      .pipe(Effect.map((rows) => rows.map((row) => ({ ...row })).sort((a, b) => byText(rowKey(a), rowKey(b)))))
  )

const totalsColumns = ["good::text", "defect::text", "cnt::text"]

/** One rollup's rows as the trigger kept them, as text, sorted. */
export const rollupRows = (r: PgRollup) =>
  tableRows(r.table, [
    ...r.dims,
    "to_char(period, 'YYYY-MM-DD') AS period",
    ...totalsColumns,
    ...(r.tracksLatest ? LATEST_COLUMNS : [])
  ])

/** One month-to-date or year-to-date table's rows as the trigger kept them, as text, sorted. */
export const cumulativeRows = (c: PgCumulative) =>
  tableRows(c.table, [
    ...c.dims,
    `to_char(${c.column}, 'YYYY-MM-DD') AS ${c.column}`,
    ...totalsColumns,
    ...LATEST_COLUMNS
  ])

const newestFirst = (a: RecordRow, b: RecordRow) =>
  byText(b.production_date, a.production_date) || Number(b.id) - Number(a.id)

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
      const latest = [...recs].sort(newestFirst)[0]!
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

/**
 * The same from the records: for each group and span (month, year) with records, a row for every day (month)
 * from the first record's to the span's end, with the totals of the span's records up to it and the latest.
 */
export const referenceCumulative = (c: PgCumulative, records: ReadonlyArray<RecordRow>) => {
  const periodOf = (date: string) => (c.column === "day" ? date : `${date.slice(0, 7)}-01`)
  const next = (p: string) =>
    c.column === "day" ? addDays(p as IsoDate, 1) : `${addDays(`${p.slice(0, 7)}-28` as IsoDate, 7).slice(0, 7)}-01`
  const spanOf = (p: string) => (c.span === "month" ? p.slice(0, 7) : p.slice(0, 4))
  const groups = new Map<string, Array<RecordRow>>()
  for (const rec of records) {
    const key = JSON.stringify([...c.dims.map((d) => rec[d]), spanOf(rec.production_date)])
    groups.set(key, [...(groups.get(key) ?? []), rec])
  }
  const rows: Array<Record<string, string>> = []
  for (const recs of groups.values()) {
    const first = recs.map((r) => periodOf(r.production_date)).sort()[0]!
    for (let p = first; spanOf(p) === spanOf(first); p = next(p)) {
      const upTo = recs.filter((r) => periodOf(r.production_date) <= p)
      const sum = (f: (x: RecordRow) => string) => String(upTo.reduce((s, x) => s + Number(f(x)), 0))
      const latest = [...upTo].sort(newestFirst)[0]!
      rows.push({
        ...Object.fromEntries(c.dims.map((d) => [d, recs[0]![d]])),
        [c.column]: p,
        good: sum((x) => x.good_quantity),
        defect: sum((x) => x.defect_quantity),
        cnt: String(upTo.length),
        last_date: latest.production_date,
        last_id: latest.id,
        last_name: latest.item_name
      })
    }
  }
  return rows.sort((a, b) => byText(rowKey(a), rowKey(b)))
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

export { PG_CUMULATIVES, PG_ROLLUPS }
