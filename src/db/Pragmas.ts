import { Config, ConfigError, Either } from "effect"

/** A connection-level pragma and its value. `journal_mode=WAL` is not here: it is persistent, set by migration. */
export interface Pragma {
  readonly name: string
  readonly value: string | number
}

/**
 * What ships, decided by the benchmark's pragma table (BENCHMARKS.md): `busy_timeout` for correctness (a reader
 * waits out a writer's exclusive lock instead of failing). A 16 MB `cache_size` showed no gain over SQLite's
 * 2 MB default once summaries read running totals (0.82-0.99x of its time without it on the heavy shapes), and
 * it cost up to 14 MB a connection against the export's 300 MB cap (two files on each of POOL_SIZE workers);
 * 64 MB is faster (1.3-1.5x) but four connections of it would take the cap's best part. `synchronous` (only
 * writes sync; every service connection reads) and `temp_store=MEMORY` showed no gain. `mmap_size` stays out
 * although faster: a mapped file truncated in place is SIGBUS, and the service must survive file faults.
 * `SQLITE_PRAGMAS` overrides the list.
 */
export const DEFAULT_PRAGMAS: ReadonlyArray<Pragma> = [{ name: "busy_timeout", value: 5000 }]

/** The seed design's set, as it was proposed: what the benchmark measures the shipped set against. */
export const SEED_DESIGN_PRAGMAS: ReadonlyArray<Pragma> = [
  { name: "cache_size", value: -64000 },
  { name: "mmap_size", value: 268435456 },
  { name: "busy_timeout", value: 5000 },
  { name: "synchronous", value: "NORMAL" },
  { name: "temp_store", value: "MEMORY" }
]

const pragmaName = /^[a-z_]+$/
const pragmaValue = /^(-?\d+|[A-Za-z]+)$/

/** Parses `name=value,name=value` (empty string: no pragmas). Names and values are checked: they become SQL text. */
export const parsePragmas = (spec: string): ReadonlyArray<Pragma> =>
  spec
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [name = "", value = ""] = part.split("=").map((s) => s.trim())
      if (!pragmaName.test(name) || !pragmaValue.test(value)) {
        throw new Error(`invalid pragma ${JSON.stringify(part)}: expected name=value`)
      }
      return { name, value: /^-?\d+$/.test(value) ? Number(value) : value }
    })

export const formatPragmas = (pragmas: ReadonlyArray<Pragma>): string =>
  pragmas.map((p) => `${p.name}=${p.value}`).join(",")

/** The statements that apply a pragma set to a fresh connection. */
export const pragmaStatements = (pragmas: ReadonlyArray<Pragma>): ReadonlyArray<string> =>
  pragmas.map((p) => `PRAGMA ${p.name} = ${p.value}`)

/** Anything with better-sqlite3's `pragma` method (a raw connection). */
interface PragmaTarget {
  pragma(source: string): unknown
}

export const applyPragmas = (db: PragmaTarget, pragmas: ReadonlyArray<Pragma>): void => {
  for (const p of pragmas) db.pragma(`${p.name} = ${p.value}`)
}

/** The pragma set every connection of the service gets, from `SQLITE_PRAGMAS` (default: the seed design's set). */
export const PragmaConfig: Config.Config<ReadonlyArray<Pragma>> = Config.string("SQLITE_PRAGMAS").pipe(
  Config.mapOrFail((spec) =>
    Either.try({ try: () => parsePragmas(spec), catch: (e) => ConfigError.InvalidData([], (e as Error).message) })
  ),
  Config.withDefault(DEFAULT_PRAGMAS)
)
