import { Context, type Effect } from "effect"
import type { ReadError } from "./ReadErrors.js"
import type {
  ItemsQuery,
  LinesQuery,
  Query,
  RecordsQuery,
  SummaryQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery
} from "./Query.js"
import type {
  ExportChunk,
  ExportFormat,
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
    readonly name: "optimized" | "reference" | "postgres"
    readonly run: <Q extends Query>(query: Q) => Effect.Effect<ResultOf<Q>, ReadError>
    /** One keyset chunk of `/records/export`: the page of `query` as export lines. */
    readonly exportChunk: (query: RecordsQuery, format: ExportFormat) => Effect.Effect<ExportChunk, ReadError>
  }
>() {}

/** One handler per kind of query; `engineOf` turns them into the engine's single typed `run`. */
export interface QueryHandlers {
  readonly records: (q: RecordsQuery) => Effect.Effect<RecordsPage, ReadError>
  readonly items: (q: ItemsQuery) => Effect.Effect<ItemsResult, ReadError>
  readonly lines: (q: LinesQuery) => Effect.Effect<LinesResult, ReadError>
  readonly summary: (q: SummaryQuery) => Effect.Effect<SummaryResult<SummaryRow>, ReadError>
  readonly exportChunk: (q: RecordsQuery, format: ExportFormat) => Effect.Effect<ExportChunk, ReadError>
}

export type SummaryRow = DailyRow | MonthlyRow | ByItemRow | ByLineRow | MonthlyByItemRow

export const engineOf = (name: QueryEngine["Type"]["name"], handlers: QueryHandlers): QueryEngine["Type"] => ({
  name,
  exportChunk: handlers.exportChunk,
  run: <Q extends Query>(query: Q): Effect.Effect<ResultOf<Q>, ReadError> => {
    // Each handler answers exactly its query's ResultOf; TypeScript cannot narrow Q through the switch.
    const q = query as Query
    switch (q._tag) {
      case "records":
        return handlers.records(q) as Effect.Effect<ResultOf<Q>, ReadError>
      case "items":
        return handlers.items(q) as Effect.Effect<ResultOf<Q>, ReadError>
      case "lines":
        return handlers.lines(q) as Effect.Effect<ResultOf<Q>, ReadError>
      default:
        return handlers.summary(q) as Effect.Effect<ResultOf<Q>, ReadError>
    }
  }
})
