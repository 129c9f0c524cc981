import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { DbTargets } from "../../src/config/DbTargets.js"
import type { DbFile } from "../../src/domain/DbFile.js"
import type { IsoDate } from "../../src/domain/IsoDate.js"
import { decodeParams, queryEndpointAt } from "../../src/http/QueryParams.js"
import { pathOf, searchOf } from "../../src/http/RequestDecoding.js"
import {
  FileConnection,
  type FileConnectionOptions,
  isQueryFailure
} from "../../src/backends/sqlite/pool/FileConnection.js"
import { afterPrelude } from "../../src/backends/sqlite/pool/Prelude.js"
import { ReadPool, type SqlValue } from "../../src/backends/sqlite/pool/ReadPool.js"
import { textOutput } from "../../src/backends/sqlite/pool/TextOutput.js"
import { OptimizedEngineLive } from "../../src/backends/sqlite/engine/optimized/OptimizedEngine.js"
import type { Query } from "../../src/query/Query.js"
import { QueryEngine } from "../../src/query/QueryEngine.js"
import { databaseMillis, traced } from "../../src/query/QueryTrace.js"
import type { DataFiles } from "./DataPrep.js"

/** The engine's query for a request URL, decoded by the service's own parameter rules. */
export const queryOf = (url: string, today: IsoDate): Query => {
  const params = queryEndpointAt(pathOf(url))
  if (params === undefined) throw new Error(`no query endpoint at ${pathOf(url)}`)
  const decoded = decodeParams(params, searchOf(url), today)
  if (Either.isLeft(decoded)) throw new Error(`${url}: ${decoded.left.message}`)
  return decoded.right
}

export interface InProcessEngine {
  /** Runs the query of `url` as the service's optimized engine would, returning its statements' time, ms. */
  readonly statementMs: (url: string) => Promise<number>
  /** Runs one statement on one file's connection, returning its time, ms. */
  readonly sqlMs: (file: DbFile, sql: string, params: ReadonlyArray<SqlValue>) => Promise<number>
  readonly close: () => Promise<void>
}

const runOn = (connection: FileConnection, sql: string, params: ReadonlyArray<SqlValue>, asJson = false) =>
  asJson ? connection.runAsJson(sql, params) : connection.run(sql, params)

const orDie = (result: ReturnType<typeof runOn>) =>
  isQueryFailure(result) ? Effect.die(result) : Effect.succeed(result)

const answer = (connection: FileConnection, sql: string, params: ReadonlyArray<SqlValue>, asJson = false) =>
  Effect.suspend(() => orDie(runOn(connection, sql, params, asJson)))

/**
 * The optimized engine in this process, its read pool replaced by one `FileConnection` per file (the class the
 * pool's workers open their files with: read-only, the pragma set, the fold function, raw rows, cached
 * statements), run synchronously on this thread. What it measures is the statements' own time: the database floor.
 */
export const makeInProcessEngine = async (
  files: DataFiles,
  cutover: IsoDate,
  today: IsoDate,
  options: FileConnectionOptions
): Promise<InProcessEngine> => {
  const connections: Record<DbFile, FileConnection> = {
    live: new FileConnection("live", files.live, options),
    archive: new FileConnection("archive", files.archive, options)
  }
  const pool = ReadPool.of({
    // As a worker answers: the same statements (wrapped for `json`), text requests get the rows' text and a summary
    // row, like the service's engine sees.
    run: (request) => {
      const { file, sql, params, prelude, output } = request
      const asJson = output?._tag === "Json"
      const statement =
        prelude === undefined
          ? answer(connections[file], sql, params, asJson)
          : Effect.suspend(() =>
              orDie(
                afterPrelude(connections[prelude.file].run(prelude.sql, prelude.params), (value) =>
                  runOn(connections[file], sql, [value, ...params], asJson)
                )
              )
            )
      return Effect.map(statement, (out) => {
        if (asJson) return { ...out, rows: JSON.parse(String(out.rows[0]![0])) as typeof out.rows, workerId: 0 }
        if (output?._tag !== "Text") return { ...out, workerId: 0 }
        const { summary, text } = textOutput(out.rows, output.maxRows)
        return { ...out, rows: [summary], text, workerId: 0 }
      })
    },
    stats: Effect.succeed({ size: 1, idle: 1, waiting: 0, inFlight: 0, retired: 0, timeouts: 0, rejections: 0 })
  })
  const target = (file: DbFile) => ({ file, path: files[file], explicit: true })
  const targets = DbTargets.make({ live: target("live"), archive: target("archive"), cutover, of: target })
  const runtime = ManagedRuntime.make(
    OptimizedEngineLive.pipe(
      Layer.provide(Layer.succeed(ReadPool, pool)),
      Layer.provide(Layer.succeed(DbTargets, targets))
    )
  )
  const engine = await runtime.runPromise(QueryEngine)
  return {
    statementMs: (url) =>
      runtime.runPromise(Effect.map(traced(engine.run(queryOf(url, today))), ([, reads]) => databaseMillis(reads))),
    sqlMs: (file, sql, params) =>
      runtime.runPromise(Effect.map(answer(connections[file], sql, params), (o) => o.endedAt - o.startedAt)),
    close: async () => {
      await runtime.dispose()
      connections.live.close()
      connections.archive.close()
    }
  }
}
