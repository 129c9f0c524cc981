import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CUTOVER, fixtureRecords } from "../cache-e2e/CachedServerKit.js"
import { type RecordInput, itemName, lineCode } from "../support/fixtures.js"
import { BOUND_MS, DAY, type Plan, type Statement, inserts, runRecord, runScenario } from "./OutsideKit.js"

const commit = (...statements: Array<Statement>): Plan["commits"][number] => ({ statements })
const insert = (record: RecordInput): Statement => ({ op: "insert", record })
const upsert = (record: RecordInput): Statement => ({ op: "upsert", record })

describe("outside processes while the service serves: how loaders write", () => {
  it.scopedLive(
    "a loader holding its write transaction open for 2 s: reads keep answering with the committed data, no 5xx, " +
      "then its commit shows in time",
    () =>
      Effect.gen(function* () {
        const prefix = "HLD-"
        const held = { statements: [{ op: "insert", record: runRecord(prefix, 5) }], hold_ms: 2_000 } as const
        const { answers, written } = yield* runScenario({
          name: "write transaction held open 2 s",
          prefix,
          plan: { interval_ms: 100, commits: [...inserts(prefix, 5), held, ...inserts(prefix, 5, 6)] }
        })
        // Commit 6 held the write lock from just after its start to just before its end. Within the freshness
        // bound of commit 5's end, the state before it may still be served (it is, when polls run late on a busy
        // machine): the claim is about the answers after that.
        const [before, open] = [written[5]!, written[6]!]
        const settled = Math.max(open.start + 100, before.end + BOUND_MS)
        const during = answers.filter((a) => a.start > settled && a.end < open.end - 100)
        const slowest = Math.max(...during.map((a) => a.end - a.start))
        console.log(`${during.length} answers while the write transaction was open, the slowest in ${slowest} ms`)
        for (const [name, state] of Object.entries(before.state)) {
          const seen = during.filter((a) => a.shape === name)
          expect(seen.length, name).toBeGreaterThan(0)
          for (const a of seen) expect(a.value, `${name} ${a.url}`).toBe(JSON.stringify(state))
        }
      }),
    90_000
  )

  it.scopedLive(
    "upserts (INSERT … ON CONFLICT(id) DO UPDATE) and deletes by an outside loader: every summary equal to a " +
      "direct count of the records after each commit, within the freshness bound",
    () =>
      Effect.gen(function* () {
        const prefix = "UPS-"
        // Records of the day in the file before the loader starts, with ids it upserts and deletes by.
        const existing = Array.from({ length: 8 }, (_, k) => ({ ...runRecord(prefix, 1000 + k), id: 900_001 + k }))
        const plantRecordOfDay = fixtureRecords(CUTOVER, DAY).find((r) => r.production_date === DAY)!.lot_number
        const rounds = Array.from({ length: 8 }, (_, i) => {
          const own = 800_000 + i
          const extra = existing[i]!
          // Two moves out of the day: out of the daily and records windows, and out of by-line and by-item too.
          const date = i === 3 ? "2026-03-30" : i === 5 ? "2026-02-15" : DAY
          const replaced = existing[(i + 4) % 8]!.id
          return [
            commit(insert(runRecord(prefix, i))),
            // An upsert without a conflict inserts; with one, it updates (a rename too: the item's latest name).
            commit(upsert({ ...runRecord(prefix, 100 + i), id: own })),
            commit(
              upsert({
                ...runRecord(prefix, 100 + i),
                id: own,
                item_name: itemName(i % 5, 1),
                line_code: lineCode((i + 1) % 3),
                good_quantity: 500 + i
              })
            ),
            commit(upsert({ ...extra, production_date: date, good_quantity: 300 + i, defect_quantity: i % 4 })),
            commit(
              i === 0
                ? { op: "delete", lot_number: plantRecordOfDay }
                : i % 2 === 1
                  ? { op: "delete", lot_number: `${prefix}${i - 1}` }
                  : { op: "delete", id: own - 1 }
            ),
            // A replacement done right: delete, then insert under the same id, in one commit.
            commit({ op: "delete", id: replaced }, insert({ ...runRecord(prefix, 2000 + i), id: replaced }))
          ]
        })
        const { written } = yield* runScenario({
          name: "upserts and deletes",
          prefix,
          extraLive: existing,
          plan: { interval_ms: 100, commits: rounds.flat() }
        })
        // Every kind of statement changed something (an upsert or delete that matched nothing would prove little).
        expect(written.slice(1).every((w) => w.changes.every((rows) => rows >= 1))).toBe(true)
      }),
    90_000
  )
})
