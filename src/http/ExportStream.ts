import type * as Http from "node:http"
import { Cause, Config, Effect, Option, Stream } from "effect"
import type { DateWindow } from "../domain/DateWindow.js"
import { API_RECORD_FIELDS, type ApiRecord } from "../domain/ProductionRecord.js"
import { type RecordFilters, type RecordPosition, RecordsQuery } from "../query/Query.js"
import type { RecordsPage } from "../query/QueryResults.js"
import { overloaded } from "./ApiErrors.js"
import type { ExportFormat } from "./QueryParams.js"
import { writeRecord } from "./ResponseBody.js"

/** Rows per keyset chunk: each chunk is one engine call, so no worker or read transaction spans two chunks. */
export const ExportChunkRows = Config.integer("EXPORT_CHUNK_ROWS").pipe(
  Config.withDefault(5000),
  Config.validate({ message: "EXPORT_CHUNK_ROWS must be at least 1", validation: (n) => n >= 1 })
)

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson"
}

const needsQuotes = /[",\r\n]/

/** RFC 4180: a field holding a comma, quote, CR or LF is quoted, its quotes doubled. */
export const csvField = (value: unknown): string => {
  if (typeof value === "number") return String(value)
  const text = String(value)
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const CSV_HEADER = `${API_RECORD_FIELDS.join(",")}\r\n`

export const csvLine = (record: ApiRecord): string => {
  let line = ""
  for (let i = 0; i < API_RECORD_FIELDS.length; i++) {
    line += (i === 0 ? "" : ",") + csvField(record[API_RECORD_FIELDS[i]!])
  }
  return `${line}\r\n`
}

const ndjsonLine = (record: ApiRecord): string => `${writeRecord(record)}\n`

const encodeRows = (rows: ReadonlyArray<ApiRecord>, line: (r: ApiRecord) => string, prefix = ""): Uint8Array => {
  let text = prefix
  for (const row of rows) text += line(row)
  return Buffer.from(text, "utf8")
}

export interface ExportSelection {
  readonly window: DateWindow
  readonly filters: RecordFilters
  readonly format: ExportFormat
}

/**
 * The export body: the records of the selection in `/records` order, read chunk by chunk through `run`. The
 * first chunk is read before the stream is returned, so a failure there is still an ordinary error response;
 * later chunks are read as the client consumes the body (the response's back-pressure paces the reads).
 */
export const exportStream = <E>(
  run: (query: RecordsQuery) => Effect.Effect<RecordsPage, E>,
  selection: ExportSelection,
  chunkRows: number
): Effect.Effect<Stream.Stream<Uint8Array, E>, E> => {
  const fetch = (after: RecordPosition | undefined) =>
    run(new RecordsQuery({ window: selection.window, filters: selection.filters, limit: chunkRows, after }))
  const line = selection.format === "csv" ? csvLine : ndjsonLine
  return Effect.map(fetch(undefined), (first) => {
    const head = Stream.succeed(encodeRows(first.rows, line, selection.format === "csv" ? CSV_HEADER : ""))
    if (first.next === null || first.rows.length === 0) return head
    const rest = Stream.paginateEffect(first.next, (after) =>
      Effect.map(fetch(after), (page): readonly [Uint8Array, Option.Option<RecordPosition>] => [
        encodeRows(page.rows, line),
        page.rows.length === 0 ? Option.none() : Option.fromNullable(page.next)
      ])
    )
    return Stream.concat(head, rest)
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
    let active = 0
    /** Holds a slot until the scope (the request, body included) closes. */
    const acquire = Effect.acquireRelease(
      Effect.suspend(() => {
        if (active >= max) return overloaded(`At most ${max} exports run at once. Retry shortly.`)
        active++
        return Effect.void
      }),
      () => Effect.sync(() => void active--)
    )
    return { acquire, active: Effect.sync(() => active), max } as const
  })
}) {}
