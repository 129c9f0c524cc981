import { ITEM_CATALOG, nameAtRevision } from "./ItemCatalog.js"
import { type PlantModel } from "./PlantModel.js"
import { makeRng } from "./Prng.js"

/**
 * Now and then an item gets a new revision ("Bracket Ø20 LH" → "Bracket Ø20 LH Rev B" → "… Rev C") from some
 * date on. Renames are drawn month by month over a fixed span, each month from its own (seed, month) stream,
 * so the name of an item on a date never depends on the range being generated.
 */
const FIRST_YEAR = 2022
const LAST_YEAR = 2039
/** Chance of a first, and of a second, rename in a month. */
const MONTHLY_RENAME_CHANCES = [0.7, 0.2] as const
/** Most renames hit one of the most-made items (so they show up in the data); the rest any item. */
const POPULAR_TOP = 60
const POPULAR_SHARE = 0.75

export interface RenameSchedule {
  /** Every rename as `[date, itemIndex]`, in date order. */
  readonly renames: ReadonlyArray<readonly [string, number]>
  /** Each item's name on `date` (`YYYY-MM-DD`), indexed like the catalog. */
  readonly namesOn: (date: string) => ReadonlyArray<string>
}

export const makeRenameSchedule = (seed: number, model: PlantModel): RenameSchedule => {
  const renames: Array<readonly [string, number]> = []
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    for (let month = 1; month <= 12; month++) {
      const ym = `${year}-${String(month).padStart(2, "0")}`
      const rng = makeRng("renames", seed, ym)
      for (const p of MONTHLY_RENAME_CHANCES) {
        if (!rng.chance(p)) break
        const item = rng.chance(POPULAR_SHARE)
          ? model.byRank[rng.int(0, POPULAR_TOP - 1)]!
          : rng.int(0, ITEM_CATALOG.length - 1)
        renames.push([`${ym}-${String(rng.int(1, 28)).padStart(2, "0")}`, item])
      }
    }
  }
  renames.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))

  const datesOf = new Map<number, Array<string>>()
  for (const [date, item] of renames) datesOf.set(item, [...(datesOf.get(item) ?? []), date])
  const baseNames = ITEM_CATALOG.map((item) => nameAtRevision(item, item.initialRevision))

  const namesOn = (date: string): ReadonlyArray<string> => {
    const names = [...baseNames]
    for (const [index, dates] of datesOf) {
      const count = dates.filter((d) => d <= date).length
      if (count === 0) continue
      const item = ITEM_CATALOG[index]!
      // A first rename of an item without a revision makes it "Rev B" (its first version being revision A).
      names[index] = nameAtRevision(item, Math.max(item.initialRevision, 1) + count)
    }
    return names
  }
  return { renames, namesOn }
}
