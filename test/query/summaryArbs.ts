import { FastCheck as fc } from "effect"
import type { DateWindow } from "../../src/domain/DateWindow.js"
import {
  RecordsQuery,
  SummaryByItemQuery,
  SummaryByLineQuery,
  SummaryDailyQuery,
  SummaryMonthlyByItemQuery,
  SummaryMonthlyQuery,
  type SummaryQuery
} from "../../src/query/Query.js"

export const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 })

/** A `q` cut from one of `names`: up to 6 code points from anywhere in it, as is, upper-cased or lower-cased. */
export const nameFragmentArb = (names: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.constantFrom(...names).chain((name) =>
    fc
      .tuple(fc.nat(name.length - 1), fc.integer({ min: 1, max: 6 }), fc.constantFrom("same", "upper", "lower"))
      .map(([start, len, c]) => {
        const s = [...name].slice(start, start + len).join("") || name
        return c === "upper" ? s.toUpperCase() : c === "lower" ? s.toLowerCase() : s
      })
  )

/** Each of the five summaries with the filters (each maybe absent) and limit it takes. */
export const summaryQueryArbs = (arbs: {
  readonly window: fc.Arbitrary<DateWindow>
  readonly item: fc.Arbitrary<string>
  readonly line: fc.Arbitrary<string>
  readonly limit: fc.Arbitrary<number>
}): ReadonlyArray<fc.Arbitrary<SummaryQuery>> => [
  fc
    .record({ window: arbs.window, item_code: maybe(arbs.item), line_code: maybe(arbs.line) })
    .map((a) => new SummaryDailyQuery(a)),
  fc
    .record({ window: arbs.window, item_code: maybe(arbs.item), line_code: maybe(arbs.line) })
    .map((a) => new SummaryMonthlyQuery(a)),
  fc
    .record({ window: arbs.window, line_code: maybe(arbs.line), limit: maybe(arbs.limit) })
    .map((a) => new SummaryByItemQuery(a)),
  fc.record({ window: arbs.window, item_code: maybe(arbs.item) }).map((a) => new SummaryByLineQuery(a)),
  fc
    .record({ window: arbs.window, item_code: maybe(arbs.item), line_code: maybe(arbs.line) })
    .map((a) => new SummaryMonthlyByItemQuery(a))
]

/** A first `/records` page with each filter maybe absent. */
export const recordsQueryArb = (arbs: {
  readonly window: fc.Arbitrary<DateWindow>
  readonly item: fc.Arbitrary<string>
  readonly line: fc.Arbitrary<string>
  readonly lot: fc.Arbitrary<string>
  readonly q: fc.Arbitrary<string>
  readonly limit: fc.Arbitrary<number>
}): fc.Arbitrary<RecordsQuery> =>
  fc
    .record({
      window: arbs.window,
      item_code: maybe(arbs.item),
      line_code: maybe(arbs.line),
      lot_prefix: maybe(arbs.lot),
      q: maybe(arbs.q),
      limit: arbs.limit
    })
    .map(({ window, limit, ...filters }) => new RecordsQuery({ window, filters, limit, after: undefined }))
