import { Config, ConfigError, Either } from "effect"

/** A connection-level pragma and its value. `journal_mode=WAL` is not here: it is persistent, set by migration. */
export interface Pragma {
  readonly name: string
  readonly value: string | number
}

/**
 * What ships: `busy_timeout`, so that a reader waits out a writer's lock instead of failing. The rest of the seed
 * design's set stays out, as the benchmark's pragma table decided (docs/benchmark-notes.md): no gain measured, a
 * page cache the export's memory cap cannot afford on every connection, or (`mmap_size`) a process killed by a
 * mapped file truncated in place. `SQLITE_PRAGMAS` overrides the list.
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

/** The pragma set every connection of the service gets: `SQLITE_PRAGMAS`, or `DEFAULT_PRAGMAS` when unset. */
export const PragmaConfig: Config.Config<ReadonlyArray<Pragma>> = Config.string("SQLITE_PRAGMAS").pipe(
  Config.mapOrFail((spec) =>
    Either.try({ try: () => parsePragmas(spec), catch: (e) => ConfigError.InvalidData([], (e as Error).message) })
  ),
  Config.withDefault(DEFAULT_PRAGMAS)
)
