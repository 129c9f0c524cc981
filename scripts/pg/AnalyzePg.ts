/**
 * `npm run analyze-indexes -- --postgres URL`: EXPLAIN of every statement shape of the PostgreSQL engine on the
 * database's own data; a sequential scan of production_records or one of its partitions (each has indexes) fails.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Console, Effect, Redacted } from "effect"
import { pgEngineShapes, pgShapeSample } from "./PgShapeSample.js"

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}

const nodesOf = (node: PlanNode): ReadonlyArray<PlanNode> => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

/** One line a plan: each node that reads a table, as `Node Type on relation [using index]`. */
const reads = (nodes: ReadonlyArray<PlanNode>) =>
  nodes
    .filter((n) => n["Relation Name"] !== undefined)
    .map((n) => `${n["Node Type"]} on ${n["Relation Name"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`)

export const analyzePostgres = (url: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const partitions = new Set(
      (yield* sql<{ name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'production_records'::regclass`).map((r) => r.name)
    )
    partitions.add("production_records")
    const sample = yield* pgShapeSample
    const shapes = yield* pgEngineShapes(sample)
    yield* Console.log(`postgres: ${shapes.length} shapes, sample date ${sample.today}, item ${sample.item_code}`)
    const width = Math.max(...shapes.map((s) => s.name.length))
    let seqScans = 0
    for (const shape of shapes) {
      const [row] = yield* sql.unsafe<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>(
        `EXPLAIN (FORMAT JSON) ${shape.statement.sql}`,
        shape.statement.params as Array<unknown> as Array<string>
      )
      const nodes = nodesOf(row!["QUERY PLAN"][0]!.Plan)
      const bad = nodes.filter((n) => n["Node Type"] === "Seq Scan" && partitions.has(n["Relation Name"] ?? ""))
      seqScans += bad.length
      yield* Console.log(
        `${bad.length > 0 ? "SEQ SCAN " : "ok       "}${shape.name.padEnd(width)}  ${reads(nodes).join(" | ")}`
      )
    }
    yield* Console.log(
      seqScans === 0
        ? "\nno shape reads a partition of production_records by a sequential scan"
        : `\n${seqScans} sequential scan(s) of production_records' partitions`
    )
    return seqScans
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))
