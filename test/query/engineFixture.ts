import Database from "better-sqlite3"
import { Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { DbTargets } from "../../src/config/DbTargets.js"
import { PRODUCTION_RECORDS_DDL } from "../../src/backends/sqlite/db/BaseSchema.js"
import { type IsoDate, addDays } from "../../src/domain/IsoDate.js"
import { makeRng } from "../../src/seed/Prng.js"

export const CUTOVER = "2026-01-01" as IsoDate
export const FIRST_DATE = "2025-09-01" as IsoDate
export const LAST_DATE = "2026-04-30" as IsoDate

/** Names chosen to exercise the contract's `q` rules: case folding beyond ASCII, literal `%` and `_`. */
export const ITEM_NAMES = [
  "Hex Bolt M8x40",
  "Bracket Ø20 LH",
  "bracket ø20 rh",
  "Sealant 50% Mix",
  "Cover_LH",
  "Cover LH",
  "Straße Clip",
  "ÉCROU Flange",
  "Gasket µ5",
  'Shaft 1/2"'
]
export const LINES = ["L01", "L02", "L03", "L10", "l01"]
export const LOT_PREFIXES = ["ABC", "ABD", "AB_", "ab", "L2026-", "X%"]

export interface EngineFixture {
  readonly dir: string
  readonly livePath: string
  readonly archivePath: string
  /** Substrings worth searching for, and values worth filtering on. */
  readonly itemCodes: ReadonlyArray<string>
}

type Row = [string, string, string, string, string, number, number]

/**
 * Two un-migrated files with records from `FIRST_DATE` to `LAST_DATE` split at `cutover`, a few misfiled
 * records in each (which must never be returned), renamed items (names change over time: before the cutover,
 * and again after it, so a window's parts can disagree on an item's latest name), and dense days so pages cross
 * dates.
 */
export const makeEngineFixture = (
  seed: string,
  rowsPerDay = 12,
  cutover: IsoDate = CUTOVER,
  names: ReadonlyArray<string> = ITEM_NAMES
): EngineFixture => {
  const rng = makeRng(seed)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engines-"))
  const itemCodes = Array.from({ length: 14 }, (_, i) => `IT-${String(i).padStart(3, "0")}`)
  const nameOf = (code: string, date: string) => {
    const i = Number(code.slice(3))
    const base = names[i % names.length]!
    const revised = i % 4 === 0 && date >= "2025-12-15" ? `${base} Rev B` : base
    return i % 3 === 1 && date >= "2026-02-10" ? `${revised} (2026)` : revised
  }
  const live: Array<Row> = []
  const archive: Array<Row> = []
  for (let d = FIRST_DATE; d <= LAST_DATE; d = addDays(d, 1)) {
    const n = rng.int(0, rowsPerDay)
    for (let i = 0; i < n; i++) {
      const code = rng.pick(itemCodes)
      const lot = `${rng.pick(LOT_PREFIXES)}${rng.int(0, 999)}`
      const row: Row = [d, code, nameOf(code, d), lot, rng.pick(LINES), rng.int(0, 500), rng.int(0, 9)]
      const misfiled = rng.chance(0.02)
      ;(d >= cutover !== misfiled ? live : archive).push(row)
    }
  }
  const write = (file: string, rows: ReadonlyArray<Row>) => {
    const db = new Database(file)
    db.exec(PRODUCTION_RECORDS_DDL)
    const insert = db.prepare(
      `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
       VALUES (?, ?, ?, ?, ?, ?, ?)`
    )
    db.transaction(() => rows.forEach((r) => insert.run(...r)))()
    db.close()
  }
  const livePath = path.join(dir, "live.db")
  const archivePath = path.join(dir, "archive.db")
  write(livePath, live)
  write(archivePath, archive)
  return { dir, livePath, archivePath, itemCodes }
}

/** `DbTargets` over a fixture's two files, split at `cutover`. */
export const fixtureTargets = (files: EngineFixture, cutover: IsoDate = CUTOVER) =>
  Layer.succeed(
    DbTargets,
    DbTargets.make({
      live: { file: "live", path: files.livePath, explicit: true },
      archive: { file: "archive", path: files.archivePath, explicit: true },
      cutover,
      of: (file) => ({ file, path: file === "live" ? files.livePath : files.archivePath, explicit: true })
    })
  )
