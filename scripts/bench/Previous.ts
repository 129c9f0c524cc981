import { existsSync, readFileSync } from "node:fs"
import { section, table } from "./Markdown.js"
import { type BenchResults, shapeP50 } from "./Results.js"
import { ENDPOINT_PATHS } from "./Shapes.js"
import { ms, ratio } from "./Stats.js"

/** What an earlier report (the one this run replaces) measured: its commit and each shape's optimized p50. */
export interface PreviousReport {
  readonly path: string
  readonly revision: string
  readonly optimizedMs: ReadonlyMap<string, number>
}

const cellsOf = (line: string): Array<string> =>
  line
    .split("|")
    .slice(1, -1)
    .map((c) => c.trim())

/** Reads the per-shape table of a report this bench wrote, or undefined when there is none to read. */
export const readPreviousReport = (path: string): PreviousReport | undefined => {
  if (!existsSync(path)) return undefined
  const text = readFileSync(path, "utf8")
  const revision = /from commit (\S+?)(?:\s| by)/.exec(text)?.[1]
  const lines = text.split("\n")
  const head = lines.findIndex((l) => /^\|\s*endpoint\s*\|\s*shape\s*\|/.test(l) && l.includes("optimized"))
  if (revision === undefined || head < 0) return undefined
  const column = cellsOf(lines[head]!).indexOf("optimized")
  const optimizedMs = new Map<string, number>()
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break
    const cells = cellsOf(line)
    const value = Number((cells[column] ?? "").replaceAll(",", ""))
    if (Number.isFinite(value)) optimizedMs.set(`${cells[0]} ${cells[1]}`, value)
  }
  return optimizedMs.size === 0 ? undefined : { path, revision, optimizedMs }
}

/** Each shape's uncached p50 in the report this run replaces and in this run. */
export const previousSection = (r: BenchResults): string => {
  const previous = r.previous
  if (previous === undefined) return ""
  const rows = r.optimized.flatMap((run) => {
    const before = previous.optimizedMs.get(`${ENDPOINT_PATHS[run.shape.endpoint]} ${run.shape.label}`)
    if (before === undefined) return []
    const now = shapeP50(run)
    return [[ENDPOINT_PATHS[run.shape.endpoint], run.shape.label, ms(before), ms(now), ratio(before / now)]]
  })
  return section(
    "## Since the previous report",
    `The report this run replaced (\`${previous.path}\`, commit ${previous.revision}, same command) against this ` +
      "run: each shape's uncached p50 (one connection, cache off), ms. Both are medians measured on this shared " +
      "machine at different times: read small ratios as noise, large ones as the effect of the commits in between " +
      `(\`git log ${previous.revision}..${/commit (\w+)/.exec(r.revision)?.[1] ?? "HEAD"}\`; the notes below say ` +
      "what each changed).",
    table(["endpoint", "shape", "previous ", "now ", "speed-up "], rows)
  )
}
