/**
 * Two builds side by side on the benchmark data: the uncached p50 of every shape of the benchmark, each build
 * asked every shape in turn, pass by pass (the order rotated from pass to pass), then the cached hot path of each
 * against the bare node:http floor, alternated. For a change's closing note: "before → after" in one run.
 *
 *   npm run bench:ab -- --before REV [--after REV] [--samples N] [--repeats N]
 *
 * `--after` defaults to the working tree. Data: the benchmark's (`.bench/data`, built by `npm run bench` first).
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { IsoDate } from "../src/domain/IsoDate.js"
import { type Bundles, buildBundles } from "./bench/Bundles.js"
import { CUTOVER, prepareData } from "./bench/DataPrep.js"
import { profileData } from "./bench/DataProfile.js"
import { measureHotPath } from "./bench/HotPath.js"
import { OneConnection } from "./bench/HttpClient.js"
import { resolveShapes, measureSideBySide } from "./bench/Latency.js"
import { table } from "./bench/Markdown.js"
import { progress } from "./bench/Progress.js"
import { REPO, withServer } from "./bench/ServerProcess.js"
import { type ServiceSetup, httpFloorSpawn, serviceSpawn } from "./bench/Services.js"
import { TWO_YEAR_MONTHLY, uncachedShapes } from "./bench/Shapes.js"
import { median } from "./bench/Stats.js"

const USAGE = `Usage: npm run bench:ab -- --before REV [--after REV] [options]

Compares two builds of the service side by side on the benchmark data (.bench/data: run npm run bench once
first): every shape's uncached p50 (cache off, one connection each, the builds asked in turn, pass by pass), and
the cached hot path's requests/s against a bare node:http server. --after defaults to the working tree.
  --samples N   timed passes over the shapes after 5 untimed ones (0: skip the uncached comparison) [15]
  --repeats N   hot-path runs of each build (alternated) [3]
  --hot-seconds S  seconds of each hot-path run [5]
  --data-dir D  the benchmark's data [.bench/data]; built there if absent, at the scale of
                --rows-per-day N [3000], --from DATE [2024-01-01], --to DATE [2026-11-27]`

const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

/** The bundles of `rev`, built in a throwaway worktree of this repository (its node_modules linked). */
const bundlesOf = (rev: string, dir: string): Bundles => {
  execFileSync("git", ["worktree", "add", "--detach", dir, rev], { cwd: REPO, stdio: "ignore" })
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"))
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      "import('./scripts/bench/Bundles.ts').then((m) => m.buildBundles()).then((b) => console.log(JSON.stringify(b)))"
    ],
    { cwd: dir, encoding: "utf8" }
  )
  return JSON.parse(out.trim().split("\n").at(-1)!) as Bundles
}

const main = async () => {
  const before = option("--before")
  if (before === undefined || process.argv.includes("--help")) {
    console.log(USAGE)
    process.exit(before === undefined && !process.argv.includes("--help") ? 2 : 0)
  }
  const after = option("--after")
  const samples = Number(option("--samples") ?? 15)
  const repeats = Number(option("--repeats") ?? 3)
  const hotSeconds = Number(option("--hot-seconds") ?? 5)
  const scratch = mkdtempSync(join(tmpdir(), "pa-ab-"))
  const worktrees: Array<string> = []
  const built = (rev: string) => {
    const dir = join(scratch, `rev-${worktrees.length}`)
    worktrees.push(dir)
    return bundlesOf(rev, dir)
  }
  try {
    const data = await prepareData(option("--data-dir") ?? join(REPO, ".bench/data"), {
      rowsPerDay: Number(option("--rows-per-day") ?? 3000),
      from: option("--from") ?? "2024-01-01",
      to: option("--to") ?? "2026-11-27"
    })
    const builds = [
      { label: `before (${before})`, bundles: built(before) },
      {
        label: `after (${after ?? "working tree"})`,
        bundles: after === undefined ? await buildBundles() : built(after)
      }
    ]
    const profile = profileData(data)
    const cutover = CUTOVER as IsoDate
    const setup = (bundles: Bundles, name: string, cache: boolean): ServiceSetup => ({
      name,
      files: data.migrated,
      engine: "optimized",
      cache,
      bundles,
      fromSource: false,
      logDir: scratch
    })
    const [a, b] = builds as [(typeof builds)[0], (typeof builds)[0]]
    // Two servers of one build side by side differ (the one started second was slower here): the comparison runs
    // twice, the start order swapped, and each build's samples are pooled.
    const inBothOrders = async <T>(cache: boolean, measure: (bases: readonly [string, string]) => Promise<T>) => {
      const results: Array<T> = []
      for (const order of [
        [0, 1],
        [1, 0]
      ] as const) {
        const [first, second] = order.map((i) => builds[i]!)
        results.push(
          await withServer(serviceSpawn(setup(first!.bundles, `${order[0]}-first`, cache)), (s1) =>
            withServer(serviceSpawn(setup(second!.bundles, `${order[1]}-second`, cache)), (s2) => {
              const byBuild = order[0] === 0 ? ([s1.base, s2.base] as const) : ([s2.base, s1.base] as const)
              return measure(byBuild)
            })
          )
        )
      }
      return results
    }

    const shapes = await withServer(serviceSpawn(setup(a.bundles, "shapes", false)), async (server) => {
      const client = new OneConnection(server.base)
      try {
        return await resolveShapes(client, uncachedShapes(profile, cutover))
      } finally {
        client.close()
      }
    })

    progress("uncached: both builds, cache off, shapes asked in turn")
    const uncached =
      samples === 0
        ? []
        : await inBothOrders(false, async (bases) => {
            const clients = bases.map((base) => new OneConnection(base))
            try {
              const result = await measureSideBySide(
                builds.map((build, i) => ({ label: build.label, client: clients[i]!, url: (shape) => shape.url })),
                shapes,
                { warm: 5, timed: Math.ceil(samples / 2) }
              )
              return result.runs.map((runs) => runs.map((run) => run.samples.map((sample) => sample.ms)))
            } finally {
              clients.forEach((c) => c.close())
            }
          })
    const rows =
      uncached.length === 0
        ? []
        : shapes.map((shape, k) => {
            const [x, y] = [0, 1].map((i) => median(uncached.flatMap((half) => half[i]![k]!))) as [number, number]
            return [shape.endpoint, shape.label, x.toFixed(3), y.toFixed(3), (y - x).toFixed(3), (x / y).toFixed(2)]
          })
    console.log(
      table(["endpoint", "shape", `${a.label} p50 ms`, `${b.label} p50 ms`, "after − before ms", "speed-up"], rows)
    )

    // Two service processes alive at once measured the second-started one up to 20 % lower on the hot path (an
    // A/A run of one bundle here; one at a time, six runs spread 3 %): each run has its build's server alone.
    progress("cached hot path: each build alone against the bare node:http floor, builds alternated")
    const url = shapes.find((s) => s.endpoint === "summary_monthly" && s.label === TWO_YEAR_MONTHLY)!.url
    const hotRuns = builds.map(() => ({ service: [] as Array<number>, floor: [] as Array<number> }))
    await withServer(httpFloorSpawn(b.bundles, scratch), async (floor) => {
      for (let r = 0; r < repeats; r++) {
        for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
          await withServer(serviceSpawn(setup(builds[i]!.bundles, `hot-${i}-${r}`, true)), async (server) => {
            const client = new OneConnection(server.base)
            try {
              const result = await measureHotPath({ base: server.base, client }, floor.base, url, {
                connections: 100,
                durationS: hotSeconds,
                repeats: 1
              })
              hotRuns[i]!.service.push(result.service[0]!.rps)
              hotRuns[i]!.floor.push(result.floor[0]!.rps)
            } finally {
              client.close()
            }
          })
        }
      }
    })
    builds.forEach((build, i) =>
      progress(`hot path, ${build.label}: ${hotRuns[i]!.service.map((rps) => Math.round(rps)).join(", ")} req/s`)
    )
    const hot = builds.map((build, i) => {
      const service = median(hotRuns[i]!.service)
      const floor = median(hotRuns[i]!.floor)
      return [
        build.label,
        Math.round(service).toString(),
        Math.round(floor).toString(),
        `${((100 * service) / floor).toFixed(1)} %`
      ]
    })
    console.log(table(["build", "cached req/s", "bare node:http req/s", "share of the floor"], hot))
  } finally {
    for (const dir of worktrees) {
      if (existsSync(dir)) execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: REPO, stdio: "ignore" })
    }
    rmSync(scratch, { recursive: true, force: true })
  }
}

void main()
