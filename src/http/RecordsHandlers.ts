import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect } from "effect"
import { QueryEngine } from "../query/QueryEngine.js"
import { fromReadError } from "./ApiErrors.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { Answers } from "./Answers.js"
import { Api } from "./Api.js"
import { compressStream, negotiate } from "./Compression.js"
import { CONTENT_TYPES, ExportChunkRows, ExportSlots, abortOnFailure, exportStream } from "./ExportStream.js"
import { queryHandler } from "./QueryHandler.js"
import { ExportParams, RecordsParams } from "./QueryParams.js"
import { decodeRequest } from "./RequestDecoding.js"

export const RecordsHandlers = HttpApiBuilder.group(Api, "records", (handlers) =>
  Effect.gen(function* () {
    const answer = queryHandler(yield* Answers, yield* QueryMetrics)
    const engine = yield* QueryEngine
    const slots = yield* ExportSlots
    const chunkRows = yield* ExportChunkRows
    return handlers.handle("list", answer(RecordsParams)).handle("export", ({ request }) =>
      Effect.gen(function* () {
        const selection = yield* decodeRequest(ExportParams, request)
        // Held until the request's scope closes, i.e. after the last byte of the body (or its failure).
        yield* slots.acquire
        const body = yield* Effect.catchAll(exportStream(engine.exportChunk, selection, chunkRows), fromReadError)
        const coding = negotiate(request.headers["accept-encoding"])
        const headers: Record<string, string> = {
          "cache-control": "no-store",
          "content-disposition": `attachment; filename="records.${selection.format}"`,
          vary: "Accept-Encoding"
        }
        if (coding !== undefined) headers["content-encoding"] = coding
        const encoded = coding === undefined ? body : compressStream(body, coding)
        return HttpServerResponse.stream(abortOnFailure(encoded, NodeHttpServerRequest.toServerResponse(request)), {
          contentType: CONTENT_TYPES[selection.format],
          headers
        })
      })
    )
  })
)
