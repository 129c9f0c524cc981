/**
 * The PostgreSQL engine beside the SQLite optimized engine, in one process, on the same data (the SQLite files and
 * the database they were imported into): each `/records` page, export chunk, `/items` and `/lines` shape asked of
 * both in turn, per shape each engine's median (ms, the engine's `run`: SQLite through its read pool's workers,
 * PostgreSQL through the @effect/sql-pg pool) and their ratio. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of
 * every statement shape (PgRecordShapes.ts) instead.
 *
 *   node --import tsx scripts/pg-engine-timing.ts --postgres URL --live F --archive F [--rounds N] [--explain]
 */
import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Context, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { PgEngineLive } from "../src/backends/postgres/engine/PgEngine.js"
import { OptimizedEngineLive } from "../src/backends/sqlite/engine/optimized/OptimizedEngine.js"
import { PoolConfig } from "../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPoolLive } from "../src/backends/sqlite/pool/ReadPoolLive.js"
import { DbTargets } from "../src/config/DbTargets.js"
import { addDays, type IsoDate } from "../src/domain/IsoDate.js"
import { RecordsQuery } from "../src/query/Query.js"
import { QueryEngine } from "../src/query/QueryEngine.js"
import { queryOf } from "./bench/InProcessEngine.js"
import { median } from "./bench/Stats.js"
import { pgEngineShapes, type PgShapeSample, pgShapeSample } from "./pg/PgShapeSample.js"

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}
const required = (name: string): string => {
  const value = option(name)
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

const url = required("--postgres")
const rounds = Number(option("--rounds") ?? 100)
const config = ConfigProvider.fromMap(
  new Map([
    ["LIVE_DB_PATH", required("--live")],
    ["ARCHIVE_DB_PATH", required("--archive")],
    ["POOL_SIZE", "2"]
  ])
)

class Engines extends Context.Tag("Engines")<
  Engines,
  { readonly sqlite: QueryEngine["Type"]; readonly postgres: QueryEngine["Type"] }
>() {}

const pgLayer = PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    pgLayer,
    DbTargets.Default,
    Layer.scoped(
      Engines,
      Effect.all({
        sqlite: Effect.map(
          Layer.build(OptimizedEngineLive.pipe(Layer.provide(ReadPoolLive), Layer.provide(PoolConfig.Default))),
          Context.get(QueryEngine)
        ),
        postgres: Effect.map(Layer.build(PgEngineLive), Context.get(QueryEngine))
      })
    ).pipe(Layer.provide(pgLayer), Layer.provide(DbTargets.Default))
  ).pipe(Layer.provide(Layer.setConfigProvider(config)), Layer.orDie)
)

interface Shape {
  readonly label: string
  readonly run: (engine: QueryEngine["Type"]) => Effect.Effect<unknown, unknown>
}

const shapesOf = (s: PgShapeSample, cutover: IsoDate): ReadonlyArray<Shape> => {
  const week = { from: addDays(s.today, -6), to: s.today }
  const y3 = { from: addDays(s.today, -3 * 365), to: s.today }
  const across = { from: addDays(cutover, -3), to: addDays(cutover, 3) }
  const query = (path: string) => queryOf(path, s.today)
  const run = (path: string): Shape => ({ label: path, run: (e) => e.run(query(path)) })
  const page = (window: { from: IsoDate; to: IsoDate }, filters: RecordsQuery["filters"], limit = 100) =>
    new RecordsQuery({ window, filters, limit, after: undefined })
  /** The page after the first: the first page's `next` as asked of the same engine. */
  const nextPage = (label: string, first: RecordsQuery): Shape => ({
    label,
    run: (e) => Effect.flatMap(e.run(first), (p) => e.run(new RecordsQuery({ ...first, after: p.next ?? undefined })))
  })
  const chunk = (label: string, q: RecordsQuery, format: "csv" | "ndjson"): Shape => ({
    label,
    run: (e) => e.exportChunk(q, format)
  })
  const r = (params: string) => run(`/records?${params}`)
  return [
    r(`from=${week.from}&to=${week.to}`),
    nextPage("/records 7 days, first + next page", page(week, {})),
    r(`from=${week.from}&to=${week.to}&item_code=${s.item_code}`),
    r(`from=${week.from}&to=${week.to}&line_code=${s.line_code}`),
    r(`from=${week.from}&to=${week.to}&lot_prefix=${encodeURIComponent(s.lot_prefix)}`),
    r(`from=${across.from}&to=${across.to}`),
    nextPage("/records across cutover, first + next page", page(across, {})),
    r(`from=${week.from}&to=${week.to}&limit=1000`),
    r(`from=${y3.from}&to=${y3.to}&item_code=${s.item_code}`),
    r(`from=${y3.from}&to=${y3.to}&q=${s.q}`),
    r(`from=${week.from}&to=${week.to}&q=${s.q}`),
    r(`from=${y3.from}&to=${y3.to}&q=${encodeURIComponent(s.item_name)}`),
    r(`from=${y3.from}&to=${y3.to}&item_code=${s.item_code}&q=${s.q}`),
    chunk("export chunk csv 7 days (1000)", page(week, {}, 1000), "csv"),
    chunk("export chunk ndjson 7 days (1000)", page(week, {}, 1000), "ndjson"),
    run(`/items?q=${s.q}`),
    run(`/items?q=${encodeURIComponent("ø20")}`),
    run(`/items?q=m1`),
    run(`/lines`)
  ] satisfies ReadonlyArray<Shape>
}

const time = (effect: Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* effect
    return performance.now() - started
  })

const explain = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const shapes = yield* pgEngineShapes(yield* pgShapeSample)
  for (const shape of shapes) {
    const plan = yield* sql.unsafe<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${shape.statement.sql}`,
      shape.statement.params
    )
    console.log(`-- ${shape.name}\n${plan.map((p) => p["QUERY PLAN"]).join("\n")}\n`)
  }
})

const compare = Effect.gen(function* () {
  const { sqlite, postgres } = yield* Engines
  const { cutover } = yield* DbTargets
  const shapes = shapesOf(yield* pgShapeSample, cutover)
  console.log(`| shape | SQLite optimized p50 ms | PostgreSQL p50 ms | ratio |\n|---|---:|---:|---:|`)
  for (const shape of shapes) {
    for (let i = 0; i < 5; i++) yield* Effect.all([shape.run(sqlite), shape.run(postgres)])
    const times = { sqlite: [] as Array<number>, postgres: [] as Array<number> }
    for (let i = 0; i < rounds; i++) {
      // The order alternates, so that neither engine always runs second.
      const order = i % 2 === 0 ? (["sqlite", "postgres"] as const) : (["postgres", "sqlite"] as const)
      for (const name of order) times[name].push(yield* time(shape.run(name === "sqlite" ? sqlite : postgres)))
    }
    const [a, b] = [median(times.sqlite), median(times.postgres)]
    console.log(`| ${shape.label} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`)
  }
})

const main = process.argv.includes("--explain") ? explain : compare
runtime
  .runPromise(main as Effect.Effect<void, unknown, Engines | PgClient.PgClient | DbTargets>)
  .finally(() => runtime.dispose())
  .catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
