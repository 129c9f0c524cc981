import { Context, type Effect } from "effect"
import type { ReadError } from "../pool/ReadErrors.js"
import type {
  ItemsQuery,
  LinesQuery,
  Query,
  RecordsQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery
} from "./Query.js"
import type {
  ByItemRow,
  ByLineRow,
  DailyRow,
  ItemsResult,
  LinesResult,
  MonthlyByItemRow,
  MonthlyRow,
  RecordsPage,
  SummaryResult
} from "./QueryResults.js"

/** What each query answers. */
export type ResultOf<Q extends Query> = Q extends RecordsQuery
  ? RecordsPage
  : Q extends ItemsQuery
    ? ItemsResult
    : Q extends LinesQuery
      ? LinesResult
      : Q extends SummaryDailyQuery
        ? SummaryResult<DailyRow>
        : Q extends SummaryMonthlyQuery
          ? SummaryResult<MonthlyRow>
          : Q extends SummaryByItemQuery
            ? SummaryResult<ByItemRow>
            : Q extends SummaryByLineQuery
              ? SummaryResult<ByLineRow>
              : Q extends SummaryMonthlyByItemQuery
                ? SummaryResult<MonthlyByItemRow>
                : never

/**
 * The one place a query's answer is produced. Two implementations: the optimized engine (read pool, rollups,
 * concurrent halves) and the reference engine (one connection, ATTACH + UNION ALL), selected by `QUERY_ENGINE`.
 * The export streams `/records` pages through `run`, so it holds no worker between chunks.
 */
export class QueryEngine extends Context.Tag("QueryEngine")<
  QueryEngine,
  {
    readonly name: "optimized" | "reference"
    readonly run: <Q extends Query>(query: Q) => Effect.Effect<ResultOf<Q>, ReadError>
  }
>() {}
