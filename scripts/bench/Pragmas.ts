import {
  DEFAULT_PRAGMAS,
  type Pragma,
  SEED_DESIGN_PRAGMAS,
  formatPragmas
} from "../../src/backends/sqlite/db/Pragmas.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { balancedHalves, RAW_BY_ITEM_SQL } from "./CrossDb.js"
import type { DataFiles } from "./DataPrep.js"
import { WORKER_OPTIONS } from "./DbFloor.js"
import { type InProcessEngine, makeInProcessEngine } from "./InProcessEngine.js"
import { breathe, progress } from "./Progress.js"
import { median } from "./Stats.js"

export interface PragmaShape {
  readonly label: string
  readonly run: (engine: InProcessEngine) => Promise<number>
}

/** A shape read through the optimized engine's statements for a URL. */
export const urlShape = (label: string, url: string): PragmaShape => ({ label, run: (e) => e.statementMs(url) })

/** The heavy raw-rows shape of the cross-DB comparison, both halves one after the other. */
export const rawByItemShape = (cutover: IsoDate): PragmaShape => ({
  label: "by-item from raw rows, 12 months",
  run: async (e) => {
    let total = 0
    for (const h of balancedHalves(cutover)) total += await e.sqlMs(h.file, RAW_BY_ITEM_SQL, [h.from, h.to])
    return total
  }
})

export interface PragmaConfigResult {
  /** The pragma switched relative to the default set (`undefined`: the default set itself). */
  readonly pragma: Pragma | undefined
  /** `off`: the pragma left out of the shipped set; `on`: a seed-design pragma the set lacks, swapped in. */
  readonly change: "default" | "off" | "on"
  readonly pragmas: string
  /** Median statement time per shape label, ms. */
  readonly medians: ReadonlyMap<string, number>
}

interface Config {
  readonly pragma: Pragma | undefined
  readonly change: PragmaConfigResult["change"]
  readonly set: ReadonlyArray<Pragma>
}

/** The seed design's pragmas the service does not ship as they are (left out, or with another value). */
const notShipped = SEED_DESIGN_PRAGMAS.filter(
  (p) => !DEFAULT_PRAGMAS.some((q) => q.name === p.name && q.value === p.value)
)

const configs = (): ReadonlyArray<Config> => [
  { pragma: undefined, change: "default", set: DEFAULT_PRAGMAS },
  ...DEFAULT_PRAGMAS.map((p) => ({ pragma: p, change: "off" as const, set: DEFAULT_PRAGMAS.filter((q) => q !== p) })),
  ...notShipped.map((p) => ({
    pragma: p,
    change: "on" as const,
    set: [...DEFAULT_PRAGMAS.filter((q) => q.name !== p.name), p]
  }))
]

/** Why a pragma of the seed design that measures faster still does not ship. */
const NOT_SHIPPED_BECAUSE: Readonly<Record<string, string>> = {
  mmap_size: "a mapped file truncated in place kills the process (SIGBUS)",
  cache_size:
    "memory: 64 MB a connection on 2 files × POOL_SIZE workers is 256 MB with 2 workers, against the export's 300 MB cap"
}

/**
 * Each pragma of the default set switched off (one at a time, the others kept), and mmap switched on, on heavy
 * uncached shapes: the statements run in this process on connections opened as the workers open theirs, every
 * configuration with its own connections, passes interleaved across configurations, one warm-up pass.
 */
export const measurePragmas = async (
  files: DataFiles,
  cutover: IsoDate,
  today: IsoDate,
  shapes: ReadonlyArray<PragmaShape>,
  repeats: number
): Promise<ReadonlyArray<PragmaConfigResult>> => {
  const list = configs()
  const engines: Array<InProcessEngine> = []
  try {
    for (const c of list) {
      const options = { ...WORKER_OPTIONS, pragmas: c.set, allowMmap: c.change === "on" }
      engines.push(await makeInProcessEngine(files, cutover, today, options))
    }
    const samples = list.map(() => new Map<string, Array<number>>(shapes.map((s) => [s.label, []])))
    for (let pass = 0; pass <= repeats; pass++) {
      // Each pass starts at another configuration, so none is always measured first.
      for (let k = 0; k < list.length; k++) {
        const i = (k + pass) % list.length
        for (const shape of shapes) {
          await breathe()
          const ms = await shape.run(engines[i]!)
          if (pass > 0) samples[i]!.get(shape.label)!.push(ms)
        }
      }
      if (pass > 0)
        progress(`pragmas: pass ${pass}/${repeats} of ${list.length} configurations × ${shapes.length} shapes`)
    }
    return list.map((c, i) => ({
      pragma: c.pragma,
      change: c.change,
      pragmas: formatPragmas(c.set),
      medians: new Map([...samples[i]!].map(([label, values]) => [label, median(values)]))
    }))
  } finally {
    for (const e of engines) await e.close()
  }
}

const NOTES: Readonly<Record<string, string>> = {
  busy_timeout:
    "it is there for correctness: a reader waits out a writer's exclusive lock (journal switch, WAL recovery) instead of failing at once",
  synchronous: "only writes sync to disk; every service connection is read-only",
  temp_store: "matters only where a statement builds a temp b-tree (sorts, GROUP BY without an index)",
  cache_size: "per connection; each worker keeps its connections open"
}

/** Minimum effect counted as real: timings on the shared 2-core machine drift by several per cent. */
const MARGIN = 1.1

/** Shapes of a millisecond or two drift by tens of per cent here; they count only when no shape is heavier. */
const HEAVY_MS = 2

/**
 * The verdict on one switched pragma from its effect per heavy shape (time without it / time with it): it earns
 * its place when some shape is faster by the margin with it and none slower by the margin.
 */
export const verdict = (result: PragmaConfigResult, base: PragmaConfigResult): string => {
  const name = result.pragma?.name ?? ""
  const all = [...base.medians].map(([label, withDefault]) => ({
    withDefault,
    switched: result.medians.get(label) ?? NaN
  }))
  const heavy = all.filter((x) => x.withDefault >= HEAVY_MS)
  const effects = (heavy.length > 0 ? heavy : all).map((x) =>
    result.change === "off" ? x.switched / x.withDefault : x.withDefault / x.switched
  )
  const best = Math.max(...effects)
  const worst = Math.min(...effects)
  const helps = best >= MARGIN && worst > 1 / MARGIN
  const effect = `with it ${best.toFixed(2)}× at best, ${worst.toFixed(2)}× at worst on the shapes of ≥ ${HEAVY_MS} ms`
  if (result.change === "on") {
    const because = NOT_SHIPPED_BECAUSE[name]
    if (!helps) return `not shipped: no clear gain (${effect})${because === undefined ? "" : `; and ${because}`}`
    return because === undefined
      ? `earns its place (${effect}): ship it`
      : `not shipped although faster (${effect}): ${because}`
  }
  const note = NOTES[name] === undefined ? "" : `; ${NOTES[name]}`
  if (helps) return `keep: faster ${effect}${note}`
  if (name === "busy_timeout") return `keep: no clear speed effect (${effect})${note}`
  return `drop: no clear gain (${effect})${note}`
}
