import { Effect } from "effect"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { DEMO_DEFAULTS } from "./DemoData.js"
import { type GenerateOptions, SeedError } from "./GenerateDataset.js"

/** The seed CLI's flags as given (absent flags are left to the defaults). */
export interface SeedArgs {
  readonly help: boolean
  readonly force: boolean
  readonly rowsPerDay?: number
  readonly from?: string
  readonly to?: string
  readonly seed?: number
  readonly cutover?: string
  readonly live?: string
  readonly archive?: string
  readonly out?: string
}

export const SEED_HELP = `Usage: tsx scripts/seed.ts [options]

Generates deterministic demo / benchmark production records into the live and the archive SQLite file:
records dated on or after the cutover go to the live file, older ones to the archive. Each day's records depend
only on (seed, date), so extending --to never changes earlier days. The files are written as a plant's are before
migration: only the production_records table, no indexes, rollback journal (journal_mode=delete).

Options:
  --rows-per-day N   average records per day over a week (weekends and holidays get fewer) [${DEMO_DEFAULTS.rowsPerDay}]
  --from DATE        first production date, YYYY-MM-DD [${DEMO_DEFAULTS.from}]
  --to DATE          last production date, YYYY-MM-DD [today, UTC]
  --seed N           integer seed of the generator [${DEMO_DEFAULTS.seed}]
  --cutover DATE     first date of the live file [CUTOVER_DATE, else 2026-01-01]
  --live PATH        live file [LIVE_DB_PATH, else ./data/production_analysis.db]
  --archive PATH     archive file [ARCHIVE_DB_PATH, else ./data/archive_2025.db]
  --out DIR          put both files in DIR under their default names (--live / --archive still win)
  --force            replace files that exist (without it, an existing file is refused)
  -h, --help         show this help

Progress goes to stderr; one summary line per file (rows, size, seconds) goes to stdout.
Benchmark scale: --rows-per-day 3000 --from 2024-01-01 --to 2026-11-27 (about 3.2 million rows).`

const integer = (flag: string, value: string | undefined, min: number): number | undefined => {
  if (value === undefined) return undefined
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min) {
    throw new SeedError({ message: `invalid --${flag} ${JSON.stringify(value)}: expected an integer >= ${min}` })
  }
  return n
}

/** Parses the command line (without `node` and the script). Fails with a one-line `SeedError`. */
export const parseSeedArgs = (argv: ReadonlyArray<string>): Effect.Effect<SeedArgs, SeedError> =>
  Effect.try({
    try: (): SeedArgs => {
      const { values: v } = parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
          "rows-per-day": { type: "string" },
          from: { type: "string" },
          to: { type: "string" },
          seed: { type: "string" },
          cutover: { type: "string" },
          live: { type: "string" },
          archive: { type: "string" },
          out: { type: "string" },
          force: { type: "boolean" },
          help: { type: "boolean", short: "h" }
        }
      })
      const rowsPerDay = integer("rows-per-day", v["rows-per-day"], 0)
      const seed = integer("seed", v.seed, Number.MIN_SAFE_INTEGER)
      return {
        help: v.help === true,
        force: v.force === true,
        ...(rowsPerDay === undefined ? {} : { rowsPerDay }),
        ...(seed === undefined ? {} : { seed }),
        ...(v.from === undefined ? {} : { from: v.from }),
        ...(v.to === undefined ? {} : { to: v.to }),
        ...(v.cutover === undefined ? {} : { cutover: v.cutover }),
        ...(v.live === undefined ? {} : { live: v.live }),
        ...(v.archive === undefined ? {} : { archive: v.archive }),
        ...(v.out === undefined ? {} : { out: v.out })
      }
    },
    catch: (e) =>
      e instanceof SeedError
        ? e
        : new SeedError({ message: (e instanceof Error ? e.message : String(e)).split("\n")[0]! })
  })

/** The defaults the flags fall back on: the configured files and cutover, and today's date. */
export interface SeedDefaults {
  readonly livePath: string
  readonly archivePath: string
  readonly cutover: string
  readonly today: string
}

export const resolveSeedOptions = (args: SeedArgs, defaults: SeedDefaults): GenerateOptions => {
  const inOut = (p: string) => (args.out === undefined ? p : path.join(args.out, path.basename(p)))
  return {
    livePath: args.live ?? inOut(defaults.livePath),
    archivePath: args.archive ?? inOut(defaults.archivePath),
    from: args.from ?? DEMO_DEFAULTS.from,
    to: args.to ?? defaults.today,
    cutover: args.cutover ?? defaults.cutover,
    rowsPerDay: args.rowsPerDay ?? DEMO_DEFAULTS.rowsPerDay,
    seed: args.seed ?? DEMO_DEFAULTS.seed,
    force: args.force
  }
}
