import type * as Http from "node:http"
import { Cause, Config, Deferred, Effect, Option, Stream } from "effect"
import type { DateWindow } from "../domain/DateWindow.js"
import { CSV_HEADER } from "../domain/RecordLines.js"
import { type RecordFilters, type RecordPosition, RecordsQuery } from "../query/Query.js"
import type { ExportChunk } from "../query/QueryResults.js"
import { overloaded } from "./ApiErrors.js"
import type { ExportFormat } from "./QueryParams.js"

/** Rows per keyset chunk: each chunk is one engine call, so no worker or read transaction spans two chunks. */
export const ExportChunkRows = Config.integer("EXPORT_CHUNK_ROWS").pipe(
  Config.withDefault(5000),
  Config.validate({ message: "EXPORT_CHUNK_ROWS must be at least 1", validation: (n) => n >= 1 })
)

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson"
}

export interface ExportSelection {
  readonly window: DateWindow
  readonly filters: RecordFilters
  readonly format: ExportFormat
}

/**
 * The export body: the records of the selection in `/records` order, chunk by chunk (each chunk one engine call,
 * its lines built where the rows are read). The first chunk is read before the stream is returned, so a failure
 * there is still an ordinary error response; later chunks are read as the client consumes the body (the
 * response's back-pressure paces the reads).
 */
export const exportStream = <E>(
  chunk: (query: RecordsQuery, format: ExportFormat) => Effect.Effect<ExportChunk, E>,
  selection: ExportSelection,
  chunkRows: number
): Effect.Effect<Stream.Stream<Uint8Array, E>, E> => {
  const fetch = (after: RecordPosition | undefined) =>
    chunk(
      new RecordsQuery({ window: selection.window, filters: selection.filters, limit: chunkRows, after }),
      selection.format
    )
  return Effect.map(fetch(undefined), (first) => {
    const head =
      selection.format === "csv" ? Stream.make(Buffer.from(CSV_HEADER, "utf8"), first.text) : Stream.succeed(first.text)
    if (first.next === null || first.rows === 0) return head
    const rest = Stream.paginateEffect(first.next, (after) =>
      Effect.map(fetch(after), (page): readonly [Uint8Array, Option.Option<RecordPosition>] => [
        page.text,
        page.rows === 0 ? Option.none() : Option.fromNullable(page.next)
      ])
    )
    // One chunk read ahead: the worker reads the next chunk while this one is written to the socket.
    return Stream.concat(head, Stream.buffer(rest, { capacity: 1 }))
  })
}

/**
 * A failure after the first byte must not look like a complete file. The connection is closed after what was
 * already written is flushed, without the chunked body's terminator, so the client sees a truncated transfer
 * (the response's normal `end()` that follows can no longer reach it).
 */
export const abortOnFailure = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  response: Http.ServerResponse
): Stream.Stream<Uint8Array, E, R> =>
  Stream.onError(stream, (cause) =>
    Effect.zipRight(
      Effect.sync(() => {
        const socket = response.socket
        if (socket === null) response.destroy()
        else socket.end()
      }),
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logWarning("export aborted after its first byte", cause)
    )
  )

/** At most `EXPORT_CONCURRENCY` exports at once; one more gets 503 `overloaded` at once, it does not wait. */
export class ExportSlots extends Effect.Service<ExportSlots>()("ExportSlots", {
  effect: Effect.gen(function* () {
    const max = yield* Config.integer("EXPORT_CONCURRENCY").pipe(
      Config.withDefault(2),
      Config.validate({ message: "EXPORT_CONCURRENCY must be at least 1", validation: (n) => n >= 1 })
    )
    const slots = yield* Effect.makeSemaphore(max)
    const busy = overloaded(`At most ${max} exports run at once. Retry shortly.`)
    /**
     * Holds a slot until the current scope (the request, its body included) closes: a fiber of that scope keeps
     * the permit, and gives it back when the scope's close interrupts it.
     */
    const acquire = Effect.gen(function* () {
      const held = yield* Deferred.make<boolean>()
      const hold = slots.withPermitsIfAvailable(1)(Effect.zipRight(Deferred.succeed(held, true), Effect.never))
      yield* Effect.forkScoped(Effect.zipRight(hold, Deferred.succeed(held, false)))
      if (!(yield* Deferred.await(held))) return yield* busy
    })
    return { acquire } as const
  })
}) {}
