/**
 * Outside processes written in Python (python3 and its sqlite3 module are on every machine that runs the tests;
 * the sqlite3 shell may not be): a loader running `LoaderBatch`es, and a direct recount of the summaries.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import type { LoaderBatch } from "./LoaderStatements.js"

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url))

/** `python3 <script> <args>` in a process of its own: its stdout once it exits 0; killed if interrupted. */
export const runPython = (name: string, args: ReadonlyArray<string>): Effect.Effect<string, Error> =>
  Effect.async<string, Error>((resume) => {
    const child = spawn("python3", [script(name), ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", (error) => resume(Effect.fail(error)))
    child.on("close", (code, signal) =>
      resume(
        code === 0
          ? Effect.succeed(stdout)
          : Effect.fail(new Error(`python3 ${name} ended ${code ?? signal}: ${stderr}`))
      )
    )
    return Effect.sync(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
  })

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
    const out = yield* runPython("run_statements.py", [
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
    runPython("summaries.py", [file, ...windows.map(([from, to]) => `${from}:${to}`)]),
    (out) => JSON.parse(out) as Record<string, SummaryRows>
  )
