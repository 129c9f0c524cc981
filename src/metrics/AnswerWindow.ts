/** The contract's figures for one query name (`/metrics/performance`). */
export interface QueryPerformance {
  /** Every answer since the service started. */
  readonly count: number
  /** Over the most recent `WINDOW_SIZE` answers, milliseconds rounded to 3 decimals. */
  readonly avg_ms: number
  readonly p50_ms: number
  readonly p99_ms: number
  /** Percentage (0–100, rounded to 2 decimals) of the most recent answers served from the cache. */
  readonly cache_hit_rate: number
}

export const WINDOW_SIZE = 1000

const round = (value: number, decimals: number): number => {
  const scale = 10 ** decimals
  return Math.round(value * scale) / scale
}

/** Nearest rank: the smallest sample with at least `q` of the samples at or below it. */
const quantile = (sorted: Float64Array, q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!

/**
 * The most recent answers of one query name, by count. Effect's `Metric.summary` cannot stand in for it: its
 * count and sum are all-time, its window scan skips one slot of the ring, and its quantiles are approximate
 * (1..10 gives p50 4, p99 8). Recording is two array writes; the figures are computed when read.
 */
export class AnswerWindow {
  private readonly durations: Float64Array
  private readonly served: Uint8Array
  private next = 0
  private filled = 0
  private total = 0

  constructor(readonly size: number = WINDOW_SIZE) {
    this.durations = new Float64Array(size)
    this.served = new Uint8Array(size)
  }

  get count(): number {
    return this.total
  }

  record(durationMs: number, fromCache: boolean): void {
    this.durations[this.next] = durationMs
    this.served[this.next] = fromCache ? 1 : 0
    this.next = this.next + 1 === this.size ? 0 : this.next + 1
    if (this.filled < this.size) this.filled++
    this.total++
  }

  /** `undefined` until the first answer. */
  performance(): QueryPerformance | undefined {
    const n = this.filled
    if (n === 0) return undefined
    const sorted = this.durations.slice(0, n).sort()
    let sum = 0
    let servedCount = 0
    for (let i = 0; i < n; i++) {
      sum += sorted[i]!
      servedCount += this.served[i]!
    }
    return {
      count: this.total,
      avg_ms: round(sum / n, 3),
      p50_ms: round(quantile(sorted, 0.5), 3),
      p99_ms: round(quantile(sorted, 0.99), 3),
      cache_hit_rate: round((servedCount / n) * 100, 2)
    }
  }
}
