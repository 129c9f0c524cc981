/**
 * The raw material of the item catalog: part families with candidate names built from realistic dimensions.
 * Includes names with non-ASCII letters (Ø ø µ é É ß) and with `%` and `_`, which the API's `q` search must
 * treat literally and fold by Unicode case.
 */
/** A family of similar parts: its code prefix, how many items it has, their quantities and candidate names. */
export interface ItemFamily {
  readonly code: string
  readonly quota: number
  readonly qty: readonly [number, number]
  readonly candidates: ReadonlyArray<string>
}

/** Every combination of the value lists, rendered by `render`. */
const combos = <A, B>(as: ReadonlyArray<A>, bs: ReadonlyArray<B>, render: (a: A, b: B) => string): Array<string> =>
  as.flatMap((a) => bs.map((b) => render(a, b)))

const each = <A>(as: ReadonlyArray<A>, render: (a: A) => string): Array<string> => as.map(render)

const sides = ["LH", "RH"] as const
const metric = [4, 5, 6, 8, 10, 12, 16, 20]

/** The catalog's families; their quotas sum to 500. Names are realistic, some with Ø µ é É ß % _ on purpose. */
export const ITEM_FAMILIES: ReadonlyArray<ItemFamily> = [
  {
    code: "BLT",
    quota: 70,
    qty: [800, 6000],
    candidates: [
      ...combos(metric, [10, 12, 16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100], (d, l) => `Hex Bolt M${d}x${l}`),
      ...combos(metric, [10, 16, 20, 25, 30, 40], (d, l) => `Socket Screw M${d}x${l}`)
    ]
  },
  {
    code: "NUT",
    quota: 40,
    qty: [1000, 8000],
    candidates: combos(
      ["Hex Nut", "Lock Nut", "Flange Nut", "Cap Nut", "Weld Nut", "Wing Nut"],
      metric,
      (k, d) => `${k} M${d}`
    )
  },
  {
    code: "WSH",
    quota: 35,
    qty: [1000, 10000],
    candidates: [
      ...combos(["Washer", "Spring Washer", "Fender Washer", "Tab Washer"], metric, (k, d) => `${k} M${d}`),
      ...each([4, 5, 6, 8, 10, 12], (d) => `Spacer ø${d}`)
    ]
  },
  {
    code: "BRK",
    quota: 45,
    qty: [40, 400],
    candidates: [
      ...combos([12, 16, 20, 25, 30, 40], sides, (d, s) => `Bracket Ø${d} ${s}`),
      ...combos(
        ["L40", "L60", "L80", "L100", "U60", "U80", "U100", "Z40", "Z80", "Z120", "T50", "T75"],
        sides,
        (t, s) => `Bracket ${t} ${s}`
      ),
      ...each(["80x60", "100x80", "120x80", "150x100", "200x150", "250x200"], (wh) => `Mounting Plate ${wh}`),
      ...each(["30x30", "40x40", "50x50", "60x60"], (wh) => `Angle Bracket ${wh}`)
    ]
  },
  {
    code: "SLT",
    quota: 12,
    qty: [10, 120],
    candidates: [
      ...each([10, 25, 50, 75], (p) => `Sealant ${p}% Mix`),
      ...each([15, 30, 50], (p) => `Resin ${p}% GF`),
      ...each([60, 63], (p) => `Solder Paste ${p}% Sn`),
      ...each([5, 8], (p) => `Coolant ${p}% Conc`),
      "Grease 2% MoS2"
    ]
  },
  {
    code: "CVR",
    quota: 20,
    qty: [30, 300],
    candidates: [
      ...each(sides, (s) => `Cover_${s} Rev B`),
      ...combos(sides, ["S", "M", "L"], (s, z) => `Cover_${s} ${z}`),
      ...combos(sides, [1, 2, 3, 4], (s, n) => `Panel_${s} A${n}`),
      ...combos(["A", "B", "C", "D"], [10, 20], (l, n) => `Harness_${l}${n}`)
    ]
  },
  {
    code: "SHF",
    quota: 40,
    qty: [50, 500],
    candidates: [
      ...combos([8, 10, 12, 16, 20, 25], [100, 150, 200, 250, 300], (d, l) => `Shaft ${d}h6x${l}`),
      ...combos([3, 4, 5, 6], [10, 16, 20, 30], (d, l) => `Dowel Pin ${d}x${l}`)
    ]
  },
  {
    code: "BRG",
    quota: 40,
    qty: [100, 1000],
    candidates: combos(
      ["6000", "6001", "6002", "6003", "6004", "6005", "6008", "6010", "6200", "6201", "6202"],
      ["2RS", "ZZ"],
      (n, s) => `Bearing ${n}-${s}`
    ).concat(
      combos(
        ["6203", "6204", "6205", "6206", "6207", "6300", "6301", "6302", "6303", "6304", "6305"],
        ["2RS", "ZZ"],
        (n, s) => `Bearing ${n}-${s}`
      )
    )
  },
  {
    code: "FLT",
    quota: 12,
    qty: [100, 2000],
    candidates: [
      ...each([1, 5, 10, 25, 50], (n) => `Filter Cartridge ${n}µm`),
      ...each([50, 100, 200], (n) => `Mesh Screen ${n}µm`),
      ...each([1, 10, 47, 100], (n) => `Capacitor ${n}µF`)
    ]
  },
  {
    code: "GSK",
    quota: 45,
    qty: [200, 3000],
    candidates: [
      ...each([20, 25, 30, 40, 50, 60, 80, 100], (d) => `Gasket Ø${d}`),
      ...combos([6, 8, 10, 12, 16, 20, 25, 30, 40], ["1.5", "2", "2.5", "3"], (a, b) => `O-Ring ${a}x${b}`),
      ...each([1, 2, 3, 4, 5, 6], (n) => `Seal Kit SK-${n}`)
    ]
  },
  {
    code: "FPL",
    quota: 8,
    qty: [20, 200],
    candidates: [
      ...each(["120x80", "150x100", "200x120", "250x150"], (wh) => `Fußplatte ${wh}`),
      ...each([1, 2, 3, 4], (n) => `Gußteil G${n}`)
    ]
  },
  {
    code: "RVT",
    quota: 12,
    qty: [1000, 10000],
    candidates: [
      ...combos([3, 4, 5], [8, 10, 12], (d, l) => `Rivet Tête Ronde ${d}x${l}`),
      ...each([6, 8, 10], (d) => `Rondelle Élastique M${d}`),
      ...each([1, 2, 5], (n) => `Câble Gainé ${n}m`)
    ]
  },
  {
    code: "SPR",
    quota: 35,
    qty: [200, 2000],
    candidates: [
      ...combos(
        ["0.5", "0.8", "1", "1.2", "1.5", "2"],
        [10, 15, 20, 25, 30, 40],
        (w, l) => `Compression Spring ${w}x${l}`
      ),
      ...each([1, 2, 3, 4, 5, 6], (n) => `Torsion Spring T${n}`)
    ]
  },
  {
    code: "PIP",
    quota: 40,
    qty: [20, 300],
    candidates: [
      ...combos([12, 16, 20, 25, 32, 40, 50], [250, 500, 1000, 2000], (d, l) => `Pipe Ø${d} L${l}`),
      ...combos([6, 8, 10, 13], [500, 1000, 2000], (d, l) => `Hose ${d}mm L${l}`),
      ...combos([10, 12, 16], ["1", "1.5"], (d, t) => `Tube ${d}x${t}`)
    ]
  },
  {
    code: "HSG",
    quota: 46,
    qty: [20, 200],
    candidates: [
      ...combos(["A", "B", "C", "D", "E", "F", "G", "H"], [100, 200, 300, 400, 500, 600], (l, n) => `Housing ${l}${n}`),
      ...each([1, 2, 3, 4, 5, 6, 7, 8], (n) => `Gear Housing GH-${n}`)
    ]
  }
]
