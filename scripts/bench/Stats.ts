/** Nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const sum = (values: ReadonlyArray<number>): number => values.reduce((s, v) => s + v, 0)

/** Milliseconds with three significant digits at most, e.g. 0.412, 12.3, 1530. */
export const ms = (value: number): string => {
  if (!Number.isFinite(value)) return "–"
  if (value >= 100) return Math.round(value).toLocaleString("en-US")
  return value >= 10 ? value.toFixed(1) : value.toFixed(value >= 1 ? 2 : 3)
}

export const ratio = (value: number): string => {
  if (!Number.isFinite(value)) return "–"
  if (value >= 100) return `${Math.round(value).toLocaleString("en-US")}×`
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`
}

export const int = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–")

export const pct = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} %` : "–")

export const mb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MB` : "–")
