/**
 * The benchmark of the performance spec: `node --import tsx scripts/bench.ts --help`. Progress on stdout; the
 * report (Markdown) and its chart (SVG) are written where `--out` and `--chart` say.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as prettier from "prettier"
import { dirname, join, relative, resolve } from "node:path"
import type { IsoDate } from "../src/domain/IsoDate.js"
import { chartPoints, renderChart } from "./bench/Chart.js"
import { measureCrossDb } from "./bench/CrossDb.js"
import { buildBundles } from "./bench/Bundles.js"
import { CUTOVER, prepareData } from "./bench/DataPrep.js"
import { exportWindow, profileData } from "./bench/DataProfile.js"
import { measureDbFloor } from "./bench/DbFloor.js"
import { measureExport } from "./bench/Export.js"
import { measureHotPath } from "./bench/HotPath.js"
import { withClient } from "./bench/HttpClient.js"
import { type ResolvedShape, measureShapes, resolveShapes } from "./bench/Latency.js"
import { describeMachine, exactCommand, loadAverage, sourceRevision } from "./bench/Machine.js"
import { measureMixed } from "./bench/Mixed.js"
import { type BenchOptions, HELP, parseOptions } from "./bench/Options.js"
import { measurePragmas, rawByItemShape, urlShape } from "./bench/Pragmas.js"
import { readPreviousReport } from "./bench/Previous.js"
import { progress } from "./bench/Progress.js"
import { renderReport } from "./bench/Report.js"
import type { BenchResults } from "./bench/Results.js"
import { atExit, rssAnon, withServer } from "./bench/ServerProcess.js"
import { type ServiceSetup, httpFloorSpawn, serviceSpawn } from "./bench/Services.js"
import { TWO_YEAR_MONTHLY, uncachedShapes } from "./bench/Shapes.js"
import { type StartSample, measureStarts } from "./bench/Startup.js"

const EXPORT_ROWS = 1_000_000

/** The heavy shapes the pragmas are measured on (label prefixes of the uncached shapes), plus the raw-rows one. */
const PRAGMA_SHAPES: ReadonlyArray<readonly [string, string]> = [
  ["summary_by_item", "36 months"],
  ["summary_monthly_by_item", TWO_YEAR_MONTHLY],
  ["summary_daily", "36 months"],
  ["records", "36 months, q="]
]

const run = async (o: BenchOptions, argv: ReadonlyArray<string>): Promise<BenchResults> => {
  const started = performance.now()
  const machine = describeMachine()
  const revision = sourceRevision()
  const logDir = mkdtempSync(join(tmpdir(), "pa-bench-logs-"))
  const keepLogs = atExit(() => rmSync(logDir, { recursive: true, force: true }))
  const data = await prepareData(o.dataDir, o.scale)
  let ok = false
  try {
    const bundles = await buildBundles()
    const profile = profileData(data)
    const cutover = CUTOVER as IsoDate
    const shapes = uncachedShapes(profile, cutover)
    const exported = exportWindow(profile, EXPORT_ROWS)
    const exportPath = `/records/export?from=${exported.from}&to=${exported.to}&format=ndjson`
    const setup = (name: string, engine: ServiceSetup["engine"], cache: boolean): ServiceSetup => ({
      name,
      files: engine === "reference" ? data.raw : data.migrated,
      engine,
      cache,
      bundles,
      fromSource: o.fromSource,
      logDir
    })
    const starts: Array<StartSample> = []
    let anonAtStart = NaN
    const servicePasses = { warm: o.warmPasses, timed: o.samples }

    progress("optimized engine, cache off: starting")
    const { resolved, optimized, exportRuns } = await withServer(
      serviceSpawn(setup("optimized-uncached", "optimized", false)),
      async (server) => {
        starts.push({ label: "service (CACHE_WARMUP=false)", ms: server.startMs })
        anonAtStart = rssAnon(server.pid) ?? NaN
        progress(`optimized engine, cache off: serving after ${Math.round(server.startMs)} ms`)
        return withClient(server.base, async (client) => {
          const resolved = await resolveShapes(client, shapes)
          const optimized = await measureShapes(client, resolved, servicePasses, "optimized, uncached")
          const exportRuns = await measureExport(server, exportPath, o.repeats)
          return { resolved, optimized, exportRuns }
        })
      }
    )

    const dbFloor = await measureDbFloor(data.migrated, cutover, profile.anchor, resolved, o.repeats)
    const pragmaShapes = [
      ...PRAGMA_SHAPES.flatMap(([endpoint, label]) => {
        const shape = resolved.find((s) => s.endpoint === endpoint && s.label.startsWith(label))
        return shape === undefined ? [] : [urlShape(`${shape.endpoint} ${shape.label}`, shape.url)]
      }),
      rawByItemShape(cutover)
    ]
    const pragmas = await measurePragmas(data.migrated, cutover, profile.anchor, pragmaShapes, o.repeats)
    const crossDb = await measureCrossDb(data.migrated, cutover, bundles.worker, o.repeats)

    progress("optimized engine, cache on, and the HTTP floor: starting")
    const loaded = await withServer(httpFloorSpawn(bundles, logDir), (floor) =>
      withServer(serviceSpawn(setup("optimized-cached", "optimized", true)), async (server) => {
        starts.push({ label: "service (CACHE_WARMUP=false)", ms: server.startMs })
        return withClient(server.base, async (client) => {
          const cached = await measureShapes(client, resolved, servicePasses, "optimized, cached")
          const sized = resolved.map((s, i): ResolvedShape => ({
            ...s,
            url: `/bytes/${optimized[i]?.bytes ?? 0}?shape=${i}`
          }))
          const httpFloor = await withClient(floor.base, (c) => measureShapes(c, sized, servicePasses, "HTTP floor"))
          const hotShape = resolved.find((s) => s.endpoint === "summary_monthly" && s.label === TWO_YEAR_MONTHLY)
          const hotPath = await measureHotPath({ base: server.base, client }, floor.base, hotShape?.url ?? "/lines", {
            connections: o.connections,
            durationS: Math.max(1, o.durationS / 2),
            repeats: o.repeats
          })
          const mixed = await measureMixed(server.base, client, profile, cutover, {
            distinct: o.distinctUrls,
            connections: o.connections,
            durationS: o.durationS,
            repeats: o.repeats
          })
          return { cached, httpFloor, hotPath, mixed }
        })
      })
    )

    progress("baseline (reference engine on the un-migrated copies, cache off): starting")
    const baseline = await withServer(serviceSpawn(setup("baseline", "reference", false)), (server) =>
      withClient(server.base, (client) => measureShapes(client, resolved, { warm: 1, timed: o.repeats }, "baseline"))
    )

    if (!o.quick) {
      const shipped = { ...setup("startup", "optimized", true), shippedWarmup: true }
      starts.push(...(await measureStarts(serviceSpawn(shipped), o.repeats, "service (shipped settings)")))
    }
    const bare = httpFloorSpawn(bundles, logDir, "bare-start")
    starts.push(...(await measureStarts(bare, o.quick ? 1 : o.repeats, "bare node:http server (bundle)")))

    ok = true
    return {
      options: o,
      command: exactCommand(argv),
      revision,
      machine,
      loadAtEnd: loadAverage(),
      date: new Date().toISOString(),
      totalS: (performance.now() - started) / 1000,
      dataDir: data.temporary ? undefined : o.dataDir,
      profile,
      cutover,
      baseline,
      optimized,
      cached: loaded.cached,
      httpFloor: loaded.httpFloor,
      dbFloor,
      hotPath: loaded.hotPath,
      mixed: loaded.mixed,
      crossDb,
      exportPath,
      exportRuns,
      anonAtStart,
      starts,
      pragmaShapes: pragmaShapes.map((s) => s.label),
      pragmas,
      previous: readPreviousReport(o.out)
    }
  } finally {
    if (data.temporary) rmSync(data.dir, { recursive: true, force: true })
    if (!ok) {
      keepLogs()
      console.error(`bench: server logs kept in ${logDir}`)
    }
  }
}

const write = (path: string, text: string) => {
  mkdirSync(dirname(resolve(path)), { recursive: true })
  writeFileSync(path, text)
}

const main = async () => {
  const argv = process.argv.slice(2)
  let options: BenchOptions | undefined
  try {
    options = parseOptions(argv)
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`)
    process.exit(2)
  }
  if (options === undefined) return console.log(HELP)
  const results = await run(options, argv)
  const title = options.quick ? "Smoke run (--quick)" : "Baseline vs optimized vs floors"
  write(options.chart, await renderChart(chartPoints(results), title))
  const chartLink = relative(dirname(resolve(options.out)), resolve(options.chart))
  // Formatted as the repo's prettier config wants it, so a report committed as generated passes `npm run lint`.
  const config = (await prettier.resolveConfig(resolve(options.out))) ?? {}
  write(options.out, await prettier.format(renderReport(results, chartLink), { ...config, parser: "markdown" }))
  progress(`report: ${options.out}; chart: ${options.chart}`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  }
)
