import type { RecordJson } from "../../src/domain/ProductionRecord.js"
import { type RenderedRows, isRendered } from "../../src/query/QueryResults.js"

/** A `/records` page's rows parsed back to objects, whichever form the engine answered them in. */
export const pageRecords = <A = unknown>(rows: ReadonlyArray<RecordJson> | RenderedRows): Array<A> =>
  isRendered(rows)
    ? (JSON.parse(
        `[${rows.pieces
          .filter((p) => p.length > 0)
          .map((p) => Buffer.from(p).toString("utf8"))
          .join(",")}]`
      ) as Array<A>)
    : rows.map((r) => JSON.parse(r) as A)
