import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { Answers } from "./Answers.js"
import { Api } from "./Api.js"
import { queryHandler } from "./QueryHandler.js"
import { ItemsParams, LinesParams } from "./QueryParams.js"

export const CatalogHandlers = HttpApiBuilder.group(Api, "catalog", (handlers) =>
  Effect.gen(function* () {
    const answer = queryHandler(yield* Answers, yield* QueryMetrics)
    return handlers.handle("items", answer(ItemsParams)).handle("lines", answer(LinesParams))
  })
)
