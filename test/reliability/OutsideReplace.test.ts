/**
 * An outside loader in Python re-loads existing records by id (`INSERT OR REPLACE` / `REPLACE INTO`, with upserts,
 * updates and deletes among them), 40 transactions ~50 ms apart, while the service runs as a child process: its
 * summaries end equal to a direct recount of the base table done by another outside process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import * as fc from "effect/FastCheck"
import { isDeepStrictEqual } from "node:util"
import {
  loaderBatchesArbitrary,
  loaderStatementArbitrary,
  replaceExistingArbitrary
} from "../support/LoaderStatements.js"
import { type SummaryRows, recountSummaries, runLoaderInPython } from "../support/Python.js"
import { spawnService } from "./Processes.js"
import { CUTOVER, LIVE_TO, eventually, get, integrityCheck, reliabilityFiles, rowsOf } from "./ReliabilityKit.js"

/** The live file's whole span, and each of its months: a record moved between months must leave both answers. */
const WINDOWS: ReadonlyArray<readonly [string, string]> = [
  [CUTOVER, LIVE_TO],
  ["2026-01-01", "2026-01-31"],
  ["2026-02-01", "2026-02-28"],
  ["2026-03-01", "2026-03-31"]
]

/** The live fixture's catalogue (reliabilityFiles): 5 items, 3 lines, ~270 records (ids from 1). */
const SHAPE = { from: CUTOVER, to: LIVE_TO, items: 5, lines: 3 }
const RECORDS = 250

const BATCHES = fc.sample(
  loaderBatchesArbitrary(
    fc.oneof(
      { weight: 3, arbitrary: replaceExistingArbitrary(SHAPE, RECORDS) },
      { weight: 1, arbitrary: loaderStatementArbitrary(SHAPE, RECORDS) }
    ),
    { minLength: 40, maxLength: 40 }
  ),
  { seed: 1214, numRuns: 1 }
)[0]!

/** The three summaries of every window as the service answers them, and every status it answered with. */
const served = (port: number) =>
  Effect.forEach(WINDOWS, ([from, to]) =>
    Effect.map(
      Effect.all({
        daily: get(port, `/summary/daily?from=${from}&to=${to}`),
        by_item: get(port, `/summary/by-item?from=${from}&to=${to}`),
        by_line: get(port, `/summary/by-line?from=${from}&to=${to}`)
      }),
      (replies) => ({
        key: `${from}:${to}`,
        rows: { daily: rowsOf(replies.daily), by_item: rowsOf(replies.by_item), by_line: rowsOf(replies.by_line) },
        statuses: [replies.daily.status, replies.by_item.status, replies.by_line.status]
      })
    )
  ).pipe(
    Effect.map((answers) => ({
      summaries: Object.fromEntries(answers.map((a) => [a.key, a.rows])) as Record<string, SummaryRows>,
      statuses: answers.flatMap((a) => a.statuses)
    }))
  )

describe("an outside loader replacing records by id while the service serves", () => {
  it.scopedLive(
    "every summary ends equal to a direct recount by another process; no 5xx meanwhile",
    () =>
      Effect.gen(function* () {
        const files = yield* reliabilityFiles()
        const { port } = yield* spawnService(files, { CHANGE_POLL_MS: "100" })
        const before = yield* recountSummaries(files.live, WINDOWS)
        // Every answer cached before the loader starts: each must be invalidated by what it changes.
        expect((yield* served(port)).summaries).toEqual(before)

        const loader = yield* Effect.fork(
          runLoaderInPython(files.live, BATCHES, { pauseMs: 50, connectionPerBatch: true })
        )
        const statuses: Array<number> = []
        while (Option.isNone(yield* Fiber.poll(loader))) statuses.push(...(yield* served(port)).statuses)
        const report = yield* Fiber.join(loader)
        expect(report.batches).toBe(BATCHES.length)
        expect(statuses.filter((s) => s !== 200)).toEqual([])

        const after = yield* recountSummaries(files.live, WINDOWS)
        expect(after).not.toEqual(before)
        yield* eventually(
          "the summaries equal to the recount",
          Effect.map(served(port), (answer) => isDeepStrictEqual(answer.summaries, after))
        )
        expect(integrityCheck(files.live)).toBe("ok")
      }),
    { timeout: 120_000 }
  )
})
