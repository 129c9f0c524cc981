/**
 * The plant's twelve production lines and their lot-number conventions. Several formats coexist, as in a real
 * plant where lines came from different eras and suppliers; some hold lower-case letters or `_` (lot prefix
 * search is case-sensitive and literal, so `HX_` must not match `HXA…`, nor `HXA` match `hxa…`).
 */
import { type Rng } from "./Prng.js"

export type LotFormat =
  /** `HXA04213`: three upper-case letters, five digits. */
  | "prefix"
  /** `L2026-03-14-0042`: the production date and a per-day sequence shared by the lines using it. */
  | "dated"
  /** `lot_260314_042`: lower case, underscores, a per-line daily sequence. */
  | "snake"
  /** `HX_40213`: two letters, an underscore, five digits. */
  | "underscore"
  /** `hxa12345`: lower-case letters, five digits. */
  | "lower"

export interface ProductionLine {
  readonly code: string
  readonly lotFormat: LotFormat
  /** Letters of the `prefix`, `underscore` and `lower` formats. */
  readonly lotPrefix: string
  /** Scales the defect rate: some lines run worse than others. */
  readonly defectFactor: number
}

export const PRODUCTION_LINES: ReadonlyArray<ProductionLine> = [
  { code: "L01", lotFormat: "prefix", lotPrefix: "HXA", defectFactor: 1 },
  { code: "L02", lotFormat: "prefix", lotPrefix: "BRK", defectFactor: 0.8 },
  { code: "L03", lotFormat: "dated", lotPrefix: "", defectFactor: 1.1 },
  { code: "L04", lotFormat: "dated", lotPrefix: "", defectFactor: 0.9 },
  { code: "L05", lotFormat: "snake", lotPrefix: "", defectFactor: 1.3 },
  { code: "L06", lotFormat: "prefix", lotPrefix: "MXC", defectFactor: 0.7 },
  { code: "L07", lotFormat: "underscore", lotPrefix: "HX", defectFactor: 1.8 },
  { code: "L08", lotFormat: "dated", lotPrefix: "", defectFactor: 1 },
  { code: "L09", lotFormat: "lower", lotPrefix: "hxa", defectFactor: 1.2 },
  { code: "L10", lotFormat: "prefix", lotPrefix: "PRS", defectFactor: 0.9 },
  { code: "L11", lotFormat: "snake", lotPrefix: "", defectFactor: 1.4 },
  { code: "L12", lotFormat: "prefix", lotPrefix: "QCR", defectFactor: 0.6 }
]

/** Per-day state of the lot sequences (reset for every day). */
export interface LotCounters {
  dated: number
  readonly snake: Array<number>
}

export const newLotCounters = (): LotCounters => ({ dated: 0, snake: PRODUCTION_LINES.map(() => 0) })

const digits5 = (rng: Rng): string => String(Math.floor(rng.next() * 100000)).padStart(5, "0")

/** The next lot number of line `lineIndex` on `date` (`YYYY-MM-DD`). */
export const nextLotNumber = (lineIndex: number, date: string, rng: Rng, counters: LotCounters): string => {
  const line = PRODUCTION_LINES[lineIndex]!
  switch (line.lotFormat) {
    case "prefix":
    case "lower":
      return line.lotPrefix + digits5(rng)
    case "underscore":
      return `${line.lotPrefix}_${digits5(rng)}`
    case "dated":
      counters.dated += 1
      return `L${date}-${String(counters.dated).padStart(4, "0")}`
    case "snake": {
      const seq = (counters.snake[lineIndex] ?? 0) + 1
      counters.snake[lineIndex] = seq
      return `lot_${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}_${String(seq).padStart(3, "0")}`
    }
  }
}
