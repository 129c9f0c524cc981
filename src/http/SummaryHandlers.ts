import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { Answers } from "./Answers.js"
import { Api } from "./Api.js"
import { queryHandler } from "./QueryHandler.js"
import {
  SummaryByItemParams,
  SummaryByLineParams,
  SummaryDailyParams,
  SummaryMonthlyByItemParams,
  SummaryMonthlyParams
} from "./QueryParams.js"

export const SummaryHandlers = HttpApiBuilder.group(Api, "summary", (handlers) =>
  Effect.gen(function* () {
    const answer = queryHandler(yield* Answers, yield* QueryMetrics)
    return handlers
      .handle("daily", answer(SummaryDailyParams))
      .handle("monthly", answer(SummaryMonthlyParams))
      .handle("byItem", answer(SummaryByItemParams))
      .handle("byLine", answer(SummaryByLineParams))
      .handle("monthlyByItem", answer(SummaryMonthlyByItemParams))
  })
)
