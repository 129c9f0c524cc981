import { Context, Effect, Layer } from "effect"
import type { DbFile } from "../../domain/DbFile.js"
import { FileConnection } from "../FileConnection.js"
import { FileUnavailable, type InitialMessage, type Query } from "../WorkerProtocol.js"

/** A worker's connections, one per configured file, opened lazily and closed when the worker stops. */
export class OpenFiles extends Context.Tag("OpenFiles")<
  OpenFiles,
  { readonly run: (query: Query) => ReturnType<FileConnection["run"]> }
>() {
  static readonly layer = (init: InitialMessage) =>
    Layer.scoped(
      OpenFiles,
      Effect.gen(function* () {
        const options = { pragmas: init.pragmas, checkMs: init.fileCheckMs, allowMmap: init.allowMmap }
        const connections = new Map<DbFile, FileConnection>(
          init.files.map(({ file, path }) => [file, new FileConnection(file, path, options)])
        )
        yield* Effect.addFinalizer(() => Effect.sync(() => connections.forEach((c) => c.close())))
        return {
          run: (query: Query) =>
            connections.get(query.file)?.run(query.sql, query.params) ??
            Effect.fail(new FileUnavailable({ file: query.file, reason: "no path is configured for this file" }))
        }
      })
    )
}
