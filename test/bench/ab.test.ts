import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { tableRows } from "./MarkdownRows.js"

const REPO = fileURLToPath(new URL("../../", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "bench-ab-test-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const runAb = (args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench-ab.ts", ...args], { cwd: REPO })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

describe("scripts/bench-ab.ts", () => {
  it("prints its usage with --help", async () => {
    const { code, stdout } = await runAb(["--help"])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: npm run bench:ab -- --before REV/)
  })

  it("compares two builds on small data: every shape's uncached p50 of each, and each one's hot path", async () => {
    const { code, stdout, stderr } = await runAb([
      "--before",
      "HEAD",
      "--samples",
      "1",
      "--repeats",
      "1",
      "--hot-seconds",
      "1",
      "--data-dir",
      dir,
      "--rows-per-day",
      "50",
      "--from",
      "2025-01-01",
      "--to",
      "2026-03-31"
    ])
    expect(code, stderr).toBe(0)
    const shapes = tableRows(stdout, "endpoint")
    expect(shapes.length).toBeGreaterThan(30)
    for (const [, , before, after] of shapes) {
      expect(Number(before)).toBeGreaterThan(0)
      expect(Number(after)).toBeGreaterThan(0)
    }
    const hot = tableRows(stdout, "build")
    expect(hot.map((row) => row[0])).toEqual(["before (HEAD)", "after (working tree)"])
    for (const [, service, floor] of hot) {
      expect(Number(service)).toBeGreaterThan(0)
      expect(Number(floor)).toBeGreaterThan(0)
    }
  }, 180_000)
})
