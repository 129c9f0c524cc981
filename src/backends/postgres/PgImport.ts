/**
 * `npm run import -- --postgres URL --live F --archive F`: copies what the SQLite service serves from both files
 * into the migrated PostgreSQL schema (migrating it first), batch by batch with COPY, each batch committed with
 * its position so a killed import resumes where it stopped. Ids stay as the files have them (they collide across
 * files, never within a date: the key is (date, id)); `source` follows from the date. At the end the identity
 * moves above every imported id, and ANALYZE.
 */
import { Console, Effect } from "effect"
import pg from "pg"
import type { DbFile } from "../../domain/DbFile.js"
import { migratePostgres } from "./PgMigrator.js"
import { type ProgressOptions, fileProgress } from "./PgImportProgress.js"
import { BEFORE_FIRST_ID, type ImportSource, PgImportFailed, openImportSource } from "./PgImportSource.js"
import {
  IMPORT_STATE_DDL,
  type SkippedExample,
  commitBatch,
  finishState,
  query,
  readState,
  skippedByReason,
  skippedExamples,
  startState
} from "./PgImportState.js"

export interface ImportOptions {
  readonly url: string
  readonly files: ReadonlyArray<{ readonly file: DbFile; readonly path: string }>
  readonly cutover: string
  readonly batchSize: number
  readonly progress: ProgressOptions
}

export interface FileSummary {
  readonly file: DbFile
  readonly path: string
  /** Already finished by an earlier run: nothing read this time. */
  readonly alreadyDone: boolean
  readonly rowsCopied: number
  readonly rowsSkipped: number
  readonly skippedByReason: ReadonlyArray<{ readonly reason: string; readonly count: number }>
  readonly skippedExamples: ReadonlyArray<SkippedExample>
}

export interface ImportSummary {
  readonly files: ReadonlyArray<FileSummary>
  readonly seconds: number
  readonly databaseSize: string
  readonly maxId: string | null
  /** False when every file was already imported: nothing changed, so no ANALYZE. */
  readonly analyzed: boolean
}

/** Any number: the key of the advisory lock an import holds for its whole run (two imports at once: one refused). */
const IMPORT_LOCK = 170_018
const EXAMPLES = 5

const connect = (url: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        return client
      },
      catch: (error) => new PgImportFailed({ message: `cannot connect to PostgreSQL: ${(error as Error).message}` })
    }),
    (client) => Effect.promise(() => client.end().catch(() => undefined))
  )

const fail = (message: string) => Effect.fail(new PgImportFailed({ message }))

/** Refuses a database that holds records this import did not copy: their ids could collide with the files'. */
const checkTarget = (client: pg.Client, cutover: string) =>
  Effect.gen(function* () {
    const settings = yield* query<{ value: string }>(
      client,
      `SELECT value FROM backend_settings WHERE name = 'cutover_date'`
    )
    const stored = settings.rows[0]?.value
    if (stored !== cutover) return yield* fail(`the database's cutover is ${stored}, not ${cutover} (CUTOVER_DATE)`)
    for (const ddl of IMPORT_STATE_DDL) yield* query(client, ddl)
    const { rows } = yield* query<{ started: boolean; records: boolean }>(
      client,
      `SELECT EXISTS (SELECT 1 FROM import_state) AS started, EXISTS (SELECT 1 FROM production_records) AS records`
    )
    if (!rows[0]!.started && rows[0]!.records) {
      return yield* fail(
        "production_records already holds records that no import copied: import into an empty database"
      )
    }
  })

const importFile = (client: pg.Client, source: ImportSource, options: ImportOptions) =>
  Effect.gen(function* () {
    const before = yield* readState(client, source.file)
    if (before !== undefined && before.sourcePath !== source.path) {
      return yield* fail(
        `the ${source.file} import of this database started from ${before.sourcePath}, not ${source.path}`
      )
    }
    if (before?.finished === true) return true
    if (before === undefined) yield* startState(client, source.file, source.path)
    // Partitions first: COPY into the DEFAULT partition would have to be moved out again.
    for (const year of yield* source.years) {
      yield* query(client, "SELECT production_records_add_year($1)", [year])
    }
    let position = before?.lastId ?? BEFORE_FIRST_ID
    const progress = yield* fileProgress(source.file, yield* source.countAfter(position), options.progress)
    for (;;) {
      const batch = yield* source.batchAfter(position, options.batchSize)
      if (batch.read === 0) break
      yield* commitBatch(client, source.file, batch)
      position = batch.lastId
      yield* progress.advance(batch.rows.length + batch.skipped.length)
    }
    yield* progress.end
    yield* finishState(client, source.file)
    return false
  })

const summaryOf = (client: pg.Client, file: DbFile, path: string, alreadyDone: boolean) =>
  Effect.gen(function* () {
    const state = (yield* readState(client, file))!
    return {
      file,
      path,
      alreadyDone,
      rowsCopied: state.rowsCopied,
      rowsSkipped: state.rowsSkipped,
      skippedByReason: yield* skippedByReason(client, file),
      skippedExamples: yield* skippedExamples(client, file, EXAMPLES)
    } satisfies FileSummary
  })

/** Migrates the database if needed, imports each file, then moves the identity and analyzes. Needs SqlClient. */
export const importIntoPostgres = (options: ImportOptions) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* migratePostgres({ cutover: options.cutover, dryRun: false })
    const client = yield* connect(options.url)
    const { rows } = yield* query<{ locked: boolean }>(client, "SELECT pg_try_advisory_lock($1) AS locked", [
      IMPORT_LOCK
    ])
    if (!rows[0]!.locked) return yield* fail("another import into this database is running")
    yield* checkTarget(client, options.cutover)
    const files: Array<FileSummary> = []
    for (const { file, path } of options.files) {
      const alreadyDone = yield* Effect.scoped(
        Effect.flatMap(openImportSource(file, path, options.cutover), (source) => importFile(client, source, options))
      )
      files.push(yield* summaryOf(client, file, path, alreadyDone))
    }
    const identity = yield* query<{ max: string | null }>(
      client,
      // Only ever forward: after a no-op rerun, rows written since may have moved it past the imported ids.
      `WITH s AS (SELECT pg_get_serial_sequence('production_records', 'id')::regclass AS seq),
         m AS (SELECT max(id) AS max FROM production_records)
       SELECT CASE WHEN m.max > coalesce(pg_sequence_last_value(s.seq), 0) THEN setval(s.seq, m.max) END,
         m.max::text AS max FROM s, m`
    )
    const analyzed = files.some((f) => !f.alreadyDone)
    if (analyzed) {
      yield* Console.error("ANALYZE …")
      yield* query(client, "ANALYZE")
    }
    const size = yield* query<{ size: string }>(
      client,
      "SELECT pg_size_pretty(pg_database_size(current_database())) AS size"
    )
    return {
      files,
      seconds: (performance.now() - started) / 1000,
      databaseSize: size.rows[0]!.size,
      analyzed,
      maxId: identity.rows[0]!.max
    } satisfies ImportSummary
  }).pipe(Effect.scoped)

export const formatSummary = (summary: ImportSummary): string =>
  [
    ...summary.files.flatMap((f) => [
      `${f.file} (${f.path}): ${f.alreadyDone ? "already imported, nothing to do; " : ""}${f.rowsCopied} rows copied, ${f.rowsSkipped} skipped${
        f.skippedByReason.length > 0 ? ` (${f.skippedByReason.map((s) => `${s.count} ${s.reason}`).join(", ")})` : ""
      }`,
      ...f.skippedExamples.map(
        (e) =>
          `  skipped id ${e.id} dated ${e.production_date}: ${e.reason}${e.reason === "misfiled" ? ` (not served by the ${f.file} file)` : ""}`
      ),
      ...(f.rowsSkipped > f.skippedExamples.length ? [`  … all of them in table import_skipped`] : [])
    ]),
    `identity above id ${summary.maxId ?? "(none: no records)"}; ${summary.analyzed ? "ANALYZE done" : "nothing imported, no ANALYZE"}`,
    `done in ${summary.seconds.toFixed(1)}s; database size ${summary.databaseSize}`
  ].join("\n")
