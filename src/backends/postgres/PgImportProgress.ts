/**
 * The import's progress on stderr: a bar redrawn in place on a terminal, else a line every `everyBatches`
 * batches (logs and pipes get no carriage returns). Both say rows done of the total, rows/s and the ETA.
 */
import { Effect } from "effect"
import type { DbFile } from "../../domain/DbFile.js"

export interface ProgressOptions {
  readonly tty: boolean
  readonly everyBatches: number
  readonly write: (text: string) => void
}

const BAR_WIDTH = 30

const duration = (seconds: number) => {
  if (!Number.isFinite(seconds)) return "?"
  const s = Math.round(seconds)
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${s}s`
}

export const describeProgress = (done: number, total: number, elapsedMs: number) => {
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0
  const eta = rate > 0 ? Math.max(0, total - done) / rate : Infinity
  const percent = total > 0 ? Math.min(100, (done / total) * 100) : 100
  return {
    rate,
    eta,
    percent,
    text: `${done}/${total} rows (${percent.toFixed(1)}%), ${Math.round(rate)} rows/s, ETA ${duration(eta)}`
  }
}

/** A file's progress: `advance` after each committed batch, `end` once it is read. */
export const fileProgress = (file: DbFile, total: number, options: ProgressOptions) =>
  Effect.sync(() => {
    const started = performance.now()
    let done = 0
    let batches = 0
    let shown = -1
    const render = () => {
      const p = describeProgress(done, total, performance.now() - started)
      if (!options.tty) return `${file}: ${p.text}\n`
      const filled = Math.round((p.percent / 100) * BAR_WIDTH)
      return `\r${file} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${p.text}\u001b[K`
    }
    const show = () => {
      shown = done
      options.write(render())
    }
    return {
      advance: (rows: number) =>
        Effect.sync(() => {
          done += rows
          batches += 1
          if (options.tty || batches % options.everyBatches === 0) show()
        }),
      end: Effect.sync(() => {
        if (shown !== done || batches === 0) show()
        if (options.tty) options.write("\n")
      })
    }
  })
