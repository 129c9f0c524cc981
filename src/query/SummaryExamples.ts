import type { DateWindow } from "../domain/DateWindow.js"
import {
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery,
  type SummaryQuery
} from "./Query.js"

/** Every subset of `xs`, the empty one first. */
export const subsets = <T>(xs: ReadonlyArray<T>): ReadonlyArray<ReadonlyArray<T>> =>
  xs.reduce<ReadonlyArray<ReadonlyArray<T>>>((acc, x) => [...acc, ...acc.map((s) => [...s, x])], [[]])

/**
 * Every summary with each filter combination it accepts, over `window`, named by its shape (`summary_daily+item_code`):
 * what both backends' index checks plan.
 */
export const summaryExamples = (
  window: DateWindow,
  values: { readonly item_code: string; readonly line_code: string }
): ReadonlyArray<{ readonly name: string; readonly query: SummaryQuery }> => {
  const summaries: Array<SummaryQuery> = []
  for (const keys of subsets(["item_code", "line_code"] as const)) {
    const f = {
      item_code: keys.includes("item_code") ? values.item_code : undefined,
      line_code: keys.includes("line_code") ? values.line_code : undefined
    }
    summaries.push(
      new SummaryDailyQuery({ window, ...f }),
      new SummaryMonthlyQuery({ window, ...f }),
      new SummaryMonthlyByItemQuery({ window, ...f })
    )
  }
  for (const line_code of [undefined, values.line_code])
    summaries.push(new SummaryByItemQuery({ window, line_code, limit: undefined }))
  for (const item_code of [undefined, values.item_code]) summaries.push(new SummaryByLineQuery({ window, item_code }))
  return summaries.map((s) => ({
    name: [
      s._tag,
      "item_code" in s && s.item_code !== undefined ? "item_code" : "",
      "line_code" in s && s.line_code !== undefined ? "line_code" : ""
    ]
      .filter((x) => x !== "")
      .join("+"),
    query: s
  }))
}
