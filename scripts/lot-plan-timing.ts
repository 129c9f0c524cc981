/**
 * A lot prefix alone over a window, on one migrated file, in this process: SQLite's own plan for the statement
 * against the engine's choice (the window's newest records first, else the probe and the plan it picks), for
 * prefixes of 3-6 characters cut from random records' lots (as the benchmark's workload draws them). Prints each
 * prefix's time (ms, mean of two runs after one) and the totals:
 *   node --import tsx scripts/lot-plan-timing.ts .bench/data/migrated/live.db 2026-11-21 2026-11-27
 */
import Database from "better-sqlite3"
import {
  type LotPlan,
  lotPlanOf,
  lotProbeSql,
  recordTextsSql
} from "../src/backends/sqlite/engine/optimized/RecordsSql.js"
import type { DateWindow } from "../src/domain/DateWindow.js"
import type { IsoDate } from "../src/domain/IsoDate.js"

const [file, from, to, count = "60"] = process.argv.slice(2)
if (file === undefined || from === undefined || to === undefined) {
  console.log("usage: node --import tsx scripts/lot-plan-timing.ts FILE FROM TO [SAMPLED_LOTS=60]")
  process.exit(2)
}
const LIMIT = 101
const db = new Database(file, { readonly: true, fileMustExist: true })
const window: DateWindow = { from: from as IsoDate, to: to as IsoDate }

let seed = 7
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
const maxId = db.prepare("SELECT max(id) FROM production_records").pluck().get() as number
const lotOf = db.prepare("SELECT lot_number FROM production_records WHERE id = ?").pluck()
const prefixes = new Set<string>()
for (let i = 0; i < Number(count); i++) {
  const lot = lotOf.get(1 + Math.floor(random() * maxId)) as string | undefined
  if (lot !== undefined) prefixes.add(lot.slice(0, 3 + Math.floor(random() * 4)))
}

const rows = (plan: LotPlan | undefined, prefix: string) => {
  const st = recordTextsSql(window, { lot_prefix: prefix }, undefined, LIMIT, "json-list", "live", plan)
  return db.prepare(st.sql).all(...st.params).length
}
const engineChoice = (prefix: string): LotPlan => {
  if (rows("newest", prefix) >= LIMIT) return "newest"
  const probe = lotProbeSql(window, prefix, undefined)
  const plan = lotPlanOf(
    db
      .prepare(probe.sql)
      .raw(true)
      .get(...probe.params) as ReadonlyArray<number>,
    LIMIT
  )
  rows(plan, prefix)
  return plan
}
const timed = <A>(f: () => A): [number, A] => {
  f()
  const started = performance.now()
  f()
  const result = f()
  return [(performance.now() - started) / 2, result]
}

const totals = { sqlite: 0, engine: 0, worstSqlite: 0, worstEngine: 0 }
console.log("prefix\tsqlite ms\tengine ms\tengine plan")
for (const prefix of [...prefixes].sort()) {
  const [sqlite] = timed(() => rows(undefined, prefix))
  const [engine, plan] = timed(() => engineChoice(prefix))
  totals.sqlite += sqlite
  totals.engine += engine
  totals.worstSqlite = Math.max(totals.worstSqlite, sqlite)
  totals.worstEngine = Math.max(totals.worstEngine, engine)
  console.log(`${prefix}\t${sqlite.toFixed(2)}\t${engine.toFixed(2)}\t${plan}`)
}
console.log(
  `${prefixes.size} prefixes: total ${totals.sqlite.toFixed(1)} → ${totals.engine.toFixed(1)} ms, ` +
    `worst ${totals.worstSqlite.toFixed(1)} → ${totals.worstEngine.toFixed(1)} ms`
)
