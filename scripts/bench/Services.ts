import { readFileSync } from "node:fs"
import type { Bundles } from "./Bundles.js"
import type { DataFiles } from "./DataPrep.js"
import { CUTOVER } from "./DataPrep.js"
import { serviceEnv, type SpawnOptions, spawnServer } from "./ServerProcess.js"

export interface ServiceSetup {
  readonly name: string
  readonly files: DataFiles
  readonly engine: "optimized" | "reference"
  readonly cache: boolean
  readonly bundles: Bundles
  /** Run `src/main.ts` under tsx instead of the app bundle (`--from-source`). */
  readonly fromSource: boolean
  readonly logDir: string
  /** Keep the shipped `CACHE_WARMUP` (on) instead of turning it off for measurement. */
  readonly shippedWarmup?: boolean
  /** `CHANGE_POLL_MS`, where a comparison depends on it (the service's default otherwise). */
  readonly changePollMs?: number
  /** Serve from this PostgreSQL database (`QUERY_BACKEND=postgres`, `DATABASE_URL`) instead of the files. */
  readonly postgresUrl?: string
}

/** The Node flags `npm start` gives the service (package.json's start script, between `node` and the bundle). */
const startFlags = (): ReadonlyArray<string> => {
  const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    readonly scripts: Readonly<Record<string, string>>
  }
  return (packageJson.scripts["start"] ?? "").split(/\s+/).filter((word) => word.startsWith("--"))
}

/** The service (its bundle, as `npm start` runs it, or its source under tsx) with the setup's files and switches. */
export const serviceSpawn = (setup: ServiceSetup): SpawnOptions => ({
  name: setup.name,
  node: [...startFlags(), ...(setup.fromSource ? ["--import", "tsx", "src/main.ts"] : [setup.bundles.app])],
  readyPath: "/health",
  logDir: setup.logDir,
  env: serviceEnv({
    LIVE_DB_PATH: setup.files.live,
    ARCHIVE_DB_PATH: setup.files.archive,
    CUTOVER_DATE: CUTOVER,
    QUERY_ENGINE: setup.engine,
    CACHE_ENABLED: String(setup.cache),
    ...(setup.shippedWarmup === true ? {} : { CACHE_WARMUP: "false" }),
    ...(setup.changePollMs === undefined ? {} : { CHANGE_POLL_MS: String(setup.changePollMs) }),
    ...(setup.postgresUrl === undefined ? {} : { QUERY_BACKEND: "postgres", DATABASE_URL: setup.postgresUrl }),
    POOL_WORKER_MODE: "bundle",
    POOL_WORKER_BUNDLE: setup.bundles.worker,
    SHUTDOWN_GRACE_MS: "1000"
  })
})

export const spawnService = (setup: ServiceSetup) => spawnServer(serviceSpawn(setup))

/** The bare `node:http` floor server (bundled: no tsx in its process). */
export const httpFloorSpawn = (bundles: Bundles, logDir: string, name = "http-floor"): SpawnOptions => ({
  name,
  node: [bundles.httpFloor],
  readyPath: "/health",
  logDir,
  env: serviceEnv({})
})
