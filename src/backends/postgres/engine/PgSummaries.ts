import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { SummaryQuery } from "../../../query/Query.js"
import type { SummaryRow } from "../../../query/QueryEngine.js"
import type { SummaryResult } from "../../../query/QueryResults.js"
import type { ReadError } from "../../../query/ReadErrors.js"

// SKELETON (branch h17-base only): h17-engine-summaries replaces this file.
export const makePgSummaries: Effect.Effect<
  (q: SummaryQuery) => Effect.Effect<SummaryResult<SummaryRow>, ReadError>,
  never,
  SqlClient.SqlClient
> = Effect.succeed(() => Effect.die("PgSummaries: not built yet"))
