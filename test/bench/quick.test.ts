import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { SERIES } from "../../scripts/bench/Chart.js"
import { REPORT_SECTIONS } from "../../scripts/bench/Report.js"
import { tableRows } from "./MarkdownRows.js"

const REPO = fileURLToPath(new URL("../../", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "bench-quick-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const figure = (cell: string | undefined): number => Number((cell ?? "").replace(/[,%\s]/g, ""))

/** Runs the bench script as a child process, killed if it outlives `timeoutMs`. */
const bench = (args: ReadonlyArray<string>, timeoutMs: number) =>
  new Promise<{ code: number | null; output: string; seconds: number }>((resolve) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench.ts", ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr.on("data", (c: Buffer) => (output += c.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output, seconds: (performance.now() - started) / 1000 })
    })
  })

describe("scripts/bench.ts", () => {
  it("prints its usage with --help", async () => {
    const run = await bench(["--help"], 30_000)
    expect(run.code).toBe(0)
    expect(run.output).toContain("--quick")
    expect(run.output).toContain("--data-dir")
    for (const option of ["--backend", "--pg-dir", "--skip-baseline", "--compare-with"])
      expect(run.output).toContain(option)
  })

  it("runs --quick end to end on fresh small data in well under a minute, writing the report and its chart", async () => {
    const out = join(dir, "report.md")
    const run = await bench(["--quick", "--out", out], 110_000)
    expect(run.code, run.output.slice(-3000)).toBe(0)
    expect(run.seconds).toBeLessThan(60)

    const report = readFileSync(out, "utf8")
    let at = -1
    for (const title of REPORT_SECTIONS) {
      const next = report.indexOf(`\n${title}`)
      expect(next, `section ${title}`).toBeGreaterThan(at)
      at = next
    }
    expect(report).toContain("node --import tsx scripts/bench.ts --quick --out")
    const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## 1."))
    expect(targets.match(/\|\s*(\*\*(pass|FAIL)\*\*|n\/a)\s*\|$/gm)?.length).toBe(11)
    expect(report).toContain("![baseline vs optimized vs floors per endpoint](report.svg)")

    // Reads under writes: the load runs' figures and the outside loader's commits, each seen or counted as not.
    const underWrites = report.slice(report.indexOf("## 3b."), report.indexOf("## 4."))
    const median = tableRows(underWrites, "run").find((row) => row[0] === "**median**") ?? []
    const [rps, , p50, p99, , errors, , non2xx, hitRate, todayHitRate, todayAnswers] = median.slice(1).map(figure)
    for (const value of [p50, p99, errors, non2xx, hitRate, todayHitRate]) expect(value).toBeGreaterThanOrEqual(0)
    expect(rps).toBeGreaterThan(0)
    expect(todayAnswers).toBeGreaterThan(0)
    const [commits, failed, seen, neverSeen, lagP50, lagP99, , , probes] = (
      tableRows(underWrites, "commits")[0] ?? []
    ).map(figure)
    expect(commits).toBeGreaterThan(0)
    expect(failed).toBeGreaterThanOrEqual(0)
    expect(seen + neverSeen).toBe(commits)
    if (seen > 0) expect(lagP99).toBeGreaterThanOrEqual(lagP50)
    expect(probes).toBeGreaterThan(0)

    const chart = readFileSync(join(dir, "report.svg"), "utf8")
    expect(chart.startsWith("<svg")).toBe(true)
    for (const series of SERIES) expect(chart).toContain(series)
  }, 120_000)

  it("runs --skip-baseline --compare-with the first run's results: baseline columns empty, §7 the growth per shape", async () => {
    const out = join(dir, "again.md")
    const run = await bench(
      ["--quick", "--skip-baseline", "--compare-with", join(dir, "report.json"), "--out", out],
      110_000
    )
    expect(run.code, run.output.slice(-3000)).toBe(0)
    const report = readFileSync(out, "utf8")
    expect(run.output).not.toContain("baseline: warm-up pass")
    const baseline = report.slice(report.indexOf("## 1."), report.indexOf("## 2."))
    for (const row of tableRows(baseline, "endpoint").slice(0, 8)) expect(row.slice(2, 4)).toEqual(["–", "–"])

    const growth = report.slice(report.indexOf("## 7. Growth with the data"), report.indexOf("## Start-up"))
    const endpoints = tableRows(growth, "endpoint")
    expect(endpoints.length).toBe(8)
    for (const [, then, now, growthRatio] of endpoints) {
      expect(figure(then)).toBeGreaterThan(0)
      expect(figure(now)).toBeGreaterThan(0)
      expect(growthRatio).toMatch(/×$/)
    }
    const targets = report.slice(report.indexOf("## Targets"), report.indexOf("## 1."))
    expect(targets).toMatch(/SQLite: summaries' uncached p50 at [\d,]+ vs [\d,]+ records \(§7\)/)
    const saved = JSON.parse(readFileSync(join(dir, "again.json"), "utf8")) as { shapes: ReadonlyArray<unknown> }
    expect(saved.shapes.length).toBeGreaterThan(30)
  }, 120_000)
})
