import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const REPO = fileURLToPath(new URL("../../", import.meta.url))

/** A child process serving HTTP on a loopback port. */
export interface ServerHandle {
  readonly name: string
  readonly pid: number
  readonly base: string
  /** Spawn to the first 200 of `readyPath`, ms. */
  readonly startMs: number
  readonly log: string
  /** Undefined while it runs; how it ended otherwise. */
  readonly exited: () => string | undefined
  readonly stop: () => Promise<void>
}

const running = new Set<ChildProcess>()
const exitTasks = new Set<() => void>()

/** Runs `task` (synchronous) when the bench exits, also when interrupted; returns a function cancelling it. */
export const atExit = (task: () => void): (() => void) => {
  exitTasks.add(task)
  return () => exitTasks.delete(task)
}

// A bench interrupted or failing must not leave servers (or temp data) behind.
process.once("exit", () => {
  running.forEach((c) => c.kill("SIGKILL"))
  exitTasks.forEach((task) => task())
})
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130))

/** A free loopback port (the OS picks one; a tiny race with other processes is accepted). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const ready = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

export interface SpawnOptions {
  readonly name: string
  /** Node's arguments (script and its arguments), run from the repo root. */
  readonly node: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly logDir: string
  readonly readyPath: string
  readonly timeoutMs?: number
}

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000)
    child.once("exit", () => {
      clearTimeout(kill)
      running.delete(child)
      resolve()
    })
    child.kill("SIGTERM")
  })

const tail = (path: string) => {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-15).join("\n")
  } catch {
    return ""
  }
}

/** Spawns `node …` with `PORT` set, and waits (polling every 10 ms) until `readyPath` answers 200. */
export const spawnServer = async (options: SpawnOptions): Promise<ServerHandle> => {
  const port = await freePort()
  const log = join(options.logDir, `${options.name}.log`)
  const out = createWriteStream(log)
  const started = performance.now()
  const child = spawn(process.execPath, [...options.node], {
    cwd: REPO,
    env: { ...options.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  running.add(child)
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  const base = `http://127.0.0.1:${port}`
  const deadline = started + (options.timeoutMs ?? 60_000)
  while (!(await ready(base + options.readyPath))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      await stopChild(child)
      throw new Error(`${options.name} did not start (exit ${child.exitCode}); log ${log}:\n${tail(log)}`)
    }
    await sleep(10)
  }
  const startMs = performance.now() - started
  let exit: string | undefined
  child.once("exit", (code, signal) => (exit = signal === null ? `exit code ${code}` : `signal ${signal}`))
  return {
    name: options.name,
    pid: child.pid ?? -1,
    base,
    startMs,
    log,
    exited: () => exit,
    stop: () => stopChild(child)
  }
}

/** Runs `body` with a server, stopping it whatever happens. */
export const withServer = async <A>(options: SpawnOptions, body: (server: ServerHandle) => Promise<A>): Promise<A> => {
  const server = await spawnServer(options)
  try {
    return await body(server)
  } catch (error) {
    const exit = server.exited()
    if (exit === undefined) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`${server.name} ended during the measurement (${exit}; log ${server.log}): ${reason}`)
  } finally {
    await server.stop()
  }
}

/** The service's environment variables this bench sets itself (an inherited value must not leak in). */
const SERVICE_VARS = [
  "HOST",
  "PORT",
  "LIVE_DB_PATH",
  "ARCHIVE_DB_PATH",
  "CUTOVER_DATE",
  "POOL_SIZE",
  "QUEUE_LIMIT",
  "QUERY_TIMEOUT_MS",
  "EXPORT_CONCURRENCY",
  "CACHE_ENABLED",
  "CACHE_STALE_SECONDS",
  "CACHE_EXPIRE_SECONDS",
  "CACHE_CAPACITY",
  "CACHE_MAX_BYTES",
  "CACHE_MAX_ENTRY_BYTES",
  "CACHE_WARMUP",
  "CHANGE_POLL_MS",
  "CORS_ORIGINS",
  "SQLITE_PRAGMAS",
  "POOL_WORKER_MODE",
  "POOL_WORKER_BUNDLE",
  "POOL_ALLOW_MMAP",
  "SHUTDOWN_GRACE_MS",
  "QUERY_BACKEND",
  "DATABASE_URL",
  "PG_POOL_SIZE"
]

/** The parent's environment without the service's own variables, plus `vars`. */
export const serviceEnv = (vars: Readonly<Record<string, string>>): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SERVICE_VARS.includes(k)) env[k] = v
  return { ...env, ...vars }
}

/** `RssAnon` of a process in bytes (Linux `/proc`), or undefined where it cannot be read. */
export const rssAnon = (pid: number): number | undefined => {
  try {
    const match = /^RssAnon:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}
