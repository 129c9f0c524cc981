import { type SeedFileSummary, type SeedProgress, type SeedResult } from "./GenerateDataset.js"

const count = (n: number): string => Math.round(n).toLocaleString("en-US")

const size = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`

/** One progress line (per generated month). */
export const formatProgress = (event: Extract<SeedProgress, { kind: "month" }>): string =>
  `${event.file.padEnd(7)} ${event.month}  ${count(event.monthRows).padStart(9)} rows` +
  `  total ${count(event.totalRows).padStart(11)}  ${count(event.rowsPerSecond).padStart(9)} rows/s`

/** The summary line of one finished file. */
export const formatFileSummary = (s: SeedFileSummary): string =>
  `${s.file} ${s.path}: ${count(s.rows)} rows, ${size(s.bytes)} (${count(s.bytes)} bytes), ${s.seconds.toFixed(2)} s`

export const formatTotal = (r: SeedResult): string =>
  `seeded ${count(r.rows)} rows in ${r.seconds.toFixed(2)} s (${count(r.rows / Math.max(r.seconds, 1e-6))} rows/s)`
