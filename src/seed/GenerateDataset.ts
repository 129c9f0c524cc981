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
 * The generation as steps: each `next()` generates up to the next progress event (a month or a file done) and
 * yields it; the return value is the summary. Each day's records depend only on (seed, date), so a longer range
 * extends a shorter one without changing it. Throws `SeedError`. Stopped before its end (`return()`), or failing,
 * it leaves the target files as they were.
 */
function* generationSteps(options: GenerateOptions): Generator<SeedProgress, SeedResult, void> {
  validate(options)
  const { from, to, cutover } = options
  yield { kind: "start" }
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
  let installed = false

  const monthDone = (): Array<SeedProgress> => {
    const rows = monthRows
    monthRows = 0
    if (rows === 0) return []
    const rowsPerSecond = totalRows / Math.max(seconds(started), 1e-6)
    return [{ kind: "month", file, month, monthRows: rows, totalRows, rowsPerSecond }]
  }
  const open = (which: DbFile) => {
    file = which
    fileStarted = performance.now()
    writer = openSeedFile(which === "live" ? options.livePath : options.archivePath)
  }
  const close = (): SeedProgress => {
    const w = writer!
    writer = undefined
    const bytes = w.finish()
    finished.push(w)
    const summary: SeedFileSummary = { file, path: w.path, rows: w.rows(), bytes, seconds: seconds(fileStarted) }
    files.push(summary)
    return { kind: "file", summary }
  }

  try {
    open("archive")
    for (let date = from as IsoDate; date <= to; date = addDays(date, 1)) {
      if (file === "archive" && date >= cutover) {
        yield* monthDone()
        yield close()
        open("live")
      }
      if (date.slice(0, 7) !== month) {
        yield* monthDone()
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
    yield* monthDone()
    yield close()
    if (file === "archive") {
      open("live")
      yield close()
    }
    // Both files are complete: only now replace the targets, so a failure leaves the old files as they were.
    for (const w of finished) w.install()
    installed = true
  } catch (e) {
    if (e instanceof SeedError) throw e
    throw new SeedError({ message: e instanceof Error ? e.message : String(e) })
  } finally {
    if (!installed) for (const w of [...finished, ...(writer === undefined ? [] : [writer])]) w.abort()
  }
  return { files, rows: totalRows, seconds: seconds(started) }
}

/** Generates the data set synchronously, calling `onProgress` on the way; see `generationSteps`. */
export const generateDataset = (options: GenerateOptions): SeedResult => {
  const steps = generationSteps(options)
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value
    options.onProgress?.(step.value)
  }
}

/** `generateDataset` as an Effect (it blocks its fiber while it runs). */
export const generateDatasetEffect = (options: GenerateOptions): Effect.Effect<SeedResult, SeedError> =>
  Effect.try({
    try: () => generateDataset(options),
    catch: (e) => (e instanceof SeedError ? e : new SeedError({ message: String(e) }))
  })

/**
 * The generation as an Effect that runs `onProgress` between its steps (so progress goes through the fiber's
 * services, e.g. its Console); interrupted between steps, it leaves the target files as they were.
 */
export const generateDatasetWith = <R>(
  options: Omit<GenerateOptions, "onProgress">,
  onProgress: (event: SeedProgress) => Effect.Effect<void, never, R>
): Effect.Effect<SeedResult, SeedError, R> =>
  Effect.suspend(() => {
    const steps = generationSteps(options)
    const next = Effect.try({
      try: () => steps.next(),
      catch: (e) => (e instanceof SeedError ? e : new SeedError({ message: String(e) }))
    })
    const progressed = (step: IteratorResult<SeedProgress, SeedResult>): step is IteratorYieldResult<SeedProgress> =>
      step.done !== true
    return next.pipe(
      Effect.flatMap((first) =>
        Effect.iterate(first, { while: progressed, body: (step) => Effect.zipRight(onProgress(step.value), next) })
      ),
      Effect.map((last) => last.value as SeedResult),
      Effect.onInterrupt(() => Effect.sync(() => steps.return(undefined as never)))
    )
  })
