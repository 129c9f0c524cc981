import type { PreviousReport } from "./Previous.js"
import type { SavedResults } from "./Growth.js"
import type { PostgresResults } from "./ReportPostgres.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import type { CrossDbResult } from "./CrossDb.js"
import type { DataProfile } from "./DataProfile.js"
import type { ExportRun } from "./Export.js"
import type { HotPathResult } from "./HotPath.js"
import type { ShapeRun } from "./Latency.js"
import type { Machine } from "./Machine.js"
import type { MixedResult } from "./Mixed.js"
import type { BenchOptions } from "./Options.js"
import type { PragmaConfigResult } from "./Pragmas.js"
import type { ReadsUnderWritesResult } from "./ReadsUnderWrites.js"
import type { Endpoint } from "./Shapes.js"
import type { StartSample } from "./Startup.js"
import { median, percentile } from "./Stats.js"

/** Everything one run measured; the shape arrays are index-aligned (the same resolved shapes, in order). */
export interface BenchResults {
  readonly options: BenchOptions
  readonly command: string
  /** The sources measured (commit, and whether the work tree differed from it). */
  readonly revision: string
  readonly machine: Machine
  readonly loadAtEnd: string
  readonly date: string
  readonly totalS: number
  readonly dataDir: string | undefined
  readonly profile: DataProfile
  readonly cutover: IsoDate
  readonly baseline: ReadonlyArray<ShapeRun>
  readonly optimized: ReadonlyArray<ShapeRun>
  readonly cached: ReadonlyArray<ShapeRun>
  /** The bare `node:http` server's answer of each shape's body size, one connection. */
  readonly httpFloor: ReadonlyArray<ShapeRun>
  /** Statement time in-process per shape URL. */
  readonly dbFloor: ReadonlyMap<string, ReadonlyArray<number>>
  readonly hotPath: HotPathResult
  readonly mixed: MixedResult
  readonly readsUnderWrites: ReadsUnderWritesResult
  readonly crossDb: CrossDbResult
  readonly exportPath: string
  readonly exportRuns: ReadonlyArray<ExportRun>
  /** The optimized server's `RssAnon` right after it started serving, bytes. */
  readonly anonAtStart: number
  readonly starts: ReadonlyArray<StartSample>
  readonly pragmaShapes: ReadonlyArray<string>
  readonly pragmas: ReadonlyArray<PragmaConfigResult>
  /** The report at `--out` before this run overwrote it, if it was one of ours. */
  readonly previous: PreviousReport | undefined
  /** `--backend postgres`: the PostgreSQL service measured beside the SQLite one. */
  readonly postgres: PostgresResults | undefined
  /** `--compare-with`: the earlier run this one's p50s are compared with. */
  readonly compared: SavedResults | undefined
}

export const clientMs = (run: ShapeRun): ReadonlyArray<number> => run.samples.map((s) => s.ms)
export const dbMs = (run: ShapeRun): ReadonlyArray<number> =>
  run.samples.flatMap((s) => (s.dbMs === undefined ? [] : [s.dbMs]))

/** p50 and p99 over every sample of the endpoint's shapes. */
export const endpointStats = (
  runs: ReadonlyArray<ShapeRun>,
  endpoint: Endpoint,
  values: (run: ShapeRun) => ReadonlyArray<number> = clientMs
): { readonly p50: number; readonly p99: number; readonly n: number } => {
  const all = runs.filter((r) => r.shape.endpoint === endpoint).flatMap(values)
  return { p50: percentile(all, 50), p99: percentile(all, 99), n: all.length }
}

/** The seed design's target for an uncached answer: 5 ms up to 1,000 rows, +2 µs a row beyond; 2 ms a page. */
export const uncachedLimitMs = (endpoint: Endpoint, rows: number): number =>
  endpoint === "records" ? 2 : 5 + Math.max(0, rows - 1000) * 0.002

export const shapeP50 = (run: ShapeRun | undefined): number => (run === undefined ? NaN : median(clientMs(run)))

/** Whether a URL's window (`from`, `to`) lies on one side of the cutover; false for URLs without one. */
const windowInOneFile = (url: string, cutover: IsoDate): boolean => {
  const params = new URLSearchParams(url.slice(url.indexOf("?") + 1))
  const [from, to] = [params.get("from"), params.get("to")]
  return from !== null && to !== null && (to < cutover || from >= cutover)
}

/** One shape against its uncached limit and the least any server, or this service, could take for it. */
export interface ShapeVerdict {
  readonly run: ShapeRun
  readonly p50: number
  readonly limit: number
  readonly dbFloor: number
  /** db floor + HTTP floor: the statements alone in process, one after the other, plus a bare server sending the same bytes. */
  readonly floors: number
  /** Whether the window lies in one file: only then do the floors bound the service (one statement at a time). */
  readonly oneFile: boolean
  /**
   * The floors plus the service's least per-request cost: what this architecture could take at best. Only for a
   * window in one file: across both, the db floor sums statements the service runs at once, so it bounds nothing.
   */
  readonly reachable: number | undefined
  /** Why a miss could not be met, where the run shows it: its floors, or its floors plus the least cost. */
  readonly outOfReach: "floors" | "floors + least cost" | undefined
}

/**
 * Each shape's verdict. The service's least per-request cost is the smallest `p50 − floors` among the shapes
 * whose window lies in one file (one statement, so the db floor is its statement's own time; where the service
 * runs two files' statements at once, their sum overstates the floor): what every request spends around its
 * statement (the worker hop, the request's fiber, the response). A shape whose floors plus that cost exceed its
 * limit cannot meet it without taking the statement off the worker threads.
 */
export const shapeVerdicts = (
  r: BenchResults
): { readonly overhead: number; readonly shapes: ReadonlyArray<ShapeVerdict> } => {
  const base = r.optimized.map((run, k) => {
    const dbFloor = median(r.dbFloor.get(run.shape.url) ?? [])
    return {
      run,
      p50: shapeP50(run),
      limit: uncachedLimitMs(run.shape.endpoint, run.rows),
      dbFloor,
      floors: dbFloor + shapeP50(r.httpFloor[k])
    }
  })
  const oneFile = base.filter((s) => windowInOneFile(s.run.shape.url, r.cutover))
  const overhead = Math.max(0, Math.min(...oneFile.map((s) => s.p50 - s.floors).filter(Number.isFinite)))
  return {
    overhead,
    shapes: base.map((s) => {
      const single = oneFile.includes(s)
      const reachable = single ? s.floors + overhead : undefined
      const outOfReach =
        s.p50 <= s.limit || reachable === undefined || reachable <= s.limit
          ? undefined
          : s.floors > s.limit
            ? "floors"
            : "floors + least cost"
      return { ...s, oneFile: single, reachable, outOfReach }
    })
  }
}

/** How the service's processes were started in this run. */
export const serviceCommand = (r: BenchResults): string =>
  r.options.fromSource
    ? "`node --import tsx src/main.ts`"
    : "`node .bench/app/main.mjs`, the current sources bundled as `npm start` runs `dist/main.mjs`"
