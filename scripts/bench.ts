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
import { CUTOVER, prepareData, writableLiveCopy } from "./bench/DataPrep.js"
import { exportWindow, profileData } from "./bench/DataProfile.js"
import { readSavedResults, savedResults } from "./bench/Growth.js"
import { WORKER_OPTIONS } from "./bench/DbFloor.js"
import { measureExport } from "./bench/Export.js"
import { measureHotPath } from "./bench/HotPath.js"
import { OneConnection, withClient } from "./bench/HttpClient.js"
import { makeInProcessEngine } from "./bench/InProcessEngine.js"
import { type ResolvedShape, type ShapeRun, measureShapes, measureSideBySide, resolveShapes } from "./bench/Latency.js"
import { describeMachine, exactCommand, loadAverage, sourceRevision } from "./bench/Machine.js"
import { measureMixed } from "./bench/Mixed.js"
import { type BenchOptions, HELP, parseOptions } from "./bench/Options.js"
import { type PgData, assertServesPostgres, preparePg } from "./bench/PgData.js"
import { measurePragmas, rawByItemShape, urlShape } from "./bench/Pragmas.js"
import { readPreviousReport } from "./bench/Previous.js"
import { progress } from "./bench/Progress.js"
import { CHANGE_POLL_MS, measureReadsUnderWrites } from "./bench/ReadsUnderWrites.js"
import { renderReport } from "./bench/Report.js"
import type { BenchResults } from "./bench/Results.js"
import { type ServerHandle, type SpawnOptions, atExit, rssAnon, withServer } from "./bench/ServerProcess.js"
import { type ServiceSetup, httpFloorSpawn, serviceSpawn } from "./bench/Services.js"
import { TWO_YEAR_MONTHLY, uncachedShapes } from "./bench/Shapes.js"
import { type StartSample, measureStarts } from "./bench/Startup.js"

const EXPORT_ROWS = 1_000_000

type ShapeRuns = ReadonlyArray<ShapeRun>

/** `withServer` when there is a server to run, else `body` without one. */
const withServerIf = <A>(
  options: SpawnOptions | undefined,
  body: (server: ServerHandle | undefined) => Promise<A>
): Promise<A> => (options === undefined ? body(undefined) : withServer(options, body))

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
  const compared = o.compareWith === undefined ? undefined : readSavedResults(o.compareWith)
  const data = await prepareData(o.dataDir, o.scale)
  let ok = false
  let pg: PgData | undefined
  try {
    if (o.backend === "postgres") pg = await preparePg(data, o.pgDir)
    const bundles = await buildBundles()
    const profile = profileData(data)
    const cutover = CUTOVER as IsoDate
    const shapes = uncachedShapes(profile, cutover)
    const exported = exportWindow(profile, EXPORT_ROWS)
    const exportPath = `/records/export?from=${exported.from}&to=${exported.to}&format=ndjson`
    const setup = (name: string, engine: ServiceSetup["engine"], cache: boolean): ServiceSetup => ({
      ...(name.startsWith("postgres") && pg !== undefined ? { postgresUrl: pg.url } : {}),
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

    // The uncached service, the cached one and the HTTP floor run side by side, and the database floor in this
    // process: pass by pass, each in turn is asked every shape, so that they are compared under the same load.
    progress(
      `optimized engine (cache off, cache on), HTTP floor, database floor in process${pg === undefined ? "" : ", PostgreSQL (cache off)"}: starting`
    )
    const pgUncached = pg === undefined ? undefined : serviceSpawn(setup("postgres-uncached", "optimized", false))
    const measured = await withServer(httpFloorSpawn(bundles, logDir), (floor) =>
      withServerIf(pgUncached, (pgServer) =>
        withServer(serviceSpawn(setup("optimized-uncached", "optimized", false)), (uncachedServer) => {
          starts.push({ label: "service (CACHE_WARMUP=false)", ms: uncachedServer.startMs })
          anonAtStart = rssAnon(uncachedServer.pid) ?? NaN
          return withServer(serviceSpawn(setup("optimized-cached", "optimized", true)), async (cachedServer) => {
            starts.push({ label: "service (CACHE_WARMUP=false)", ms: cachedServer.startMs })
            progress(
              `services serving after ${Math.round(uncachedServer.startMs)} and ${Math.round(cachedServer.startMs)} ms`
            )
            if (pgServer !== undefined) await assertServesPostgres(pgServer.base)
            const clients = [uncachedServer, cachedServer, floor, ...(pgServer === undefined ? [] : [pgServer])].map(
              (server) => new OneConnection(server.base)
            )
            const [uncached, cached, floorClient, pgClient] = clients as [
              OneConnection,
              OneConnection,
              OneConnection,
              OneConnection | undefined
            ]
            const engine = await makeInProcessEngine(data.migrated, cutover, profile.anchor, WORKER_OPTIONS)
            try {
              const resolved = await resolveShapes(uncached, shapes)
              const sideBySide = await measureSideBySide(
                [
                  { label: "optimized, uncached", client: uncached, url: (shape) => shape.url },
                  { label: "cached", client: cached, url: (shape) => shape.url },
                  {
                    label: "HTTP floor",
                    client: floorClient,
                    url: (_, i, first) => `/bytes/${first.bytes}?shape=${i}`
                  },
                  ...(pgClient === undefined
                    ? []
                    : [{ label: "PostgreSQL, uncached", client: pgClient, url: (shape: ResolvedShape) => shape.url }])
                ],
                resolved,
                servicePasses,
                engine.statementMs
              )
              const [optimized, cachedRuns, httpFloor, postgresRuns] = sideBySide.runs as [
                ShapeRuns,
                ShapeRuns,
                ShapeRuns,
                ShapeRuns | undefined
              ]
              const exportRuns = await measureExport(uncachedServer, exportPath, o.repeats)
              const hotShape = resolved.find((s) => s.endpoint === "summary_monthly" && s.label === TWO_YEAR_MONTHLY)
              const hotPath = await measureHotPath(
                { base: cachedServer.base, client: cached },
                floor.base,
                hotShape?.url ?? "/lines",
                {
                  connections: o.connections,
                  durationS: Math.max(1, o.durationS / 2),
                  repeats: o.repeats
                }
              )
              const mixed = await measureMixed(cachedServer.base, cached, profile, cutover, {
                distinct: o.distinctUrls,
                connections: o.connections,
                durationS: o.durationS,
                repeats: o.repeats
              })
              return {
                resolved,
                optimized,
                cached: cachedRuns,
                httpFloor,
                dbFloor: sideBySide.statementMs,
                exportRuns,
                hotPath,
                mixed,
                postgresRuns
              }
            } finally {
              await engine.close()
              clients.forEach((c) => c.close())
            }
          })
        })
      )
    )
    const { resolved, optimized, exportRuns, dbFloor } = measured

    // One mixed-workload run on PostgreSQL with the cache on: the cache is the same code, its misses are not.
    const postgresMixed =
      pg === undefined
        ? undefined
        : await withServer(serviceSpawn(setup("postgres-cached", "optimized", true)), (server) =>
            withClient(server.base, (client) =>
              measureMixed(server.base, client, profile, cutover, {
                distinct: o.distinctUrls,
                connections: o.connections,
                durationS: o.durationS,
                repeats: 1
              })
            )
          )

    progress("reads under writes (cache on; an outside loader commits to a copy of the live file): starting")
    const scratch = writableLiveCopy(data)
    const underWrites = { ...setup("reads-under-writes", "optimized", true), files: scratch.files }
    const readsUnderWrites = await withServer(
      serviceSpawn({ ...underWrites, changePollMs: CHANGE_POLL_MS }),
      (server) =>
        withClient(server.base, (client) =>
          measureReadsUnderWrites(server.base, client, profile, cutover, scratch.files.live, {
            distinct: o.distinctUrls,
            connections: o.connections,
            durationS: o.durationS,
            repeats: o.repeats,
            pollMs: CHANGE_POLL_MS
          })
        )
    ).finally(scratch.remove)

    const pragmaShapes = [
      ...PRAGMA_SHAPES.flatMap(([endpoint, label]) => {
        const shape = resolved.find((s) => s.endpoint === endpoint && s.label.startsWith(label))
        return shape === undefined ? [] : [urlShape(`${shape.endpoint} ${shape.label}`, shape.url)]
      }),
      rawByItemShape(cutover)
    ]
    const pragmas = await measurePragmas(data.migrated, cutover, profile.anchor, pragmaShapes, o.repeats)
    const crossDb = await measureCrossDb(data.migrated, cutover, bundles.worker, o.repeats)

    if (!o.skipBaseline) progress("baseline (reference engine on the un-migrated copies, cache off): starting")
    const baseline = o.skipBaseline
      ? []
      : await withServer(serviceSpawn(setup("baseline", "reference", false)), (server) =>
          withClient(server.base, (client) =>
            measureShapes(client, resolved, { warm: 1, timed: o.repeats }, "baseline")
          )
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
      cached: measured.cached,
      httpFloor: measured.httpFloor,
      dbFloor,
      hotPath: measured.hotPath,
      mixed: measured.mixed,
      readsUnderWrites,
      crossDb,
      exportPath,
      exportRuns,
      anonAtStart,
      starts,
      pragmaShapes: pragmaShapes.map((s) => s.label),
      pragmas,
      previous: readPreviousReport(o.out),
      postgres:
        pg === undefined || measured.postgresRuns === undefined || postgresMixed === undefined
          ? undefined
          : { runs: measured.postgresRuns, build: pg.build, cached: pg.cached, mixed: postgresMixed },
      compared
    }
  } finally {
    await pg?.stop()
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
  const resultsPath = `${options.out.replace(/\.md$/i, "")}.json`
  write(resultsPath, JSON.stringify(savedResults(results)))
  progress(`report: ${options.out}; chart: ${options.chart}; results (for --compare-with): ${resultsPath}`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  }
)
