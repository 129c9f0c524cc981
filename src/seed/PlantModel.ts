import { ITEM_CATALOG } from "./ItemCatalog.js"
import { PRODUCTION_LINES } from "./Lines.js"
import { type AliasTable, makeAliasTable, makeRng } from "./Prng.js"

/** Zipf exponent of item popularity: the rank-r item is made about r^-s times as often as the top one. */
const ZIPF_EXPONENT = 0.95

/** Share of an item's records made on its home line; the rest go to its alternate line. */
export const HOME_LINE_SHARE = 0.8

/** What the seed decides about the catalog: how popular each item is and on which lines it is made. */
export interface PlantModel {
  /** `rankOf[i]` is item i's popularity rank (0 = most made). */
  readonly rankOf: ReadonlyArray<number>
  /** `byRank[r]` is the index of the item of rank r. */
  readonly byRank: ReadonlyArray<number>
  /** Draws an item index with Zipf-like probability. */
  readonly popularity: AliasTable
  readonly homeLine: Int32Array
  readonly altLine: Int32Array
}

export const makePlantModel = (seed: number): PlantModel => {
  const n = ITEM_CATALOG.length
  const rng = makeRng("plant-model", seed)
  const byRank = ITEM_CATALOG.map((_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1))
    const t = byRank[i]!
    byRank[i] = byRank[j]!
    byRank[j] = t
  }
  const rankOf = new Array<number>(n)
  byRank.forEach((item, rank) => (rankOf[item] = rank))
  const lines = PRODUCTION_LINES.length
  const homeLine = new Int32Array(n)
  const altLine = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    homeLine[i] = rng.int(0, lines - 1)
    altLine[i] = (homeLine[i]! + rng.int(1, lines - 1)) % lines
  }
  return {
    rankOf,
    byRank,
    popularity: makeAliasTable(rankOf.map((rank) => 1 / Math.pow(rank + 1, ZIPF_EXPONENT))),
    homeLine,
    altLine
  }
}
