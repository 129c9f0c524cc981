import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { engineOf, QueryEngine } from "../../../query/QueryEngine.js"
import { makePgSummaries } from "./PgSummaries.js"

// SKELETON (branch h17-base only): h17-engine-records replaces the records, items, lines and export handlers.
export const PgEngineLive = Layer.effect(
  QueryEngine,
  Effect.gen(function* () {
    yield* SqlClient.SqlClient
    const summary = yield* makePgSummaries
    const notYet = () => Effect.die("PgEngine: not built yet")
    return engineOf("optimized", { records: notYet, items: notYet, lines: notYet, exportChunk: notYet, summary })
  })
)
