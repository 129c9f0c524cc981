import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import type pg from "pg"
import { inject } from "vitest"
import { migratedPgLayer, rawConnection } from "./PgKit.js"

const COLUMNS = "production_date, item_code, item_name, lot_number, line_code, good_quantity"

/** A connection LISTENing on the changes channel, and the payloads it has received so far. */
const listener = Effect.gen(function* () {
  const client = yield* rawConnection
  const received: Array<string> = []
  client.on("notification", (n) => {
    if (n.channel === "production_changes") received.push(n.payload ?? "")
  })
  yield* Effect.promise(() => client.query("LISTEN production_changes"))
  return received
})

const query = (client: pg.Client, text: string) => Effect.promise(() => client.query(text))

/**
 * Waits until `n` payloads have arrived (the server delivers them in its own time: real timers, not the layer's
 * TestClock), failing after 20 s with what did arrive.
 */
const receivedCount = (received: ReadonlyArray<string>, n: number) =>
  Effect.tryPromise({
    try: () =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now()
        const tick = () => {
          if (received.length >= n) resolve()
          else if (Date.now() - started > 20_000)
            reject(new Error(`${n} notifications: got ${JSON.stringify(received)}`))
          else setTimeout(tick, 25)
        }
        tick()
      }),
    catch: (error) => error as Error
  })

describe("NOTIFY production_changes", () => {
  layer(migratedPgLayer(inject("pgAdminUrl")))((it) => {
    it.scoped("a commit notifies each statement's touched dates as ranges; a rollback nothing", () =>
      Effect.gen(function* () {
        const received = yield* listener
        const writer = yield* rawConnection
        yield* query(
          writer,
          `INSERT INTO production_records (${COLUMNS}) VALUES ('2025-05-05', 'A', 'Bolt', 'L1', 'L01', 1)`
        )
        yield* query(writer, "BEGIN")
        yield* query(
          writer,
          `INSERT INTO production_records (${COLUMNS}) VALUES ('2030-01-01', 'A', 'Bolt', 'L1', 'L01', 1)`
        )
        yield* query(writer, "ROLLBACK")
        yield* query(writer, "BEGIN")
        yield* query(
          writer,
          `INSERT INTO production_records (${COLUMNS}) VALUES
            ('2026-03-02', 'A', 'Bolt', 'L1', 'L01', 1), ('2026-03-01', 'B', 'Nut', 'L2', 'L01', 2),
            ('2026-03-04', 'A', 'Bolt', 'L3', 'L02', 3)`
        )
        yield* query(
          writer,
          `UPDATE production_records SET production_date = '2025-05-06' WHERE production_date = '2025-05-05'`
        )
        yield* query(writer, "COMMIT")
        yield* receivedCount(received, 3)
        expect(received).toEqual([
          `[["2025-05-05","2025-05-05"]]`,
          `[["2026-03-01","2026-03-02"],["2026-03-04","2026-03-04"]]`,
          `[["2025-05-05","2025-05-06"]]`
        ])
      })
    )

    it.scoped("DELETE and a statement touching more dates than a payload holds: one range over them", () =>
      Effect.gen(function* () {
        const received = yield* listener
        const writer = yield* rawConnection
        // Every other day for 1,000 days: 1,000 one-day ranges would not fit in pg_notify's 8,000 bytes.
        yield* query(
          writer,
          `INSERT INTO production_records (${COLUMNS})
          SELECT DATE '2024-01-01' + 2 * n, 'A', 'Bolt', 'L' || n, 'L01', n FROM generate_series(0, 999) AS n`
        )
        yield* query(writer, `DELETE FROM production_records WHERE production_date = DATE '2024-01-01' + 20`)
        yield* receivedCount(received, 2)
        const last = new Date(Date.UTC(2024, 0, 1) + 2 * 999 * 86_400_000).toISOString().slice(0, 10)
        expect(received).toEqual([`[["2024-01-01","${last}"]]`, `[["2024-01-21","2024-01-21"]]`])
      })
    )
  })
})
