import { Data, Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { type DbFile } from "../domain/DbFile.js"
import { type IsoDate, addDays, isIsoDate } from "../domain/IsoDate.js"
import { makeRecordGenerator } from "./RecordGenerator.js"
import { type SeedFileWriter, openSeedFile } from "./SeedWriter.js"

/** What to generate and where. Records dated on/after `cutover` go to `livePath`, older ones to `archivePath`. */
export interface GenerateOptions {
  readonly livePath: string
  readonly archivePath: string
  /** First and last production dates, `YYYY-MM-DD`, inclusive. */
  readonly from: string
  readonly to: string
  readonly cutover: string
  /** Average rows per day over a week (weekdays get more, weekends and holidays fewer). */
  readonly rowsPerDay: number
  readonly seed: number
  /** Replace files that exist (default: refuse). */
  readonly force?: boolean
  readonly onProgress?: (event: SeedProgress) => void
}

export interface SeedFileSummary {
  readonly file: DbFile
  readonly path: string
  readonly rows: number
  readonly bytes: number
  readonly seconds: number
}

export type SeedProgress =
  /** The options are valid and generation begins. */
  | { readonly kind: "start" }
  | {
      readonly kind: "month"
      readonly file: DbFile
      readonly month: string
      readonly monthRows: number
      readonly totalRows: number
      readonly rowsPerSecond: number
    }
  | { readonly kind: "file"; readonly summary: SeedFileSummary }

export interface SeedResult {
  /** Archive first, then live. */
  readonly files: ReadonlyArray<SeedFileSummary>
  readonly rows: number
  readonly seconds: number
}

export class SeedError extends Data.TaggedError("SeedError")<{ readonly message: string }> {}

const fail = (message: string): never => {
  throw new SeedError({ message })
}

const validate = (o: GenerateOptions): void => {
  for (const [flag, value] of [
    ["from", o.from],
    ["to", o.to],
    ["cutover", o.cutover]
  ] as const) {
    if (!isIsoDate(value)) fail(`invalid --${flag} ${JSON.stringify(value)}: expected a calendar date YYYY-MM-DD`)
  }
  if (o.from > o.to) fail(`--from ${o.from} is after --to ${o.to}`)
  if (!Number.isSafeInteger(o.rowsPerDay) || o.rowsPerDay < 0) fail(`invalid --rows-per-day ${o.rowsPerDay}`)
  if (!Number.isSafeInteger(o.seed)) fail(`invalid --seed ${o.seed}: expected an integer`)
  if (path.resolve(o.livePath) === path.resolve(o.archivePath))
    fail(`live and archive are the same file: ${o.livePath}`)
  if (o.force !== true) {
    for (const p of [o.livePath, o.archivePath]) {
      if (fs.existsSync(p)) fail(`refusing to overwrite ${p}: it exists (use --force to replace it)`)
    }
  }
}

const seconds = (since: number): number => (performance.now() - since) / 1000

/**
 * Generates the data set synchronously and returns a summary per file. Each day's records depend only on
 * (seed, date), so a longer range extends a shorter one without changing it. Throws `SeedError`.
 */
export const generateDataset = (options: GenerateOptions): SeedResult => {
  validate(options)
  const { from, to, cutover, onProgress } = options
  onProgress?.({ kind: "start" })
  const generator = makeRecordGenerator(options.seed, options.rowsPerDay)
  const started = performance.now()
  const files: Array<SeedFileSummary> = []
  let totalRows = 0
  let writer: SeedFileWriter | undefined
  const finished: Array<SeedFileWriter> = []
  let file: DbFile = "archive"
  let fileStarted = started
  let month = from.slice(0, 7)
  let monthRows = 0

  const flushMonth = () => {
    if (monthRows > 0) {
      const rowsPerSecond = totalRows / Math.max(seconds(started), 1e-6)
      onProgress?.({ kind: "month", file, month, monthRows, totalRows, rowsPerSecond })
    }
    monthRows = 0
  }
  const open = (which: DbFile) => {
    file = which
    fileStarted = performance.now()
    writer = openSeedFile(which === "live" ? options.livePath : options.archivePath)
  }
  const close = () => {
    const w = writer!
    writer = undefined
    const bytes = w.finish()
    finished.push(w)
    const summary: SeedFileSummary = { file, path: w.path, rows: w.rows(), bytes, seconds: seconds(fileStarted) }
    files.push(summary)
    onProgress?.({ kind: "file", summary })
  }

  try {
    open("archive")
    for (let date = from as IsoDate; date <= to; date = addDays(date, 1)) {
      if (file === "archive" && date >= cutover) {
        flushMonth()
        close()
        open("live")
      }
      if (date.slice(0, 7) !== month) {
        flushMonth()
        month = date.slice(0, 7)
      }
      const w = writer!
      const d: string = date
      const n = generator.generateDay(d, (code, name, lot, line, good, defect) =>
        w.add(d, code, name, lot, line, good, defect)
      )
      monthRows += n
      totalRows += n
    }
    flushMonth()
    close()
    if (file === "archive") {
      open("live")
      close()
    }
    // Both files are complete: only now replace the targets, so a failure leaves the old files as they were.
    for (const w of finished) w.install()
  } catch (e) {
    for (const w of [...finished, ...(writer === undefined ? [] : [writer])]) w.abort()
    if (e instanceof SeedError) throw e
    throw new SeedError({ message: e instanceof Error ? e.message : String(e) })
  }
  return { files, rows: totalRows, seconds: seconds(started) }
}

/** `generateDataset` as an Effect (it blocks its fiber while it runs). */
export const generateDatasetEffect = (options: GenerateOptions): Effect.Effect<SeedResult, SeedError> =>
  Effect.try({
    try: () => generateDataset(options),
    catch: (e) => (e instanceof SeedError ? e : new SeedError({ message: String(e) }))
  })
