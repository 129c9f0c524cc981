import { section, table } from "./Markdown.js"
import { verdict } from "./Pragmas.js"
import { notesSection } from "./Notes.js"
import { previousSection } from "./Previous.js"
import { baselineSection, floorsSection } from "./ReportLatency.js"
import { crossDbSection, exportSection, loadSection, pragmaSection, startupSection } from "./ReportLoad.js"
import { underWritesSection } from "./ReportUnderWrites.js"
import { growthSection } from "./Growth.js"
import { postgresSection } from "./ReportPostgres.js"
import { type BenchResults, serviceCommand } from "./Results.js"
import { int, mb } from "./Stats.js"
import { evaluateTargets, verdictCell } from "./Targets.js"

/** The report's section titles, in order (the test checks them); §6 and §7 only with their options. */
export const REPORT_SECTIONS = [
  "## Machine",
  "## Data",
  "## Targets",
  "## 1. Baseline vs optimized",
  "## 2. Floors",
  "## 3. Under load",
  "## 3b. Reads under writes",
  "## 4. Parallel cross-DB execution",
  "## 5. Large results: export",
  "## Start-up",
  "## Pragmas",
  "## Chart"
] as const

const header = (r: BenchResults): string => {
  const o = r.options
  return section(
    "# Benchmark report",
    r.options.quick
      ? "> **Smoke run (`--quick`)**: small data, short loads, one repeat. It checks the machinery; its numbers " +
          "say nothing about the targets."
      : "",
    `Generated ${r.date} in ${Math.round(r.totalS)} s from ${r.revision} by:\n\n\`\`\`sh\n${r.command}\n\`\`\``,
    `Settings: ${o.durationS} s load runs, ${o.connections} connections, ${o.repeats} repeats (every figure below ` +
      `is a median over them unless it says otherwise); per-shape latencies of the optimized service (cache off and ` +
      `on), the HTTP floor and the database floor, side by side (pass by pass, each in turn asked every shape, the ` +
      `order rotated from pass to pass): ${o.samples} timed passes after ${o.warmPasses} untimed ones; the baseline's: ` +
      (o.skipBaseline ? "none (`--skip-baseline`); " : `${o.repeats} after one; `) +
      `${o.distinctUrls} distinct URLs in the mixed workload. ` +
      `Service processes: ${serviceCommand(r)}; read workers from the worker bundle. The ` +
      "machine is shared: absolute times drift from run to run, so every claim is a ratio or a comparison with a " +
      "floor measured in this same run."
  )
}

const machineSection = (r: BenchResults): string => {
  const m = r.machine
  return section(
    "## Machine",
    table(
      ["", "value"],
      [
        ["CPU", m.cpu],
        ["cores", m.cores],
        ["memory", m.memory],
        ["OS", m.os],
        ["Node", m.node],
        ["SQLite", `${m.sqlite} (better-sqlite3 ${m.betterSqlite3})`],
        ["load generator", `autocannon ${m.autocannon} (programmatic API, in the bench process)`],
        ["load average (1, 5, 15 min) at start / end", `${m.loadAtStart} / ${r.loadAtEnd}`]
      ]
    )
  )
}

const dataSection = (r: BenchResults): string => {
  const p = r.profile
  return section(
    "## Data",
    `${int(p.rows)} records, ${p.first}..${p.anchor}, cutover ${r.cutover}; ` +
      (r.dataDir === undefined ? "seeded into a temp dir for this run." : `data cache \`${r.dataDir}\`.`) +
      ` Every window ends at the last date holding records (${p.anchor}); all URLs name their dates.`,
    table(
      ["file", "records ", "dates", "un-migrated size ", "migrated size "],
      p.files.map((f) => [f.file, int(f.rows), `${f.first}..${f.last}`, mb(f.rawBytes), mb(f.migratedBytes)])
    )
  )
}

const targetsSection = (r: BenchResults): string =>
  section(
    "## Targets",
    table(
      ["what", "target", "measured", "result"],
      evaluateTargets(r).map((t) => [t.what, t.target, t.measured, verdictCell(t.pass)])
    )
  )

/** The whole report; `chartPath` is the chart's path relative to the report. */
export const renderReport = (r: BenchResults, chartPath: string): string => {
  const base = r.pragmas.find((p) => p.change === "default")
  return (
    [
      header(r),
      machineSection(r),
      dataSection(r),
      targetsSection(r),
      baselineSection(r),
      floorsSection(r),
      loadSection(r),
      underWritesSection(r),
      crossDbSection(r),
      exportSection(r),
      postgresSection(r),
      growthSection(r),
      startupSection(r),
      pragmaSection(r, (i) => (base === undefined ? "" : verdict(r.pragmas[i]!, base))),
      previousSection(r),
      notesSection(),
      section(
        "## Chart",
        "Baseline vs optimized vs floors per endpoint: p50 over the endpoint's shapes, one connection, log scale.",
        `![baseline vs optimized vs floors per endpoint](${chartPath})`
      )
    ]
      .filter((part) => part !== "")
      .join("\n\n") + "\n"
  )
}
