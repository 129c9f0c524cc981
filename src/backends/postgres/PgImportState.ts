/**
 * The PostgreSQL side of the import: where each file's import stands (`import_state`), the rows it skipped
 * (`import_skipped`), and a batch written with `COPY … FROM STDIN` in one transaction together with that
 * position, so an import killed at any moment resumes after the last committed batch: no row twice, none missed.
 */
import { Effect } from "effect"
import { pipeline } from "node:stream/promises"
import { Readable } from "node:stream"
import type pg from "pg"
import { from as copyFrom } from "pg-copy-streams"
import type { DbFile } from "../../domain/DbFile.js"
import { BEFORE_FIRST_ID, type Batch, PgImportFailed, type SkipReason, type SourceRow } from "./PgImportSource.js"

export const IMPORT_STATE_DDL = [
  `CREATE TABLE IF NOT EXISTS import_state (
  file text PRIMARY KEY,
  source_path text NOT NULL,
  last_id bigint NOT NULL,
  rows_copied bigint NOT NULL DEFAULT 0,
  rows_skipped bigint NOT NULL DEFAULT 0,
  finished_at timestamptz
)`,
  `CREATE TABLE IF NOT EXISTS import_skipped (
  file text NOT NULL,
  id bigint NOT NULL,
  production_date text NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (file, id)
)`
]

export interface ImportState {
  readonly file: DbFile
  readonly sourcePath: string
  readonly lastId: bigint
  readonly rowsCopied: number
  readonly rowsSkipped: number
  readonly finished: boolean
}

export const query = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.Client,
  text: string,
  values: ReadonlyArray<unknown> = []
) =>
  Effect.tryPromise({
    try: () => client.query<R>(text, [...values]),
    catch: (error) => new PgImportFailed({ message: `PostgreSQL: ${(error as Error).message}` })
  })

export const readState = (client: pg.Client, file: DbFile) =>
  query<{
    source_path: string
    last_id: string
    rows_copied: string
    rows_skipped: string
    finished: boolean
  }>(
    client,
    `SELECT source_path, last_id::text, rows_copied::text, rows_skipped::text, finished_at IS NOT NULL AS finished
     FROM import_state WHERE file = $1`,
    [file]
  ).pipe(
    Effect.map(({ rows: [row] }): ImportState | undefined =>
      row === undefined
        ? undefined
        : {
            file,
            sourcePath: row.source_path,
            lastId: BigInt(row.last_id),
            rowsCopied: Number(row.rows_copied),
            rowsSkipped: Number(row.rows_skipped),
            finished: row.finished
          }
    )
  )

export const startState = (client: pg.Client, file: DbFile, sourcePath: string) =>
  query(client, `INSERT INTO import_state (file, source_path, last_id) VALUES ($1, $2, $3)`, [
    file,
    sourcePath,
    String(BEFORE_FIRST_ID)
  ])

export const finishState = (client: pg.Client, file: DbFile) =>
  query(client, `UPDATE import_state SET finished_at = now() WHERE file = $1`, [file])

/** COPY's text format: a backslash, tab, newline or carriage return in a value is escaped. */
const copyText = (value: string) =>
  value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))

const copyLine = (row: SourceRow) => `${row.map((v) => (typeof v === "bigint" ? String(v) : copyText(v))).join("\t")}\n`

const COPY_STATEMENT = `COPY production_records
  (id, production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity) FROM STDIN`

const copyRows = (client: pg.Client, rows: ReadonlyArray<SourceRow>) =>
  Effect.tryPromise({
    try: () => pipeline(Readable.from(rows.map(copyLine)), client.query(copyFrom(COPY_STATEMENT))),
    catch: (error) => new PgImportFailed({ message: `PostgreSQL COPY: ${(error as Error).message}` })
  })

const skippedValues = (file: DbFile, skipped: Batch["skipped"]) => ({
  text: `INSERT INTO import_skipped (file, id, production_date, reason)
         SELECT $1, unnest($2::bigint[]), unnest($3::text[]), unnest($4::text[])`,
  values: [file, skipped.map((s) => String(s.id)), skipped.map((s) => s.production_date), skipped.map((s) => s.reason)]
})

/** One batch and the position after it, committed together (or, failing, not at all). */
export const commitBatch = (client: pg.Client, file: DbFile, batch: Batch) =>
  Effect.gen(function* () {
    yield* query(client, "BEGIN")
    if (batch.rows.length > 0) yield* copyRows(client, batch.rows)
    if (batch.skipped.length > 0) {
      const { text, values } = skippedValues(file, batch.skipped)
      yield* query(client, text, values)
    }
    yield* query(
      client,
      `UPDATE import_state SET last_id = $2, rows_copied = rows_copied + $3, rows_skipped = rows_skipped + $4
       WHERE file = $1`,
      [file, String(batch.lastId), batch.rows.length, batch.skipped.length]
    )
    yield* query(client, "COMMIT")
  }).pipe(Effect.tapError(() => query(client, "ROLLBACK").pipe(Effect.ignore)))

export interface SkippedExample {
  readonly id: string
  readonly production_date: string
  readonly reason: SkipReason
}

export const skippedExamples = (client: pg.Client, file: DbFile, limit: number) =>
  query<SkippedExample>(
    client,
    `SELECT id::text, production_date, reason FROM import_skipped WHERE file = $1 ORDER BY id LIMIT $2`,
    [file, limit]
  ).pipe(Effect.map((r) => r.rows))

export const skippedByReason = (client: pg.Client, file: DbFile) =>
  query<{ reason: SkipReason; n: string }>(
    client,
    `SELECT reason, count(*)::text AS n FROM import_skipped WHERE file = $1 GROUP BY reason ORDER BY reason`,
    [file]
  ).pipe(Effect.map((r) => r.rows.map((row) => ({ reason: row.reason, count: Number(row.n) }))))
