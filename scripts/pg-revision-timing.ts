/**
 * The PostgreSQL engine of this checkout beside the one of another checkout of the repository (`--before DIR`,
 * e.g. a `git worktree` of an earlier commit, its node_modules a symlink to this one's), in one process, on one
 * database: each shape's response body (the engine's answer serialized as the service serializes it), checked
 * equal between the two, and per shape each one's median ms (engine and body) and their ratio. Shapes: monthly by
 * item (PostgreSQL writes its JSON) and `/records` pages.
 *
 *   node --import tsx scripts/pg-revision-timing.ts --postgres URL --before DIR [--rounds N]
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { PgEngineLive } from "../src/backends/postgres/engine/PgEngine.js"
import { addDays, type IsoDate } from "../src/domain/IsoDate.js"
import { serializeResult } from "../src/http/ResponseBody.js"
import type { Query } from "../src/query/Query.js"
import { QueryEngine } from "../src/query/QueryEngine.js"
import { queryOf } from "./bench/InProcessEngine.js"
import { median } from "./bench/Stats.js"
import { pgShapeSample } from "./pg/PgShapeSample.js"

const { values: args } = parseArgs({
  options: { postgres: { type: "string" }, before: { type: "string" }, rounds: { type: "string", default: "50" } }
})
if (args.postgres === undefined || args.before === undefined) throw new Error("--postgres and --before are required")
const url = args.postgres
const beforeDir = path.resolve(args.before)
const rounds = Number(args.rounds)

type Engine = QueryEngine["Type"]

const main = async () => {
  // The other checkout's engine module, with its own imports: its QueryEngine tag is the same service (by key).
  const before = (await import(pathToFileURL(path.join(beforeDir, "src/backends/postgres/engine/PgEngine.ts")).href))
    .PgEngineLive as typeof PgEngineLive
  const pgLayer = PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })
  const engineOf = (layer: typeof PgEngineLive) => Effect.map(Layer.build(layer), Context.get(QueryEngine))
  const runtime = ManagedRuntime.make(pgLayer)
  const engines = await runtime.runPromise(
    Effect.scoped(Effect.all({ before: engineOf(before), after: engineOf(PgEngineLive) })).pipe(
      Effect.zip(pgShapeSample)
    )
  )
  const [{ before: old, after: now }, sample] = engines
  const today = sample.today
  const from = (days: number) => addDays(today, 1 - days)
  const targets = [
    `/summary/monthly-by-item?from=${from(90)}&to=${today}`,
    `/summary/monthly-by-item?from=${from(365)}&to=${today}`,
    `/summary/monthly-by-item?from=${from(730)}&to=${today}`,
    `/summary/monthly-by-item?from=${from(365)}&to=${today}&line_code=${sample.line_code}`,
    `/summary/monthly-by-item?from=${from(365)}&to=${today}&item_code=${sample.item_code}`,
    `/records?from=${from(7)}&to=${today}`,
    `/records?from=${from(7)}&to=${today}&limit=1000`,
    `/records?from=${from(7)}&to=${today}&line_code=${sample.line_code}`,
    `/records?from=${from(1095)}&to=${today}&item_code=${sample.item_code}`,
    `/records?from=${from(1095)}&to=${today}&q=${sample.q}`
  ]
  const body = (engine: Engine, query: Query) =>
    runtime.runPromise(Effect.map(engine.run(query), (result) => serializeResult(query, result as never)))
  const timed = async (engine: Engine, query: Query) => {
    const started = performance.now()
    await body(engine, query)
    return performance.now() - started
  }
  console.log(`| shape | before p50 ms | after p50 ms | after/before | body bytes |\n|---|---:|---:|---:|---:|`)
  for (const target of targets) {
    const query = queryOf(target, today as IsoDate)
    const [a, b] = [await body(old, query), await body(now, query)]
    if (!a.equals(b)) throw new Error(`${target}: the bodies differ`)
    for (let i = 0; i < 3; i++) await Promise.all([timed(old, query), timed(now, query)])
    const times = { before: [] as Array<number>, after: [] as Array<number> }
    for (let i = 0; i < rounds; i++) {
      // The order alternates, so that neither engine always runs second.
      const order = i % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const)
      for (const name of order) times[name].push(await timed(name === "before" ? old : now, query))
    }
    const [p, q] = [median(times.before), median(times.after)]
    console.log(`| ${target} | ${p.toFixed(2)} | ${q.toFixed(2)} | ${(q / p).toFixed(2)} | ${a.length} |`)
  }
  await runtime.dispose()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
