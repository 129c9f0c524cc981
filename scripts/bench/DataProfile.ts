import Database from "better-sqlite3"
import { statSync } from "node:fs"
import type { DbFile } from "../../src/domain/DbFile.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { makeRng } from "../../src/seed/Prng.js"
import type { BenchData } from "./DataPrep.js"

export interface FileProfile {
  readonly file: DbFile
  readonly rows: number
  readonly first: IsoDate
  readonly last: IsoDate
  readonly rawBytes: number
  readonly migratedBytes: number
}

/** What the request shapes and the workload are drawn from: dates, codes and search terms found in the data. */
export interface DataProfile {
  readonly files: ReadonlyArray<FileProfile>
  readonly rows: number
  readonly first: IsoDate
  /** The last date holding records: "today" of every window (all URLs name their dates). */
  readonly anchor: IsoDate
  readonly items: ReadonlyArray<{ readonly code: string; readonly name: string }>
  readonly lines: ReadonlyArray<string>
  readonly lotPrefixes: ReadonlyArray<string>
  readonly searchTerms: ReadonlyArray<string>
  /** Records per date, both files together (from the daily rollup). */
  readonly perDay: ReadonlyMap<string, number>
}

const SEARCH_WORDS = /[\p{L}\p{N}-]{3,}/gu

export const profileData = (data: BenchData): DataProfile => {
  const rng = makeRng("bench-profile")
  const files: Array<FileProfile> = []
  const items = new Map<string, string>()
  const lines = new Set<string>()
  const lots = new Set<string>()
  const perDay = new Map<string, number>()
  for (const file of ["live", "archive"] as const) {
    const db = new Database(data.migrated[file], { readonly: true, fileMustExist: true })
    try {
      const span = db
        .prepare(
          "SELECT count(*) AS n, min(production_date) AS a, max(production_date) AS b, max(id) AS m FROM production_records"
        )
        .get() as { n: number; a: IsoDate | null; b: IsoDate | null; m: number | null }
      if (span.n === 0 || span.a === null || span.b === null) continue
      files.push({
        file,
        rows: span.n,
        first: span.a,
        last: span.b,
        rawBytes: statSync(data.raw[file]).size,
        migratedBytes: statSync(data.migrated[file]).size
      })
      for (const r of db.prepare("SELECT item_code, item_name FROM items").all() as Array<Record<string, string>>)
        items.set(r.item_code!, r.item_name!)
      for (const r of db.prepare("SELECT line_code FROM lines").pluck().all() as Array<string>) lines.add(r)
      const lot = db.prepare("SELECT lot_number FROM production_records WHERE id = ?").pluck()
      for (let i = 0; i < 60; i++) {
        const value = lot.get(rng.int(1, span.m ?? 1)) as string | undefined
        if (value !== undefined) lots.add(value.slice(0, rng.int(3, 6)))
      }
      for (const r of db.prepare("SELECT period, cnt FROM rollup_day").all() as Array<{ period: string; cnt: number }>)
        perDay.set(r.period, (perDay.get(r.period) ?? 0) + r.cnt)
    } finally {
      db.close()
    }
  }
  if (files.length === 0) throw new Error("the data files hold no records")
  const words = new Set<string>()
  for (const name of items.values()) for (const w of name.toLowerCase().match(SEARCH_WORDS) ?? []) words.add(w)
  const sortedWords = [...words].sort()
  const searchTerms = [
    ...Array.from({ length: 12 }, () => rng.pick(sortedWords)),
    ...Array.from({ length: 4 }, () => rng.pick(sortedWords).slice(0, 2))
  ]
  return {
    files,
    rows: files.reduce((s, f) => s + f.rows, 0),
    first: files.map((f) => f.first).reduce((a, b) => (a < b ? a : b)),
    anchor: files.map((f) => f.last).reduce((a, b) => (a > b ? a : b)),
    items: [...items].map(([code, name]) => ({ code, name })).sort((a, b) => (a.code < b.code ? -1 : 1)),
    lines: [...lines].sort(),
    lotPrefixes: [...lots].sort(),
    searchTerms: [...new Set(searchTerms)],
    perDay
  }
}

/** The latest window (ending at the anchor) holding at least `rows` records, or all data when there are fewer. */
export const exportWindow = (profile: DataProfile, rows: number): { from: IsoDate; to: IsoDate; rows: number } => {
  const days = [...profile.perDay].sort((a, b) => (a[0] < b[0] ? 1 : -1))
  let total = 0
  let from = profile.anchor
  for (const [day, count] of days) {
    if (day > profile.anchor) continue
    total += count
    from = day as IsoDate
    if (total >= rows) break
  }
  return { from, to: profile.anchor, rows: total }
}
