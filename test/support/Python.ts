/**
 * Outside processes written in Python (python3 and its sqlite3 module are on every machine that runs the tests;
 * the sqlite3 shell may not be): a loader running `LoaderBatch`es, and a direct recount of the summaries.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { spawnProcess } from "../reliability/Processes.js"
import type { LoaderBatch } from "./LoaderStatements.js"

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url))

/** `python3 <script path> <args>` as a child of the scope (no __pycache__ left in the test tree). */
export const spawnPython = (path: string, args: ReadonlyArray<string>) =>
  spawnProcess("python3", [path, ...args], { PYTHONDONTWRITEBYTECODE: "1" })

/** `python3 <script path> <args>` to its end: its stdout once it exits 0; killed if interrupted. */
export const runPython = (path: string, args: ReadonlyArray<string>): Effect.Effect<string, Error> =>
  Effect.scoped(
    Effect.gen(function* () {
      const child = yield* spawnPython(path, args)
      const code = yield* child.exited
      if (code !== 0)
        return yield* Effect.fail(new Error(`python3 ${path} ${args.join(" ")} ended ${code}: ${child.stderr()}`))
      return child.stdout()
    })
  )

export interface PythonLoaderOptions {
  readonly recursiveTriggers?: boolean
  readonly pauseMs?: number
  readonly connectionPerBatch?: boolean
}

export interface PythonLoaderReport {
  readonly ran: number
  readonly failed: number
  readonly batches: number
  readonly sqliteVersion: string
}

/** Runs `batches` on `file` through Python's sqlite3 (test/support/run_statements.py); what it reports. */
export const runLoaderInPython = (
  file: string,
  batches: ReadonlyArray<LoaderBatch>,
  options: PythonLoaderOptions = {}
) =>
  Effect.gen(function* () {
    const json = `${file}.batches.json`
    fs.writeFileSync(json, JSON.stringify(batches))
    const out = yield* runPython(script("run_statements.py"), [
      file,
      json,
      ...(options.recursiveTriggers === true ? ["--recursive-triggers"] : []),
      ...(options.pauseMs === undefined ? [] : ["--pause-ms", String(options.pauseMs)]),
      ...(options.connectionPerBatch === true ? ["--connection-per-batch"] : [])
    ])
    const m = /^ran (\d+) failed (\d+) batches (\d+) sqlite (\S+)$/m.exec(out)
    if (m === null) return yield* Effect.fail(new Error(`run_statements.py said: ${out}`))
    const report: PythonLoaderReport = {
      ran: Number(m[1]),
      failed: Number(m[2]),
      batches: Number(m[3]),
      sqliteVersion: m[4]!
    }
    return report
  })

export interface SummaryRows {
  readonly daily: ReadonlyArray<Record<string, unknown>>
  readonly by_item: ReadonlyArray<Record<string, unknown>>
  readonly by_line: ReadonlyArray<Record<string, unknown>>
}

/**
 * /summary/daily, /summary/by-item and /summary/by-line of each `[from, to]` window, recounted from `file`'s
 * production_records by a Python process (test/support/summaries.py); keyed by "from:to".
 */
export const recountSummaries = (file: string, windows: ReadonlyArray<readonly [string, string]>) =>
  Effect.map(
    runPython(script("summaries.py"), [file, ...windows.map(([from, to]) => `${from}:${to}`)]),
    (out) => JSON.parse(out) as Record<string, SummaryRows>
  )
