/**
 * The benchmark's reads-under-writes comparison (§3b) alone, repeated: for looking into its tail without a whole
 * `npm run bench`. Each round starts a service on a fresh copy of the live file and prints its runs.
 *
 *   node --import tsx scripts/bench-under-writes.ts [--rounds N] [--repeats N] [--duration S] [--poll-ms MS]
 *     [--loader-spread N]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { IsoDate } from "../src/domain/IsoDate.js"
import { buildBundles } from "./bench/Bundles.js"
import { CUTOVER, prepareData, writableLiveCopy } from "./bench/DataPrep.js"
import { profileData } from "./bench/DataProfile.js"
import { OneConnection } from "./bench/HttpClient.js"
import { CHANGE_POLL_MS, measureReadsUnderWrites } from "./bench/ReadsUnderWrites.js"
import { REPO, withServer } from "./bench/ServerProcess.js"
import { serviceSpawn } from "./bench/Services.js"
import { percentile } from "./bench/Stats.js"

const USAGE = `Usage: node --import tsx scripts/bench-under-writes.ts [options]

Runs the benchmark's reads-under-writes comparison (§3b of BENCHMARKS.md) alone on the benchmark data
(.bench/data: run npm run bench once first), and prints each run: req/s, p50, p99, max, errors, hit rates, and
the freshness lag of the round.
  --rounds N     services started one after the other, each on a fresh copy of the live file [2]
  --repeats N    load runs per round [2]
  --duration S   seconds of each load run [20]
  --poll-ms MS   the service's CHANGE_POLL_MS [${CHANGE_POLL_MS}]; a large value shows the load without invalidations
  --loader-spread N
                 the loader's commits cycle through N of the data's items and, beside them, its lines [1: one
                 item on one line, as npm run bench]; more touches more of the answers filtered to an item or line
  --cpu-prof DIR the service writes V8 CPU profiles of its threads into DIR (node --cpu-prof) when it stops
  --data-dir DIR the benchmark data [.bench/data]; with --rows-per-day N [3000], its scale (npm run bench's options)`

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  return at < 0 ? fallback : Number(process.argv[at + 1])
}

const main = async () => {
  if (process.argv.includes("--help")) return console.log(USAGE)
  const rounds = option("--rounds", 2)
  const repeats = option("--repeats", 2)
  const durationS = option("--duration", 20)
  const pollMs = option("--poll-ms", CHANGE_POLL_MS)
  const profileAt = process.argv.indexOf("--cpu-prof")
  const profileFlags = profileAt < 0 ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.argv[profileAt + 1]}`]
  const logDir = mkdtempSync(join(tmpdir(), "pa-under-writes-"))
  try {
    const dataAt = process.argv.indexOf("--data-dir")
    const data = await prepareData(dataAt < 0 ? join(REPO, ".bench/data") : process.argv[dataAt + 1]!, {
      rowsPerDay: option("--rows-per-day", 3000),
      from: "2024-01-01",
      to: "2026-11-27"
    })
    const bundles = await buildBundles()
    const profile = profileData(data)
    for (let round = 1; round <= rounds; round++) {
      const scratch = writableLiveCopy(data)
      const setup = { name: `under-writes-${round}`, engine: "optimized", cache: true, fromSource: false } as const
      const spawn = serviceSpawn({ ...setup, files: scratch.files, bundles, logDir, changePollMs: pollMs })
      const result = await withServer({ ...spawn, node: [...profileFlags, ...spawn.node] }, async (server) => {
        const client = new OneConnection(server.base)
        try {
          return await measureReadsUnderWrites(server.base, client, profile, CUTOVER as IsoDate, scratch.files.live, {
            distinct: 300,
            connections: 100,
            durationS,
            repeats,
            pollMs,
            loaderSpread: option("--loader-spread", 1)
          })
        } finally {
          client.close()
        }
      }).finally(scratch.remove)
      for (const run of result.runs) {
        console.log(
          `round ${round}: ${Math.round(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, max ${run.max} ms, ` +
            `errors ${run.errors}, non-2xx ${run.non2xx}, hit rate ${run.hitRate.toFixed(1)} % ` +
            `(covering today ${run.todayHitRate.toFixed(1)} %), X-Cache covering today ${JSON.stringify(run.watched)}`
        )
      }
      const { commits, neverSeen, lagsMs } = result.freshness
      console.log(
        `round ${round}: ${commits} commits, ${neverSeen} never seen, lag p99 ${Math.round(percentile(lagsMs, 99))} ms`
      )
    }
  } finally {
    rmSync(logDir, { recursive: true, force: true })
  }
}

void main()
