import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import pg from "pg"
import { pgMigrationSteps } from "../../src/backends/postgres/PgMigrationSteps.js"
import { dataDirOf, initCluster, killPostmaster, serverBinaries, startServer } from "../pg/LocalCluster.js"
import { type BenchData, CUTOVER } from "./DataPrep.js"
import { progress } from "./Progress.js"
import { REPO, atExit, serviceEnv } from "./ServerProcess.js"

const DATABASE = "bench"
const BUILD_FILE = "build.json"

/** How the cached cluster's database was built (measured when it was built, kept with it). */
export interface PgBuild {
  /** What the cluster was built from: other data, schema or server rebuild it. */
  readonly key: string
  readonly builtAt: string
  readonly migrateS: number
  readonly importS: number
  /** `pg_database_size` after the import (and its ANALYZE), bytes. */
  readonly databaseBytes: number
  readonly records: number
  readonly server: string
}

export interface PgData {
  readonly dir: string
  /** The service's `DATABASE_URL`. */
  readonly url: string
  readonly build: PgBuild
  /** False when this run built the database; true when it found it built. */
  readonly cached: boolean
  readonly stop: () => Promise<void>
}

/**
 * The key of a build: the SQLite files it imports (inode, size, modification time: a hard link of them, as in
 * another data dir, is the same data), the schema the migration gives at the bench's cutover, and the server's
 * binaries. Any change rebuilds the cluster.
 */
export const buildKey = (data: BenchData): string => {
  const files = (["live", "archive"] as const).map((f) => {
    const s = statSync(data.raw[f])
    return [s.ino, s.size, s.mtimeMs]
  })
  const schema = pgMigrationSteps(CUTOVER).map((s) => [s.version, s.statements])
  return createHash("sha256")
    .update(JSON.stringify({ files, schema, bindir: serverBinaries().bindir }))
    .digest("hex")
    .slice(0, 16)
}

const readBuild = (dir: string): PgBuild | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, BUILD_FILE), "utf8")) as PgBuild
  } catch {
    return undefined
  }
}

/** Runs one of the repo's npm scripts' programs (`scripts/<name>.ts`) as a child process; seconds it took. */
const runScript = (name: string, args: ReadonlyArray<string>): Promise<number> =>
  new Promise((resolvePromise, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--import", "tsx", `scripts/${name}.ts`, ...args], {
      cwd: REPO,
      env: serviceEnv({ CUTOVER_DATE: CUTOVER }),
      stdio: ["ignore", "inherit", "inherit"]
    })
    child.once("error", reject)
    child.once("exit", (code, signal) =>
      code === 0
        ? resolvePromise((performance.now() - started) / 1000)
        : reject(new Error(`npm run ${name} -- ${args.join(" ")} failed (${signal ?? `exit code ${code}`})`))
    )
  })

const withClient = async <A>(url: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

const urlOf = (adminUrl: string): string => {
  const url = new URL(adminUrl)
  url.pathname = `/${DATABASE}`
  return url.toString()
}

/** Migrates and imports the bench's data into a fresh database of the running cluster, timing each. */
const build = async (url: string, adminUrl: string, data: BenchData, key: string): Promise<PgBuild> => {
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${DATABASE}`))
  progress(`PostgreSQL: npm run migrate -- --postgres ${url}`)
  const migrateS = await runScript("migrate", ["--postgres", url])
  progress(`PostgreSQL: migrated in ${migrateS.toFixed(1)} s; npm run import (${data.raw.archive}, ${data.raw.live})`)
  const importS = await runScript("import", [
    "--postgres",
    url,
    "--live",
    data.raw.live,
    "--archive",
    data.raw.archive,
    "--progress-every",
    "20"
  ])
  const facts = await withClient(url, async (c) => {
    const size = await c.query<{ bytes: string; records: string; server: string }>(
      `SELECT pg_database_size(current_database())::text AS bytes,
              (SELECT count(*) FROM production_records)::text AS records,
              current_setting('server_version') AS server`
    )
    return size.rows[0]!
  })
  progress(`PostgreSQL: imported in ${importS.toFixed(1)} s`)
  return {
    key,
    builtAt: new Date().toISOString(),
    migrateS,
    importS,
    databaseBytes: Number(facts.bytes),
    records: Number(facts.records),
    server: facts.server
  }
}

/**
 * The bench's PostgreSQL: a cluster in `dir` (default `<data dir>/pg`) holding database `bench`, migrated by
 * `npm run migrate -- --postgres` and filled by `npm run import` from the un-migrated SQLite files. Kept
 * between runs with what it was built from (`build.json`, written last, so an interrupted build is redone): a
 * run whose data, schema or server differ rebuilds it; otherwise it is only started. Stopped by `stop` (and when
 * the bench exits).
 */
export const preparePg = async (data: BenchData, dir = join(data.dir, "pg")): Promise<PgData> => {
  // A temp data dir is made 0700; as root the server runs as user postgres, who must reach its folder inside.
  if (data.temporary) chmodSync(data.dir, 0o755)
  const key = buildKey(data)
  const found = readBuild(dir)
  const cached = found?.key === key && existsSync(dataDirOf(dir))
  // A cluster left running by a killed bench is stopped before it is started again (or removed).
  await killPostmaster(dir)
  if (!cached) {
    progress(found === undefined ? `PostgreSQL: building ${dir}` : `PostgreSQL: ${dir} holds other data: rebuilding`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    await initCluster(dir)
  }
  const server = await startServer(dir)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    cancel()
    await server.stop()
  }
  const cancel = atExit(() => void killPostmaster(dir))
  const url = urlOf(server.adminUrl)
  try {
    const made = cached ? found! : await build(url, server.adminUrl, data, key)
    if (!cached) writeFileSync(join(dir, BUILD_FILE), JSON.stringify(made, null, 2))
    return { dir, url, build: made, cached, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Fails unless the service at `base` serves from PostgreSQL: its `/health` gives no SQLite journal mode. A build
 * that ignores `QUERY_BACKEND` would otherwise be measured as PostgreSQL while serving the files.
 */
export const assertServesPostgres = async (base: string): Promise<void> => {
  const health = (await (await fetch(`${base}/health`)).json()) as {
    readonly databases?: { readonly live?: { readonly journal_mode?: string | null } }
  }
  const mode = health.databases?.live?.journal_mode
  if (mode !== null) {
    throw new Error(
      `the service started with QUERY_BACKEND=postgres serves SQLite files (/health: journal_mode ${String(mode)}): ` +
        "this build does not wire the PostgreSQL backend"
    )
  }
}
