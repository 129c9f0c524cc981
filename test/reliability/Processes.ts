/**
 * Child processes of the reliability tests: the service as `npm start` runs it (`node --import tsx src/main.ts`),
 * the loader (`loader.ts`) and any other program (`spawnProcess`). Each is killed (SIGKILL, by its own pid) when
 * its scope closes if still running.
 */
import { Deferred, Effect } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as net from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"
import { testBundle } from "../pool/fixtures.js"
import { CUTOVER, type Files, get } from "./ReliabilityKit.js"

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const REPO = fileURLToPath(new URL("../..", import.meta.url))
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))
const LOADER = fileURLToPath(new URL("./loader.ts", import.meta.url))

/** Settings of this process's environment that would change what the service does. */
const SCRUBBED =
  /^(HOST|PORT|LIVE_DB_PATH|ARCHIVE_DB_PATH|CUTOVER_DATE|QUERY_ENGINE|SQLITE_PRAGMAS|POOL_|QUEUE_|QUERY_|EXPORT_|CACHE_|CHANGE_|CORS_|SHUTDOWN_|API_KEYS|CHAT_|DATABASE_URL|PG_)/

export interface Child {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code, or the signal's name, once the process has ended. */
  readonly exited: Effect.Effect<number | string>
}

/** `command args` in the repo, with `env` over a scrubbed copy of this process's environment. */
export const spawnProcess = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const exit = yield* Deferred.make<number | string>()
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUBBED.test(name)))
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(command, args, {
          cwd: REPO,
          env: { ...base, ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.gen(function* () {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          yield* Deferred.await(exit)
        })
    )
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
    // A command that cannot start (ENOENT) ends without a "close" exit code of its own.
    child.on("error", (error) => Deferred.unsafeDone(exit, Effect.succeed(`error: ${error.message}`)))
    child.on("close", (code, signal) => Deferred.unsafeDone(exit, Effect.succeed(code ?? signal ?? "unknown")))
    const spawned: Child = { child, stdout: () => stdout, stderr: () => stderr, exited: Deferred.await(exit) }
    return spawned
  })

/** `node --import tsx <args>` in the repo, with `env` over a scrubbed copy of this process's environment. */
export const spawnNode = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  spawnProcess(process.execPath, ["--import", TSX, ...args], env)

// ---- the loader ----

export interface Loader extends Child {
  /** Ids committed so far (each printed after its commit). */
  readonly committed: () => ReadonlyArray<number>
  /** SIGTERM, then the loader's own count of committed records and busy retries. */
  readonly stop: Effect.Effect<{ readonly committed: number; readonly busy: number }, Error>
}

/** Starts a loader on `file` (records dated `date`, lots `<prefix><n>`) and waits for its first commit. */
export const startLoader = (file: string, date: string, prefix: string, intervalMs: number) =>
  Effect.gen(function* () {
    const child = yield* spawnNode([LOADER, file, date, prefix, String(intervalMs)])
    const committed = () =>
      child
        .stdout()
        .split("\n")
        .filter((line) => /^\d+$/.test(line))
        .map(Number)
    const stop = Effect.gen(function* () {
      child.child.kill("SIGTERM")
      const code = yield* child.exited
      const done = /^done (\d+) (\d+)$/m.exec(child.stdout())
      if (code !== 0 || done === null) return yield* Effect.fail(new Error(`loader ended ${code}: ${child.stderr()}`))
      return { committed: Number(done[1]), busy: Number(done[2]) }
    })
    const loader: Loader = { ...child, committed, stop }
    yield* waitFor("the loader's first commit", () => committed().length > 0 || child.child.exitCode !== null)
    if (committed().length === 0) return yield* Effect.fail(new Error(`loader failed: ${child.stderr()}`))
    return loader
  })

// ---- the service ----

/** A port that was free a moment ago (the service does not print the one `PORT=0` picks). */
export const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

export interface Service extends Child {
  readonly port: number
}

/** `src/main.ts` over `files` (workers from the test bundle), as it starts: it may refuse to. */
export const launchService = (files: Files, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const port = yield* freePort
    const child = yield* spawnNode([MAIN], {
      HOST: "127.0.0.1",
      PORT: String(port),
      LIVE_DB_PATH: files.live,
      ARCHIVE_DB_PATH: files.archive,
      CUTOVER_DATE: CUTOVER,
      POOL_WORKER_MODE: "bundle",
      POOL_WORKER_BUNDLE: yield* testBundle,
      CACHE_WARMUP: "false",
      ...env
    })
    const service: Service = { ...child, port }
    return service
  })

/** `launchService`, once `/health` answers 200. */
export const spawnService = (files: Files, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const service = yield* launchService(files, env)
    const { child, port, stderr } = service
    yield* Effect.gen(function* () {
      for (;;) {
        if (child.exitCode !== null) {
          return yield* Effect.fail(new Error(`service exited ${child.exitCode}: ${stderr()}`))
        }
        const reply = yield* Effect.either(get(port, "/health").pipe(Effect.sandbox))
        if (reply._tag === "Right" && reply.right.status === 200) return
        yield* Effect.sleep("25 millis")
      }
    }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`not serving: ${stderr()}`) }))
    return service
  })

/** Polls a synchronous condition every 10 ms for up to 30 s. */
const waitFor = (what: string, done: () => boolean) =>
  Effect.gen(function* () {
    while (!done()) yield* Effect.sleep("10 millis")
  }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`${what}: not within 30 s`) }))
