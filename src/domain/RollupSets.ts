/**
 * The rollups both backends keep: one table per grain (day, month) and set of dimensions (none, item, line,
 * item+line), so that every summary reads the smallest table that holds its filters. Tables with the item
 * dimension carry the group's latest record for the contract's `item_name` rule.
 */
export type Grain = "day" | "month"
export type Dimension = "item_code" | "line_code"

export interface RollupSet {
  readonly table: string
  readonly grain: Grain
  readonly dims: ReadonlyArray<Dimension>
  /** Whether rows carry the latest record of their group (needed where `item_name` is answered). */
  readonly tracksLatest: boolean
}

const dimensionSets: ReadonlyArray<ReadonlyArray<Dimension>> = [
  [],
  ["item_code"],
  ["line_code"],
  ["item_code", "line_code"]
]

export const ROLLUP_SETS: ReadonlyArray<RollupSet> = (["day", "month"] as const).flatMap((grain) =>
  dimensionSets.map((dims) => ({
    table: ["rollup", grain, ...dims.map((d) => d.replace("_code", ""))].join("_"),
    grain,
    dims,
    tracksLatest: dims.includes("item_code")
  }))
)
