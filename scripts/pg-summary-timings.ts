/**
 * The PostgreSQL summaries beside the SQLite optimized engine, in this process, on the same queries: each
 * summary shape over a 1-day, 1-month, 2-year and 3-year window ending at the data's last day, with and without
 * filters. Prints each query's p50 and p90 wall time (ms) per engine and their ratio.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { makePgSummaries } from "../src/backends/postgres/engine/PgSummaries.js"
import { type IsoDate, addDays } from "../src/domain/IsoDate.js"
import type { SummaryQuery } from "../src/query/Query.js"
import { rowCount } from "../src/query/QueryResults.js"
import { WORKER_OPTIONS } from "./bench/DbFloor.js"
import { makeInProcessEngine, queryOf } from "./bench/InProcessEngine.js"

const HELP = `Usage: node --import tsx scripts/pg-summary-timings.ts --postgres URL --live PATH --archive PATH [--runs N]
  [--item CODE] [--line CODE]
The database must hold the two files' import (npm run import); the files must be migrated.`

const arg = (name: string, fallback?: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  const value = i < 0 ? fallback : process.argv[i + 1]
  if (value === undefined) {
    console.error(HELP)
    process.exit(2)
  }
  return value
}

const url = arg("postgres")
const files = { live: arg("live"), archive: arg("archive") }
const runs = Number(arg("runs", "30"))
const item = arg("item", "BRK-1038")
const line = arg("line", "L04")
const CUTOVER = (process.env.CUTOVER_DATE ?? "2026-01-01") as IsoDate

const pg = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url), maxConnections: 2 }))

const percentile = (xs: ReadonlyArray<number>, p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!

const main = async () => {
  const last = (
    await pg.runPromise(
      Effect.flatMap(PgClient.PgClient, (sql) => sql`SELECT to_char(max(period), 'YYYY-MM-DD') AS d FROM rollup_day`)
    )
  )[0]!.d as IsoDate
  const sqlite = await makeInProcessEngine(files, CUTOVER, last, WORKER_OPTIONS)
  const summaries = await pg.runPromise(makePgSummaries)
  const windows: ReadonlyArray<readonly [string, number]> = [
    ["1 day", 1],
    ["1 month", 30],
    ["2 years", 730],
    ["3 years", 1095]
  ]
  const endpoints = [
    ["daily", ["", `&item_code=${item}`, `&line_code=${line}`]],
    ["monthly", ["", `&item_code=${item}`, `&item_code=${item}&line_code=${line}`]],
    ["by-item", ["", `&line_code=${line}`, "&limit=10"]],
    ["by-line", ["", `&item_code=${item}`]],
    ["monthly-by-item", ["", `&item_code=${item}`, `&line_code=${line}`]]
  ] as const
  console.log(`query\tsqlite p50\tpg p50\tpg p90\tpg/sqlite\trows`)
  for (const [label, days] of windows) {
    for (const [endpoint, filters] of endpoints) {
      for (const filter of filters) {
        const target = `/summary/${endpoint}?from=${addDays(last, 1 - days)}&to=${last}${filter}`
        const query = queryOf(target, last) as SummaryQuery
        const pgRun = () => pg.runPromise(summaries(query))
        const timed = async (f: () => Promise<unknown>) => {
          const t = performance.now()
          await f()
          return performance.now() - t
        }
        for (let i = 0; i < 3; i++) await Promise.all([sqlite.statementMs(target), pgRun()])
        const a: Array<number> = []
        const b: Array<number> = []
        for (let i = 0; i < runs; i++) {
          a.push(await timed(() => sqlite.statementMs(target)))
          b.push(await timed(pgRun))
        }
        const result = await pgRun()
        const rows = rowCount(result.rows)
        const [sa, pb] = [percentile(a, 0.5), percentile(b, 0.5)]
        console.log(
          `${label} ${endpoint}${filter.replace(/&/g, " ")}\t${sa.toFixed(2)}\t${pb.toFixed(2)}\t${percentile(b, 0.9).toFixed(2)}\t${(pb / sa).toFixed(1)}\t${rows}`
        )
      }
    }
  }
  await sqlite.close()
  await pg.dispose()
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
