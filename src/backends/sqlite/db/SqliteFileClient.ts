import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import { PragmaConfig, pragmaStatements } from "./Pragmas.js"

/**
 * An `SqlClient` on one existing SQLite file with the service's pragma set applied. WAL is never switched on
 * here (that is a migration step, and a read-only connection cannot do it); callers check that the file exists,
 * since opening a missing path read-write would create it.
 */
export const sqliteFileLayer = (filename: string, options: { readonly readonly: boolean }) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const pragmas = yield* PragmaConfig
      for (const statement of pragmaStatements(pragmas)) yield* sql.unsafe(statement)
    })
  ).pipe(Layer.provideMerge(SqliteClient.layer({ filename, readonly: options.readonly, disableWAL: true })))
