import { ITEM_FAMILIES } from "./ItemFamilies.js"
import { type Rng, makeRng } from "./Prng.js"

/**
 * The plant's item master: 500 items with stable codes and base names. The catalog is the same for every seed
 * (so names such as "Hex Bolt M8x40" or "Bracket Ø20 LH" always exist); the seed decides popularity, lines and
 * renames (see PlantModel.ts, RenameSchedule.ts).
 */
export interface CatalogItem {
  /** Stable item code, e.g. `BLT-1007`. */
  readonly code: string
  /** The name without its revision suffix, e.g. `Cover_LH`. */
  readonly baseName: string
  /** Revision at the catalog's start: 0 = none, 2 = "Rev B", 3 = "Rev C", ... */
  readonly initialRevision: number
  /** Good quantity per record lies in [minQty, maxQty]. */
  readonly minQty: number
  readonly maxQty: number
}

/** Names every catalog holds (docs and tests may rely on them). */
export const SHOWCASE_NAMES: ReadonlyArray<string> = [
  "Hex Bolt M8x40",
  "Bracket Ø20 LH",
  "Bracket Ø20 RH",
  "Sealant 50% Mix",
  "Cover_LH Rev B",
  "Cover_RH Rev B",
  "Spacer ø8",
  "Filter Cartridge 5µm",
  "Rivet Tête Ronde 4x10",
  "Câble Gainé 2m",
  "Fußplatte 120x80",
  "Pipe Ø20 L500"
]

const revisionPattern = /^(.*) Rev ([A-Z])$/

/** The letter of revision `n` (2 → "B"); revision 0 means no suffix. */
export const revisionLetter = (n: number): string => String.fromCharCode(64 + n)

/** An item's name at revision `revision` (0: the base name alone). */
export const nameAtRevision = (item: CatalogItem, revision: number): string =>
  revision === 0 ? item.baseName : `${item.baseName} Rev ${revisionLetter(revision)}`

const shuffle = <A>(rng: Rng, items: ReadonlyArray<A>): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1))
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

// Plain code-point order: the same on every machine, whatever its ICU data.
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const build = (): ReadonlyArray<CatalogItem> => {
  const rng = makeRng("item-catalog", 1)
  const items: Array<CatalogItem> = []
  for (const family of ITEM_FAMILIES) {
    const unique = [...new Set(family.candidates)]
    if (unique.length < family.quota) throw new Error(`catalog family ${family.code} has too few names`)
    const showcase = unique.filter((n) => SHOWCASE_NAMES.includes(n))
    const rest = shuffle(
      rng,
      unique.filter((n) => !SHOWCASE_NAMES.includes(n))
    )
    const chosen = [...showcase, ...rest].slice(0, family.quota).sort(byCodePoint)
    chosen.forEach((name, i) => {
      const m = revisionPattern.exec(name)
      items.push({
        code: `${family.code}-${1001 + i}`,
        baseName: m === null ? name : m[1]!,
        initialRevision: m === null ? 0 : m[2]!.charCodeAt(0) - 64,
        minQty: family.qty[0],
        maxQty: family.qty[1]
      })
    })
  }
  return items
}

/** The 500 catalog items, in code order. Built once per process. */
export const ITEM_CATALOG: ReadonlyArray<CatalogItem> = build()
