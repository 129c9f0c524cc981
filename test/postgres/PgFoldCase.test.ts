/**
 * `fold_case` (the items dimension's folding, PgDimensions.ts) against the contract's folding in JavaScript
 * (src/domain/TextFold.ts), for every code point. Both fold a code point at a time, so where they agree on every
 * code point that folds to ASCII, the trigram pre-filter of an ASCII `q` (`item_name_folded LIKE '%' ||
 * fold_case(q) || '%'`) keeps every name the exact JavaScript test matches; the engine reads every item for any
 * other `q` (PgRecordShapes.ts). They do differ elsewhere: Node 20's ICU knows Unicode 16 letters (Garay,
 * Latin ramshorn…) that the ICU of Debian's PostgreSQL 15 leaves as they are.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { foldCase } from "../../src/domain/TextFold.js"
import { migratedPgLayer } from "./PgKit.js"

const STEP = 0x10000

layer(migratedPgLayer(inject("pgAdminUrl")), { timeout: 180_000 })("fold_case", (it) => {
  it.effect("folds every code point that folds to ASCII as foldCase does (surrogates excepted)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const differences: Array<{ n: number; database: string; node: string }> = []
      for (let start = 1; start <= 0x10ffff; start += STEP) {
        // Only the code points the database changes, or that JavaScript changes, need comparing.
        const changed = yield* sql<{ n: number; folded: string }>`
          SELECT n, fold_case(chr(n)) AS folded FROM generate_series(${start}::int, ${Math.min(start + STEP - 1, 0x10ffff)}::int) AS n
          WHERE n NOT BETWEEN 55296 AND 57343 AND fold_case(chr(n)) <> chr(n)`
        const byDatabase = new Map(changed.map((r) => [r.n, r.folded]))
        for (let n = start; n < start + STEP && n <= 0x10ffff; n++) {
          if (n >= 0xd800 && n <= 0xdfff) continue
          const ch = String.fromCodePoint(n)
          const database = byDatabase.get(n) ?? ch
          if (database !== foldCase(ch)) differences.push({ n, database, node: foldCase(ch) })
        }
      }
      const ascii = { test: (c: string) => c.length === 1 && c.charCodeAt(0) < 0x80 }
      const reachedByAscii = differences.filter((d) => ascii.test(d.database) || ascii.test(d.node) || d.n < 0x80)
      expect(reachedByAscii.map((d) => `U+${d.n.toString(16).toUpperCase()}`)).toEqual([])
      if (differences.length > 0)
        console.info(
          `fold_case and foldCase differ on ${differences.length} code points beyond ASCII (q reads every item there)`
        )
    })
  )
})
