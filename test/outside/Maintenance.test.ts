import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { get, jsonOf } from "../reliability/ReliabilityKit.js"
import { POLL_MS, type Shape, asCounted, countDirectly, inserts, runScenario, sqliteTool } from "./OutsideKit.js"
import { type Span, violations } from "./Staleness.js"

interface Checkpoint extends Span {
  readonly busy: number
}

/** The size of the file's -wal (a stat), or -1 when it is gone. */
const walBytes = (file: string): number => fs.statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? -1

type Page = { rows: Array<Record<string, string | number>>; next_cursor: string | null }

/**
 * `pages` pages of `target` from `cursor` on (all that are left with Infinity), the cursor after them, and the
 * first reply other than a 200 (where paging stopped), if any.
 */
const readPages = (port: number, target: string, pages: number, cursor: string | null = null) =>
  Effect.gen(function* () {
    const rows: Page["rows"] = []
    let next = cursor
    for (let k = 0; k < pages && (k === 0 || next !== null); k++) {
      const reply = yield* get(port, next === null ? target : `${target}&cursor=${encodeURIComponent(next)}`)
      if (reply.status !== 200) return { rows, cursor: next, failed: `${reply.status} ${reply.text}` }
      const page = jsonOf(reply) as Page
      rows.push(...page.rows)
      next = page.next_cursor
    }
    return { rows, cursor: next, failed: undefined }
  })

describe("outside processes while the service serves: checkpoints, backups, VACUUM", () => {
  it.scopedLive(
    "PRAGMA wal_checkpoint(TRUNCATE) and online backups from outside while a loader commits: every commit " +
      "visible in time, answers within the bound, each backup intact and equal to the data at a moment of its run",
    () =>
      Effect.gen(function* () {
        const prefix = "CKB-"
        const { alongside, histories } = yield* runScenario({
          name: "wal_checkpoint(TRUNCATE) + online backup",
          prefix,
          plan: { interval_ms: 100, commits: inserts(prefix, 50) },
          alongside: ({ files, shapes }) =>
            Effect.forEach([1, 2, 3], (k) =>
              Effect.gen(function* () {
                yield* Effect.sleep(400)
                const walBefore = walBytes(files.live)
                const [checkpoint] = yield* sqliteTool<Checkpoint>(["checkpoint", files.live])
                const walAfter = walBytes(files.live)
                yield* Effect.sleep(400)
                const copy = path.join(files.dir, `backup-${k}.db`)
                const [backup] = yield* sqliteTool<Span>(["backup", files.live, copy])
                const state = yield* countDirectly(copy, shapes)
                const [check] = yield* sqliteTool<{ integrity: string }>(["integrity", copy])
                return {
                  checkpoint: checkpoint!,
                  walBefore,
                  walAfter,
                  backup: backup!,
                  state,
                  integrity: check!.integrity
                }
              })
            )
        })
        console.log(
          `checkpoints (busy; -wal bytes before → after): ` +
            alongside!.map((a) => `(${a.checkpoint.busy}; ${a.walBefore} → ${a.walAfter})`).join(" ")
        )
        for (const { backup, state, integrity } of alongside!) {
          expect(integrity).toBe("ok")
          // A backup is a consistent copy: the data as of some moment while it ran (a bound of 0).
          for (const [name, history] of Object.entries(histories)) {
            const answer = { ...backup, value: JSON.stringify(state[name]) }
            expect(violations(history, [answer], 0), name).toEqual([])
          }
        }
        // The checkpoints did their work while the service read: a WAL that held commits truncated at least once.
        expect(alongside!.some((a) => a.checkpoint.busy === 0 && a.walBefore > 0 && a.walAfter < a.walBefore)).toBe(
          true
        )
      }),
    90_000
  )

  it.scopedLive(
    "VACUUM from outside while a loader commits: the file rewritten in place, answers stay exact, a /records " +
      "cursor taken before it pages on to exactly the window's records",
    () =>
      Effect.gen(function* () {
        const prefix = "VAC-"
        // A window no one writes to, paged 40 records at a time.
        const window: Shape = { name: "window", kind: "records", from: "2026-01-01", to: "2026-03-30" }
        const target = `/records?from=${window.from}&to=${window.to}&limit=40`
        const { alongside } = yield* runScenario({
          name: "VACUUM",
          prefix,
          plan: { interval_ms: 100, commits: inserts(prefix, 40) },
          alongside: ({ files, port }) =>
            Effect.gen(function* () {
              yield* Effect.sleep(1_000)
              const before = yield* readPages(port, target, 2)
              const inode = fs.statSync(files.live).ino
              const [vacuum] = yield* sqliteTool<Span>(["vacuum", files.live])
              const sameFile = fs.statSync(files.live).ino === inode
              yield* Effect.sleep(POLL_MS)
              const after = yield* readPages(port, target, Infinity, before.cursor)
              const direct = yield* countDirectly(files.live, [window])
              const rows = [...before.rows, ...after.rows]
              return { rows, pagesBefore: before, pagesAfter: after, vacuum: vacuum!, sameFile, direct }
            })
        })
        const { rows, pagesBefore, pagesAfter, vacuum, sameFile, direct } = alongside!
        console.log(`VACUUM took ${Math.round(vacuum.end - vacuum.start)} ms; ${rows.length} records paged across it`)
        expect(sameFile).toBe(true)
        expect([pagesBefore.failed, pagesAfter.failed]).toEqual([undefined, undefined])
        expect(pagesBefore.cursor).not.toBeNull()
        expect(asCounted("records", rows)).toEqual(direct.window)
      }),
    90_000
  )
})
