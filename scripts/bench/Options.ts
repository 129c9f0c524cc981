import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"

export interface Scale {
  readonly rowsPerDay: number
  readonly from: string
  readonly to: string
}

export interface BenchOptions {
  readonly quick: boolean
  readonly out: string
  readonly chart: string
  readonly durationS: number
  readonly connections: number
  readonly repeats: number
  /** Timed passes over every shape for the optimized service (cache off and on) and the HTTP floor. */
  readonly samples: number
  /** Untimed passes before those. */
  readonly warmPasses: number
  /** Undefined in a quick run without `--data-dir`: it seeds a temp dir of its own. */
  readonly dataDir: string | undefined
  readonly scale: Scale
  readonly distinctUrls: number
  readonly fromSource: boolean
  /** `postgres`: a PostgreSQL service measured beside the SQLite one (§6). */
  readonly backend: "sqlite" | "postgres"
  /** The PostgreSQL cluster's folder; undefined: `<data dir>/pg`. */
  readonly pgDir: string | undefined
  /** No baseline service (its full scans take most of a run at scale). */
  readonly skipBaseline: boolean
  /** The results file of an earlier run, to report how each shape's p50 grew (§7). */
  readonly compareWith: string | undefined
}

/** Untimed passes over the shapes before the timed ones (statements cached, pages read, code optimized by the JIT). */
const WARM_PASSES = 5

const FULL_SCALE: Scale = { rowsPerDay: 3000, from: "2024-01-01", to: "2026-11-27" }
const QUICK_SCALE: Scale = { rowsPerDay: 50, from: "2025-01-01", to: "2026-03-31" }

export const HELP = `Usage: npm run bench -- [options]
       node --import tsx scripts/bench.ts [options]

Measures the service against the baseline and the floors of the performance spec, in one process tree, and
writes a Markdown report with every comparison table, the targets with pass/fail, the machine and the exact
command, the per-shape results as JSON beside it (REPORT.json, for --compare-with), plus one SVG chart (baseline vs optimized vs floors per endpoint, log scale).

Steps: data (built once, cached) → bundles of the current sources (.bench/app, .bench/worker) → the optimized
service with the cache off and on, the HTTP floor and the database floor (in process) side by side: pass by
pass, each in turn asked every shape (latency per shape), then export (cache off), hot path vs bare
node:http and the mixed workload (cache on) → reads under writes: the mixed workload (cache on) on a copy
of the live file while an outside loader process commits a record dated today every 200 ms (each through
a connection of its own) and a probe times each commit's first answer → in process: pragmas, cross-DB
halves through the read pool → baseline (reference engine on the un-migrated copies) → start-up spawns →
report. Servers are child processes on loopback ports; load comes from autocannon's programmatic API.
A full run on the benchmark-scale data took 6-7 minutes here (--repeats 3), most of it the baseline's scans,
before reads under writes was added: it adds a copy of the live file, a warm-up and --repeats runs.

Options:
  --quick            smoke run (< 1 min): seeds small data into a temp dir, 2 s loads, 1 repeat
  --backend B        sqlite: the SQLite service only; postgres: also a PostgreSQL cluster (the system's
                     server binaries, initdb'd beside the data, see --pg-dir), migrated with npm run migrate
                     -- --postgres and filled with npm run import from the un-migrated files, and the service
                     on it (QUERY_BACKEND=postgres, cache off) timed in the same passes as the SQLite service,
                     plus one mixed-workload run on it (cache on): report §6 [sqlite]
  --pg-dir DIR       the PostgreSQL cluster's folder, kept between runs and rebuilt when the data, the schema
                     or the server change [<data dir>/pg]
  --skip-baseline    no baseline (its scans take minutes a shape at ~30 M rows); its columns show –
  --compare-with F   the results file (.json beside the report) of an earlier run, e.g. on 10× less data:
                     report §7 gives each shape's p50 then and now, per backend
  --from-source      run the service as node --import tsx src/main.ts instead of its bundle (as npm start
                     runs it; the bench bundles the current sources into .bench/app/ first)
  --out FILE         report path [BENCHMARKS.md; quick: a temp file]
  --chart FILE       chart path [the report's path with .svg instead of .md]
  --duration S       seconds of each load run (the mixed workload, alone and under writes); warm-ups and the
                     hot path take a quarter and a half [20; quick 2]
  --connections N    connections of the load runs [100]
  --repeats N        repeats of every measurement; the report gives medians [5; quick 1]
  --samples N        timed passes over the shapes for the optimized service and the HTTP floor, after
                     ${WARM_PASSES} untimed ones (quick: 1; the baseline's requests take seconds: it gets --repeats
                     after one) [25; quick 2]
  --distinct N       distinct URLs in the mixed workload (alone and under writes) [300; quick 60]
  --data-dir DIR     data cache [./.bench/data; quick: a temp dir]. Holds raw/live.db, raw/archive.db
                     (un-migrated, for the baseline) and migrated/live.db, migrated/archive.db. Whatever is
                     absent is built: raw by the seed generator, migrated as a copy of raw, then migrated.
                     Copies or hard links of existing files skip the build.
  --rows-per-day N   scale of data built here [${FULL_SCALE.rowsPerDay}; quick ${QUICK_SCALE.rowsPerDay}]
  --from DATE        first date of data built here [${FULL_SCALE.from}; quick ${QUICK_SCALE.from}]
  --to DATE          last date of data built here [${FULL_SCALE.to}; quick ${QUICK_SCALE.to}]
  -h, --help         this text`

const positive = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got ${value}`)
  return n
}

const date = (flag: string, value: string | undefined, fallback: string): string => {
  if (value === undefined) return fallback
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error(`--${flag} must be YYYY-MM-DD, got ${value}`)
  return value
}

/** Parses the command line; `undefined` when `--help` was asked for. */
export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions | undefined => {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean" },
      "from-source": { type: "boolean" },
      out: { type: "string" },
      chart: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      repeats: { type: "string" },
      samples: { type: "string" },
      distinct: { type: "string" },
      "data-dir": { type: "string" },
      "rows-per-day": { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      backend: { type: "string" },
      "pg-dir": { type: "string" },
      "skip-baseline": { type: "boolean" },
      "compare-with": { type: "string" },
      help: { type: "boolean", short: "h" }
    }
  })
  if (v.help === true) return undefined
  const quick = v.quick === true
  const base = quick ? QUICK_SCALE : FULL_SCALE
  const backend = v.backend ?? "sqlite"
  if (backend !== "sqlite" && backend !== "postgres")
    throw new Error(`--backend must be sqlite or postgres, got ${backend}`)
  const out = v.out ?? (quick ? join(tmpdir(), `bench-quick-${process.pid}.md`) : "BENCHMARKS.md")
  return {
    quick,
    out,
    chart: v.chart ?? `${out.replace(/\.md$/i, "")}.svg`,
    durationS: positive("duration", v.duration, quick ? 2 : 20),
    connections: Math.round(positive("connections", v.connections, 100)),
    repeats: Math.round(positive("repeats", v.repeats, quick ? 1 : 5)),
    samples: Math.round(positive("samples", v.samples, quick ? 2 : 25)),
    warmPasses: quick ? 1 : WARM_PASSES,
    distinctUrls: Math.round(positive("distinct", v.distinct, quick ? 60 : 300)),
    fromSource: v["from-source"] === true,
    backend,
    pgDir: v["pg-dir"],
    skipBaseline: v["skip-baseline"] === true,
    compareWith: v["compare-with"],
    dataDir: v["data-dir"] ?? (quick ? undefined : ".bench/data"),
    scale: {
      rowsPerDay: Math.round(positive("rows-per-day", v["rows-per-day"], base.rowsPerDay)),
      from: date("from", v.from, base.from),
      to: date("to", v.to, base.to)
    }
  }
}
