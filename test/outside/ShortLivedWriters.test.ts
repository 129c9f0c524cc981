import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inserts, runScenario, sqliteTool } from "./OutsideKit.js"

describe("outside processes while the service serves: short-lived connections", () => {
  it.scopedLive(
    "a loader opening, inserting, committing and closing every ~100 ms for 20 s, with reports opening, reading and " +
      "closing between its commits: every commit visible in time, answers within the freshness bound, -wal/-shm kept",
    () =>
      Effect.gen(function* () {
        const prefix = "SLW-"
        const { alongside, written } = yield* runScenario({
          name: "short-lived writer + outside readers",
          prefix,
          plan: { interval_ms: 100, commits: inserts(prefix, 200) },
          // Two reports, each opening and closing a connection every 0–150 ms while the loader runs.
          alongside: ({ files }) =>
            Effect.all(
              [0, 1].map(() =>
                sqliteTool<{ start: number; end: number }>(["read-loop", files.live, prefix, "20000", "150"])
              ),
              { concurrency: "unbounded" }
            )
        })
        const reads = alongside!.flat()
        // Connections of the reports that opened and closed while no commit ran, with commits before and after.
        const commits = written.slice(1)
        const between = reads.filter((r) =>
          commits.some((c, i) => commits[i + 1] !== undefined && c.end < r.start && r.end < commits[i + 1]!.start)
        )
        console.log(
          `outside readers: ${reads.length} connections opened, read and closed, ${between.length} between commits`
        )
        expect(between.length).toBeGreaterThan(50)
      }),
    120_000
  )
})
