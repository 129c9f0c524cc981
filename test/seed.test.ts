import { it as effectIt } from "@effect/vitest"
import Database from "better-sqlite3"
import { Effect, Exit, Fiber } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { isWeekend } from "../src/seed/Calendar.js"
import {
  type GenerateOptions,
  SeedError,
  type SeedProgress,
  generateDataset,
  generateDatasetEffect,
  generateDatasetWith
} from "../src/seed/GenerateDataset.js"
import { ITEM_CATALOG, SHOWCASE_NAMES } from "../src/seed/ItemCatalog.js"

const repoRoot = fileURLToPath(new URL("..", import.meta.url))
const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), "seed-test-"))
afterAll(() => fs.rmSync(tempRoot, { recursive: true, force: true }))

let dirs = 0
const freshDir = (): string => fs.mkdtempSync(path.join(tempRoot, `d${dirs++}-`))

interface Row {
  readonly id: number
  readonly production_date: string
  readonly item_code: string
  readonly item_name: string
  readonly lot_number: string
  readonly line_code: string
  readonly good_quantity: number
  readonly defect_quantity: number
}

/** About 6,000 rows over five months, split by the cutover into 3 archive and 2 live months. */
const build = (overrides: Partial<GenerateOptions> = {}, dir = freshDir()) => {
  const options: GenerateOptions = {
    livePath: path.join(dir, "live.db"),
    archivePath: path.join(dir, "archive.db"),
    from: "2025-10-01",
    to: "2026-02-28",
    cutover: "2026-01-01",
    rowsPerDay: 40,
    seed: 7,
    ...overrides
  }
  const result = generateDataset(options)
  return { ...options, result }
}

const query = <A>(file: string, sql: string): Array<A> => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(sql).all() as Array<A>
  } finally {
    db.close()
  }
}
const rowsOf = (file: string): Array<Row> => query<Row>(file, "SELECT * FROM production_records ORDER BY id")
const withoutId = ({ id: _id, ...rest }: Row) => rest

const fixture = build()
const archiveRows = rowsOf(fixture.archivePath)
const liveRows = rowsOf(fixture.livePath)
const allRows = [...archiveRows, ...liveRows]

describe("generateDataset", () => {
  it("builds a few thousand rows and reports them per file", () => {
    expect(allRows.length).toBeGreaterThan(4000)
    expect(fixture.result.rows).toBe(allRows.length)
    expect(fixture.result.files.map((f) => [f.file, f.rows])).toEqual([
      ["archive", archiveRows.length],
      ["live", liveRows.length]
    ])
    for (const f of fixture.result.files) expect(f.bytes).toBe(fs.statSync(f.path).size)
  })

  it("is deterministic: the same seed gives identical rows in both files", () => {
    const again = build()
    expect(rowsOf(again.archivePath)).toEqual(archiveRows)
    expect(rowsOf(again.livePath)).toEqual(liveRows)
  })

  it("differs with a different seed", () => {
    const other = build({ seed: 8 })
    expect(rowsOf(other.archivePath)).not.toEqual(archiveRows)
    expect(rowsOf(other.livePath)).not.toEqual(liveRows)
  })

  it("makes each day depend only on (seed, date): a longer or later range keeps the days it shares", () => {
    const shorter = build({ to: "2026-01-31" })
    expect(rowsOf(shorter.archivePath)).toEqual(archiveRows)
    expect(rowsOf(shorter.livePath)).toEqual(liveRows.filter((r) => r.production_date <= "2026-01-31"))
    const later = build({ from: "2025-11-15" })
    expect(rowsOf(later.archivePath).map(withoutId)).toEqual(
      archiveRows.filter((r) => r.production_date >= "2025-11-15").map(withoutId)
    )
  })

  it("splits exactly at the cutover, ids ascending in date order per file", () => {
    expect(archiveRows.at(-1)!.production_date < fixture.cutover).toBe(true)
    expect(liveRows[0]!.production_date).toBe(fixture.cutover)
    expect(archiveRows[0]!.production_date).toBe(fixture.from)
    expect(liveRows.at(-1)!.production_date).toBe(fixture.to)
    for (const rows of [archiveRows, liveRows]) {
      rows.forEach((r, i) => {
        expect(r.id).toBe(i + 1)
        if (i > 0) expect(r.production_date >= rows[i - 1]!.production_date).toBe(true)
      })
    }
  })

  it("creates both files even when the range lies on one side of the cutover", () => {
    const onlyLive = build({ from: "2026-01-05", to: "2026-01-10" })
    expect(rowsOf(onlyLive.archivePath)).toEqual([])
    expect(rowsOf(onlyLive.livePath).length).toBeGreaterThan(0)
  })

  it("has fewer rows on weekends", () => {
    const perDay = new Map<string, number>()
    for (const r of allRows) perDay.set(r.production_date, (perDay.get(r.production_date) ?? 0) + 1)
    const avg = (weekend: boolean) => {
      const days = [...perDay].filter(([d]) => isWeekend(d) === weekend).map(([, n]) => n)
      return days.reduce((s, n) => s + n, 0) / days.length
    }
    expect(avg(true)).toBeLessThan(avg(false) * 0.5)
  })

  it("renames some items over time, by revision, never back", () => {
    const namesByItem = new Map<string, Array<string>>()
    for (const r of allRows) {
      const names = namesByItem.get(r.item_code) ?? []
      if (names.at(-1) !== r.item_name) names.push(r.item_name)
      namesByItem.set(r.item_code, names)
    }
    const renamed = [...namesByItem].filter(([, names]) => names.length > 1)
    expect(renamed.length).toBeGreaterThan(0)
    for (const [, names] of renamed) {
      expect(new Set(names).size).toBe(names.length) // no name comes back
      expect(names.at(-1)).toMatch(/ Rev [B-Z]$/)
    }
  })

  it("uses several lot formats, including lower case and underscores", () => {
    const lots = allRows.map((r) => r.lot_number)
    for (const format of [/^[A-Z]{3}\d{5}$/, /^L\d{4}-\d{2}-\d{2}-\d{4}$/, /^lot_\d{6}_\d{3}$/, /^[A-Z]{2}_\d{5}$/]) {
      expect(lots.some((l) => format.test(l))).toBe(true)
    }
    expect(lots.some((l) => /^[a-z]{3}\d{5}$/.test(l))).toBe(true)
    for (const r of allRows) {
      if (r.lot_number.startsWith("L2")) expect(r.lot_number.slice(1, 11)).toBe(r.production_date)
    }
  })

  it("has realistic items: ~500 stable codes, Zipf-like popularity, names with non-ASCII, % and _", () => {
    expect(ITEM_CATALOG.length).toBe(500)
    expect(new Set(ITEM_CATALOG.map((i) => i.code)).size).toBe(500)
    const baseNames = ITEM_CATALOG.map((i) => i.baseName)
    for (const name of SHOWCASE_NAMES) expect(baseNames.some((b) => name.startsWith(b))).toBe(true)
    for (const pattern of [/Ø/, /ø/, /µ/, /é/, /É/, /ß/, /%/, /_/])
      expect(baseNames.some((n) => pattern.test(n))).toBe(true)
    const names = [...new Set(allRows.map((r) => r.item_name))]
    for (const pattern of [/[^\x20-\x7e]/, /%/, /_/]) expect(names.some((n) => pattern.test(n))).toBe(true)
    const perItem = new Map<string, number>()
    for (const r of allRows) perItem.set(r.item_code, (perItem.get(r.item_code) ?? 0) + 1)
    const counts = [...perItem.values()].sort((a, b) => b - a)
    expect(counts[0]!).toBeGreaterThan(counts[Math.floor(counts.length / 2)]! * 20)
    expect(new Set(allRows.map((r) => r.line_code)).size).toBe(12)
  })

  it("keeps defects a small fraction of output", () => {
    const good = allRows.reduce((s, r) => s + r.good_quantity, 0)
    const defect = allRows.reduce((s, r) => s + r.defect_quantity, 0)
    expect(defect).toBeGreaterThan(0)
    expect(defect / good).toBeLessThan(0.05)
    expect(allRows.every((r) => r.good_quantity > 0 && r.defect_quantity >= 0)).toBe(true)
  })

  it("leaves plain un-migrated files: only the table, no indexes or triggers, journal_mode delete", () => {
    for (const file of [fixture.archivePath, fixture.livePath]) {
      expect(query(file, "SELECT type, name FROM sqlite_master")).toEqual([
        { type: "table", name: "production_records" }
      ])
      expect(query(file, "PRAGMA journal_mode")).toEqual([{ journal_mode: "delete" }])
      expect(query(file, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])
      for (const suffix of ["-wal", "-shm", "-journal"]) expect(fs.existsSync(file + suffix)).toBe(false)
    }
    expect(fs.readdirSync(path.dirname(fixture.livePath)).sort()).toEqual(["archive.db", "live.db"])
  })

  it("refuses existing files without force, and replaces them (and stale companions) with it", () => {
    const dir = freshDir()
    const small = { from: "2025-12-28", to: "2026-01-03", rowsPerDay: 10 }
    build(small, dir)
    const before = fs.readFileSync(path.join(dir, "live.db"))
    expect(() => build(small, dir)).toThrow(SeedError)
    expect(fs.readFileSync(path.join(dir, "live.db")).equals(before)).toBe(true)
    fs.writeFileSync(path.join(dir, "live.db-wal"), "stale")
    build({ ...small, force: true }, dir)
    expect(fs.existsSync(path.join(dir, "live.db-wal"))).toBe(false)
    expect(query(path.join(dir, "live.db"), "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])
  })

  effectIt.effect("generateDatasetEffect fails with a SeedError on bad options", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const error = yield* Effect.flip(
        generateDatasetEffect({
          livePath: path.join(dir, "live.db"),
          archivePath: path.join(dir, "archive.db"),
          from: "2026-02-30",
          to: "2026-03-01",
          cutover: "2026-01-01",
          rowsPerDay: 10,
          seed: 1
        })
      )
      expect(error._tag).toBe("SeedError")
      expect(error.message).toContain("--from")
      expect(fs.readdirSync(dir)).toEqual([])
    })
  )
})

describe("generateDatasetWith (progress as effects between the steps)", () => {
  const options = (dir: string) => ({
    livePath: path.join(dir, "live.db"),
    archivePath: path.join(dir, "archive.db"),
    from: "2025-11-01",
    to: "2026-01-31",
    cutover: "2026-01-01",
    rowsPerDay: 20,
    seed: 3
  })
  const kinds = (events: ReadonlyArray<SeedProgress>) =>
    events.map((e) =>
      e.kind === "month" ? `${e.file} ${e.month}` : e.kind === "file" ? `file ${e.summary.file}` : e.kind
    )

  effectIt.effect("writes what generateDataset writes, with the same progress, each event once its step is done", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const events: Array<SeedProgress> = []
      const result = yield* generateDatasetWith(options(dir), (event) =>
        Effect.sync(() => {
          events.push(event)
          // A file's event comes once the file is finished (in its temporary place until the end).
          if (event.kind === "file") expect(fs.existsSync(event.summary.path)).toBe(false)
        })
      )
      const plain: Array<SeedProgress> = []
      const twin = freshDir()
      generateDataset({ ...options(twin), onProgress: (e) => plain.push(e) })
      expect(kinds(events)).toEqual(kinds(plain))
      expect(kinds(events)).toEqual([
        "start",
        "archive 2025-11",
        "archive 2025-12",
        "file archive",
        "live 2026-01",
        "file live"
      ])
      expect(result.rows).toBe(rowsOf(path.join(twin, "live.db")).length + rowsOf(path.join(twin, "archive.db")).length)
      expect(rowsOf(path.join(dir, "live.db"))).toEqual(rowsOf(path.join(twin, "live.db")))
      expect(rowsOf(path.join(dir, "archive.db"))).toEqual(rowsOf(path.join(twin, "archive.db")))
    })
  )

  effectIt.live("interrupted between two steps, it leaves no file behind", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const fiber = yield* Effect.fork(
        generateDatasetWith(options(dir), (event) => (event.kind === "file" ? Effect.never : Effect.void))
      )
      while (fs.readdirSync(dir).length === 0) yield* Effect.sleep("5 millis")
      yield* Effect.sleep("50 millis")
      expect(yield* Fiber.interrupt(fiber)).toSatisfy(Exit.isInterrupted)
      expect(fs.readdirSync(dir)).toEqual([])
    })
  )
})

describe("scripts/seed.ts", () => {
  const cli = (...args: Array<string>) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/seed.ts", ...args], { cwd: repoRoot, encoding: "utf8" })

  it("prints help", () => {
    const run = cli("--help")
    expect(run.status).toBe(0)
    for (const flag of ["--rows-per-day", "--from", "--to", "--seed", "--live", "--archive", "--cutover", "--force"]) {
      expect(run.stdout).toContain(flag)
    }
  })

  it("writes the files, then refuses to overwrite them without --force", () => {
    const dir = freshDir()
    const args = ["--from", "2025-12-20", "--to", "2026-01-10", "--rows-per-day", "20", "--seed", "3"]
    const files = ["--live", path.join(dir, "live.db"), "--archive", path.join(dir, "archive.db")]
    const first = cli(...args, ...files)
    expect(first.status).toBe(0)
    expect(first.stdout.trim().split("\n")).toHaveLength(2)
    expect(first.stdout).toMatch(/^archive .*archive\.db: [\d,]+ rows, /m)
    expect(first.stderr).toMatch(/rows\/s/)
    const liveBefore = fs.readFileSync(path.join(dir, "live.db"))

    const refused = cli(...args, ...files)
    expect(refused.status).toBe(1)
    expect(refused.stderr.trim().split("\n")).toHaveLength(1)
    expect(refused.stderr).toContain("--force")
    expect(fs.readFileSync(path.join(dir, "live.db")).equals(liveBefore)).toBe(true)

    const forced = cli(...args, ...files, "--force")
    expect(forced.status).toBe(0)
    expect(rowsOf(path.join(dir, "live.db"))).toEqual(
      rowsOf(build({ from: "2025-12-20", to: "2026-01-10", rowsPerDay: 20, seed: 3 }).livePath)
    )
  })

  it("rejects bad flags with a one-line error", () => {
    const run = cli("--rows-per-day", "lots")
    expect(run.status).toBe(1)
    expect(run.stderr.trim()).toMatch(/^seed: invalid --rows-per-day/)
    expect(run.stderr.trim().split("\n")).toHaveLength(1)
  })
})
