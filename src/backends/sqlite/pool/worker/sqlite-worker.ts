// Entry of a read worker thread: answers the pool's messages (WorkerProtocol.ts) over its own SQLite connections.
// A plain message loop: a statement is synchronous anyway, and an Effect runner here (a schema decode, a fiber
// and a schema encode per message) cost more than most statements it ran (docs/benchmark-notes.md).
import { parentPort, workerData } from "node:worker_threads"
import { Reconnects } from "../../db/Reconnects.js"
import type { DbFile } from "../../../../domain/DbFile.js"
import type { ReadOutput, SqlValue } from "../ReadPool.js"
import { FileConnection, isQueryFailure } from "../FileConnection.js"
import { afterPrelude } from "../Prelude.js"
import { textOutput } from "../TextOutput.js"
import {
  CLOSE,
  DONE,
  FAILED,
  type FromWorker,
  PING,
  QUERY,
  type QueryFailure,
  type QueryOutput,
  READY,
  type ToWorker,
  type WireOutput,
  type WorkerInit
} from "../WorkerProtocol.js"

const port = parentPort
if (port === null) throw new Error("sqlite-worker runs as a worker thread")
const init = (workerData as { init: WorkerInit }).init
const options = {
  pragmas: init.pragmas,
  checkMs: init.fileCheckMs,
  allowMmap: init.allowMmap,
  reconnects: new Reconnects(init.reconnects),
  staleIndexWaitMs: init.staleIndexWaitMs
}
const connections = new Map<DbFile, FileConnection>(
  init.files.map(({ file, path }) => [file, new FileConnection(file, path, options)])
)

/**
 * Posts a message; export text goes as bytes whose buffer is transferred, not cloned: the main thread writes them
 * to the socket as they are, and no copy of a chunk is left for its garbage collector.
 */
const post = (message: FromWorker) => {
  const text = message[0] === DONE ? message[2]?.text : undefined
  port.postMessage(message, text === undefined ? [] : [text.buffer as ArrayBuffer])
}

/** A statement's output as its request asked for it: rows as one JSON text, or a text and its summary row. */
const packOutput = (result: QueryOutput, output: ReadOutput): WireOutput => {
  if (output._tag === "Rows") return { ...result, rows: JSON.stringify(result.rows) }
  // SQLite's JSON (`Json`) is the first column of the statement's one row.
  const { summary, text } = textOutput(result.rows, output._tag === "Text" ? output.maxRows : undefined)
  return { ...result, rows: JSON.stringify([summary]), text }
}

const run = (
  file: DbFile,
  sql: string,
  params: ReadonlyArray<SqlValue>,
  asJson: boolean
): QueryOutput | QueryFailure => {
  const connection = connections.get(file)
  if (connection === undefined) return { _tag: "FileUnavailable", file, reason: "no path is configured for this file" }
  return asJson ? connection.runAsJson(sql, params) : connection.run(sql, params)
}

port.on("message", (message: ToWorker) => {
  switch (message[0]) {
    case QUERY: {
      const [, request, file, sql, params, output, prelude] = message
      const asJson = output._tag === "Json"
      const result =
        prelude === undefined
          ? run(file, sql, params, asJson)
          : afterPrelude(run(prelude[0], prelude[1], prelude[2], false), (value) =>
              run(file, sql, [value, ...params], asJson)
            )
      return post(isQueryFailure(result) ? [FAILED, request, result] : [DONE, request, packOutput(result, output)])
    }
    case PING:
      return post([DONE, message[1]])
    case CLOSE:
      connections.forEach((c) => c.close())
      return port.close()
  }
})

post([READY])
