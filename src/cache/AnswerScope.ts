import type { Touched } from "../changes/Touched.js"
import type { DateWindow } from "../domain/DateWindow.js"
import { touches } from "./RangeIndex.js"

/**
 * Which records an answer is made of, besides its window: what a commit must touch to make it stale. `Records`:
 * those matching its item and line filters (undefined: any); `Dimensions`: the items dimension and lines list
 * (`/items`, `/lines`), which only a code/name pair or line code appearing or disappearing changes.
 */
export type AnswerScope =
  | { readonly _tag: "Records"; readonly item_code: string | undefined; readonly line_code: string | undefined }
  | { readonly _tag: "Dimensions" }

const sortedDistinct = (dates: Iterable<string>): Array<string> => [...new Set(dates)].sort()

const push = (map: Map<string, Array<string>>, key: string, date: string) => {
  const dates = map.get(key)
  if (dates === undefined) map.set(key, [date])
  else dates.push(date)
}

/**
 * The records a change touched, by item, by line and by both, each with its sorted dates: whether an answer
 * holds one is a binary search per answer, whatever the number of records.
 */
export class TouchedScopes {
  readonly #dates: ReadonlyArray<string>
  readonly #byItem = new Map<string, Array<string>>()
  readonly #byLine = new Map<string, Array<string>>()
  readonly #byBoth = new Map<string, Array<string>>()

  constructor(
    sortedDates: ReadonlyArray<string>,
    readonly touched: Touched
  ) {
    this.#dates = sortedDates
    for (const r of touched.records) {
      push(this.#byItem, r.item_code, r.date)
      push(this.#byLine, r.line_code, r.date)
      push(this.#byBoth, JSON.stringify([r.item_code, r.line_code]), r.date)
    }
    for (const map of [this.#byItem, this.#byLine, this.#byBoth])
      for (const [key, dates] of map) map.set(key, sortedDistinct(dates))
  }

  /** Whether the change touched a record of an answer over `window` (undefined = every date) with `scope`. */
  affects(window: DateWindow | undefined, scope: AnswerScope | undefined): boolean {
    if (scope?._tag === "Dimensions") return this.touched.dimensions && touches(window, this.#dates)
    const { item_code, line_code } = scope ?? { item_code: undefined, line_code: undefined }
    const dates =
      item_code !== undefined && line_code !== undefined
        ? this.#byBoth.get(JSON.stringify([item_code, line_code]))
        : item_code !== undefined
          ? this.#byItem.get(item_code)
          : line_code !== undefined
            ? this.#byLine.get(line_code)
            : this.#dates
    return dates !== undefined && touches(window, dates)
  }
}

/**
 * Whether a change touching `sortedDates` (with what it `touched` beyond them, when known) reaches an answer over
 * `window` with `scope`: without `touched`, any of its dates does.
 */
export const changeReaches = (
  sortedDates: ReadonlyArray<string>,
  touched: TouchedScopes | undefined,
  window: DateWindow | undefined,
  scope: AnswerScope | undefined
): boolean => (touched === undefined ? touches(window, sortedDates) : touched.affects(window, scope))
