import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type pg from "pg"
import { inject } from "vitest"
import { RECORD_COLUMNS } from "../../src/domain/ProductionRecord.js"
import { describeProgress, fileProgress } from "../../src/backends/postgres/PgImportProgress.js"
import { classify, type SourceRow } from "../../src/backends/postgres/PgImportSource.js"
import { makeMigratedFile, fixtureRecords } from "../cache-e2e/CachedServerKit.js"
import { spawnNode } from "../reliability/Processes.js"
import { type Files, get, startApp } from "../reliability/ReliabilityKit.js"
import { type RecordInput, createRecordsFile, randomRecords, seededRng, tempDir, withDb } from "../support/fixtures.js"
import { TestDatabase, makeTestDatabase } from "../support/PgCluster.js"
import {
  CUTOVER,
  PG_ROLLUPS,
  allRecords,
  dimensionRows,
  migratedPgLayer,
  pgConnection,
  referenceDimensions,
  referenceRollup,
  rollupRows
} from "./PgKit.js"

const IMPORT = fileURLToPath(new URL("../../scripts/import.ts", import.meta.url))

/** `npm run import` as a separate process: its exit code and output. */
const importCli = (url: string, files: Files, args: ReadonlyArray<string> = []) =>
  Effect.scoped(
    Effect.gen(function* () {
      const child = yield* spawnNode(
        [IMPORT, "--postgres", url, "--live", files.live, "--archive", files.archive, ...args],
        {
          CUTOVER_DATE: CUTOVER
        }
      )
      const code = yield* child.exited
      return { code, stdout: child.stdout(), stderr: child.stderr() }
    })
  )

const record = (production_date: string, item_name: string, lot_number = "MIS0001"): RecordInput => ({
  production_date,
  item_code: "ITM-900",
  item_name,
  lot_number,
  line_code: "L09",
  good_quantity: 5,
  defect_quantity: 1
})

/** Names COPY's text format must escape, and text SQLite keeps byte for byte. */
const AWKWARD = [
  record("2025-12-30", "tab\there, back\\slash", "AB\\N"),
  record("2026-02-02", "line\nbreak\r\nand ø20 Ø20 ß", "L2026-02-02-0001"),
  record("2026-03-03", "\\N looks like null", "50%_x")
]

/** Migrated files whose ids collide (both count from 1), two misfiled records in each, awkward text. */
const importFiles = Effect.gen(function* () {
  const dir = yield* tempDir("pg-import-")
  const files: Files = { dir, live: path.join(dir, "live.db"), archive: path.join(dir, "archive.db") }
  yield* makeMigratedFile("archive", files.archive, [
    ...fixtureRecords("2025-10-01", "2025-12-31"),
    record("2026-01-15", "misfiled in the archive"),
    record("2026-02-01", "misfiled in the archive"),
    AWKWARD[0]!
  ])
  yield* makeMigratedFile("live", files.live, [
    ...fixtureRecords(CUTOVER, "2026-03-31"),
    record("2025-11-11", "misfiled in the live file"),
    record("2025-12-31", "misfiled in the live file"),
    AWKWARD[1]!,
    AWKWARD[2]!
  ])
  return files
})

/** A database's records in the /records export's fields, as text, in a fixed order. */
const dump = (client: { query: (text: string) => Promise<{ rows: Array<Record<string, string>> }> }) =>
  Effect.promise(() =>
    client.query(`SELECT source, id::text, to_char(production_date, 'YYYY-MM-DD') AS production_date, item_code,
        item_name, lot_number, line_code, good_quantity::text, defect_quantity::text
      FROM production_records AS r ORDER BY r.production_date DESC, r.source, r.id DESC`)
  ).pipe(Effect.map((r) => r.rows.map((row) => JSON.stringify(Object.values(row)))))

const withClient = <A, E, R>(url: string, f: (client: pg.Client) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(pgConnection(url), f))

/** Everything the SQLite service serves, as its export streams it, in the same text form. */
const servedBySqlite = (files: Files) =>
  Effect.gen(function* () {
    const port = yield* startApp(files)
    const reply = yield* get(port, "/records/export?from=1900-01-01&to=2999-12-31&format=ndjson")
    expect(reply.status).toBe(200)
    return reply.text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const r = JSON.parse(line) as Record<string, string | number>
        return JSON.stringify(["source", ...RECORD_COLUMNS].map((k) => String(r[k])))
      })
  })

describe("classify", () => {
  it("keeps what the file serves; skips misfiled rows and dates PostgreSQL cannot hold", () => {
    const row = (id: bigint, date: string): SourceRow => [id, date, "I", "N", "L", "X", 1n, 0n]
    const rows = [
      row(1n, "2025-12-31"),
      row(2n, "2026-01-01"),
      row(3n, "2026-02-30"),
      row(4n, "2026-1-5"),
      row(5n, "2025-06-01")
    ]
    const live = classify("live", CUTOVER, rows)
    expect(live.rows.map((r) => r[0])).toEqual([2n])
    expect(live.skipped.map((s) => [s.id, s.reason])).toEqual([
      [1n, "misfiled"],
      [3n, "invalid date"],
      [4n, "invalid date"],
      [5n, "misfiled"]
    ])
    expect(live.lastId).toBe(5n)
    expect(live.read).toBe(5)
    expect(classify("archive", CUTOVER, rows).rows.map((r) => r[0])).toEqual([1n, 5n])
  })
})

describe("progress", () => {
  it("a bar redrawn in place on a terminal; otherwise a line every N batches and one at the end", () => {
    const run = (tty: boolean) => {
      const out: Array<string> = []
      const progress = Effect.runSync(fileProgress("live", 100, { tty, everyBatches: 2, write: (t) => out.push(t) }))
      for (let i = 0; i < 3; i++) Effect.runSync(progress.advance(30))
      Effect.runSync(progress.end)
      return out
    }
    const tty = run(true)
    expect(tty).toHaveLength(4)
    expect(tty[0]).toMatch(/^\rlive \[#{9}-{21}\] 30\/100 rows \(30\.0%\), \d+ rows\/s, ETA \S+/)
    expect(tty[0]!.endsWith("\u001b[K")).toBe(true)
    expect(tty.at(-1)).toBe("\n")
    const lines = run(false)
    expect(lines.map((l) => l.replace(/, \d+ rows\/s, ETA \S+/, ""))).toEqual([
      "live: 60/100 rows (60.0%)\n",
      "live: 90/100 rows (90.0%)\n"
    ])
    expect(describeProgress(50, 100, 10_000)).toMatchObject({ rate: 5, eta: 10, percent: 50 })
  })
})

describe("npm run import -- --postgres", () => {
  layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 180_000 })((it) => {
    it.scoped(
      "copies exactly what the SQLite service serves (ids, source, values), skips and reports misfiled records; rollups = GROUP BY; a rerun is a no-op; a new INSERT gets an id above them all",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { url } = yield* TestDatabase
          const files = yield* importFiles
          const run = yield* importCli(url, files)
          expect(run.code, run.stderr).toBe(0)
          expect(run.stdout).toContain("2 skipped (2 misfiled)")
          expect(run.stdout).toMatch(/skipped id \d+ dated 2026-01-15: misfiled \(not served by the archive file\)/)
          expect(run.stdout).toContain("ANALYZE done")

          const served = yield* servedBySqlite(files)
          const imported = yield* withClient(url, dump)
          expect(imported).toEqual(served)
          // The ids collide across the files, and the awkward texts came through byte for byte.
          const ids = imported.map((r) => JSON.parse(r)[1] as string)
          expect(new Set(ids).size).toBeLessThan(ids.length)
          for (const a of AWKWARD) expect(imported.some((r) => JSON.parse(r)[4] === a.item_name)).toBe(true)

          const skipped = yield* sql<{ file: string; date: string; reason: string }>`
            SELECT file, production_date AS date, reason FROM import_skipped ORDER BY file, production_date`
          expect(skipped.map((s) => [s.file, s.date, s.reason])).toEqual([
            ["archive", "2026-01-15", "misfiled"],
            ["archive", "2026-02-01", "misfiled"],
            ["live", "2025-11-11", "misfiled"],
            ["live", "2025-12-31", "misfiled"]
          ])

          // COPY fired the statement triggers: every derived table equals a GROUP BY over the records.
          const records = yield* allRecords
          for (const r of PG_ROLLUPS) expect(yield* rollupRows(r), r.table).toEqual(referenceRollup(r, records))
          expect(yield* dimensionRows).toEqual(referenceDimensions(records))

          const again = yield* importCli(url, files)
          expect(again.code, again.stderr).toBe(0)
          expect(again.stdout).toContain("archive (")
          expect(again.stdout.match(/already imported, nothing to do/g)).toHaveLength(2)
          expect(again.stdout).toContain("nothing imported, no ANALYZE")
          expect(yield* withClient(url, dump)).toEqual(imported)

          const [inserted] = yield* sql<{ id: string; max: string }>`
            WITH ins AS (
              INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity)
              VALUES ('2026-03-31', 'ITM-001', 'Widget 1', 'NEW1', 'L01', 3) RETURNING id)
            SELECT ins.id::text, (SELECT max(id) FROM production_records)::text AS max FROM ins`
          expect(BigInt(inserted!.id)).toBeGreaterThan(BigInt(Math.max(...ids.map(Number))))
        }),
      120_000
    )

    it.scoped(
      "refuses a database holding records no import copied, and a resumed import naming another file",
      () =>
        Effect.gen(function* () {
          const files = yield* importFiles
          const adminUrl = inject("pgAdminUrl")
          const used = yield* makeTestDatabase(adminUrl)
          expect((yield* importCli(used.url, files)).code).toBe(0)
          const moved = { ...files, live: path.join(files.dir, "elsewhere.db") }
          fs.copyFileSync(files.live, moved.live)
          const other = yield* importCli(used.url, moved)
          expect(other.code).toBe(1)
          expect(other.stderr).toContain(
            `the live import of this database started from ${files.live}, not ${moved.live}`
          )

          const written = yield* makeTestDatabase(adminUrl)
          // Migrates, then stops at the absent file: a migrated database with no import state.
          const absent = path.join(files.dir, "absent.db")
          const migrated = yield* importCli(written.url, { ...files, live: absent, archive: absent })
          expect(migrated.code).toBe(1)
          expect(migrated.stderr).toContain(`archive file ${absent}: reading production_records: the file is absent`)
          yield* withClient(written.url, (c) =>
            Effect.promise(() =>
              c.query(`INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code,
                good_quantity) VALUES ('2026-03-01', 'X', 'X', 'X', 'X', 1)`)
            )
          )
          const refused = yield* importCli(written.url, files)
          expect(refused.code).toBe(1)
          expect(refused.stderr).toContain("already holds records that no import copied")
        }),
      120_000
    )

    it.scoped(
      "killed (SIGKILL) after its first committed batch, then run again: the same table as an uninterrupted import",
      () =>
        Effect.gen(function* () {
          const dir = yield* tempDir("pg-import-resume-")
          const files: Files = { dir, live: path.join(dir, "live.db"), archive: path.join(dir, "archive.db") }
          // Raw (un-migrated) files: the import needs nothing of the SQLite migration.
          const rng = seededRng(17)
          createRecordsFile(files.archive, randomRecords(rng, 6_000, { from: "2024-06-01", to: "2025-12-31" }))
          // Negative rowids too: SQLite allows them, and the first batch must not miss them.
          createRecordsFile(files.live, [
            ...randomRecords(rng, 2, { from: CUTOVER, to: "2026-04-30" }).map((r, i) => ({ ...r, id: -5 - i })),
            ...randomRecords(rng, 5_998, { from: CUTOVER, to: "2026-04-30" })
          ])
          withDb(files.live, (db) =>
            db.prepare("UPDATE production_records SET production_date = '2025-05-05' WHERE id % 1000 = 7").run()
          )

          const adminUrl = inject("pgAdminUrl")
          const interrupted = yield* makeTestDatabase(adminUrl)
          const child = yield* spawnNode(
            [
              IMPORT,
              "--postgres",
              interrupted.url,
              "--live",
              files.live,
              "--archive",
              files.archive,
              "--batch-size",
              "40",
              "--progress-every",
              "1"
            ],
            { CUTOVER_DATE: CUTOVER }
          )
          // A progress line is written after its batch commits. (Real time: the test's clock is a TestClock.)
          const deadline = Date.now() + 60_000
          while (!/archive: \d+\/\d+ rows/.test(child.stderr())) {
            if (child.child.exitCode !== null || Date.now() > deadline) {
              return yield* Effect.die(`no committed batch seen: ${child.stderr()}`)
            }
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
          }
          child.child.kill("SIGKILL")
          expect(yield* child.exited).toBe("SIGKILL")
          const partial = yield* withClient(interrupted.url, (c) =>
            Effect.promise(() =>
              c.query<{ file: string; copied: string; finished: boolean }>(
                "SELECT file, rows_copied::text AS copied, finished_at IS NOT NULL AS finished FROM import_state"
              )
            )
          )
          expect(partial.rows.length).toBeGreaterThan(0)
          expect(partial.rows.some((r) => !r.finished)).toBe(true)

          const resumed = yield* importCli(interrupted.url, files, ["--batch-size", "40"])
          expect(resumed.code, resumed.stderr).toBe(0)
          expect(resumed.stdout).toContain("6 skipped (6 misfiled)")

          const whole = yield* makeTestDatabase(adminUrl)
          const straight = yield* importCli(whole.url, files)
          expect(straight.code, straight.stderr).toBe(0)
          const expected = yield* withClient(whole.url, dump)
          expect(expected.length).toBe(12_000 - 6)
          expect(yield* withClient(interrupted.url, dump)).toEqual(expected)
          const derived = (url: string) =>
            withClient(url, (c) =>
              Effect.forEach(["items", "lines", ...PG_ROLLUPS.map((r) => r.table)], (t) =>
                Effect.promise(() => c.query(`SELECT * FROM ${t}`)).pipe(
                  Effect.map((r) => r.rows.map((row) => JSON.stringify(row)).sort())
                )
              )
            )
          expect(yield* derived(interrupted.url)).toEqual(yield* derived(whole.url))
        }),
      180_000
    )
  })
})
