import type { DateWindow } from "../../../domain/DateWindow.js"
import type { IsoDate } from "../../../domain/IsoDate.js"
import { summaryExamples } from "../../../query/SummaryExamples.js"
import type { PgShape } from "./PgStatement.js"
import { pgSummarySql } from "./PgSummarySql.js"

// Ragged at both ends with whole months between: every branch of a shape's text has a range to plan.
const WINDOW: DateWindow = { from: "2025-11-10" as IsoDate, to: "2026-03-20" as IsoDate }
const EXAMPLE = { item_code: "ITM-0001", line_code: "L01" } as const

/** Every summary shape with each filter combination it accepts, and by item with a limit and over one day. */
export const pgSummaryShapes = (): ReadonlyArray<PgShape> =>
  summaryExamples(WINDOW, EXAMPLE).flatMap(({ name, query }) => [
    { name, statement: pgSummarySql(query) },
    ...(query._tag === "summary_by_item"
      ? [
          { name: `${name} limit`, statement: pgSummarySql({ ...query, limit: 10 }) },
          { name: `${name} one day`, statement: pgSummarySql({ ...query, window: { from: WINDOW.to, to: WINDOW.to } }) }
        ]
      : [])
  ])
