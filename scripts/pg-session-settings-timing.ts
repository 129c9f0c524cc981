/**
 * Two session settings side by side on one server: by-item and monthly-by-item statements (the engine's own text)
 * on a connection with PostgreSQL's defaults and on one with the service's (PgPool.ts: no parallel workers, no
 * JIT), alternated, 30 round trips each; prints each one's median. The cluster is a bench cluster directory.
 *   node --import tsx scripts/pg-session-settings-timing.ts .bench/data30/pg
 */
import pg from "pg"
import { pgSummarySql } from "../src/backends/postgres/engine/PgSummarySql.js"
import type { IsoDate } from "../src/domain/IsoDate.js"
import { SummaryByItemQuery, SummaryMonthlyByItemQuery } from "../src/query/Query.js"
import { startServer } from "./pg/LocalCluster.js"

const server = await startServer(process.argv[2] ?? ".bench/data/pg")
const url = new URL(server.adminUrl)
url.pathname = "/bench"
const connect = async (options: string) => {
  const client = new pg.Client({ connectionString: url.toString(), options })
  await client.connect()
  return client
}
const clients = {
  defaults: await connect(""),
  service: await connect("-c max_parallel_workers_per_gather=0 -c jit=off")
}
const window = (from: string, to: string) => ({ from: from as IsoDate, to: to as IsoDate })
const shapes = {
  "by-item 30 days": new SummaryByItemQuery({
    window: window("2026-10-29", "2026-11-27"),
    line_code: undefined,
    limit: undefined
  }),
  "by-item 36 months": new SummaryByItemQuery({
    window: window("2023-12-28", "2026-11-27"),
    line_code: undefined,
    limit: undefined
  }),
  "monthly-by-item 12 months": new SummaryMonthlyByItemQuery({
    window: window("2025-11-28", "2026-11-27"),
    item_code: undefined,
    line_code: undefined
  })
}
const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2)
for (const [name, query] of Object.entries(shapes)) {
  const statement = pgSummarySql(query)
  const times: Record<string, Array<number>> = { defaults: [], service: [] }
  for (let i = 0; i < 30; i++)
    for (const [setting, client] of Object.entries(clients)) {
      const started = performance.now()
      await client.query({ text: statement.sql, values: [...statement.params], rowMode: "array" })
      times[setting]!.push(performance.now() - started)
    }
  console.log(`${name}: defaults ${median(times.defaults!)} ms, service's settings ${median(times.service!)} ms`)
}
for (const client of Object.values(clients)) await client.end()
await server.stop()
