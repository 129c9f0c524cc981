/**
 * Runs the service as it really runs: `AppLive` (the optimized engine, its worker pool, the cached HTTP app) in
 * this process on an ephemeral port with the live clock, or `src/main.ts` as a child process in a temp working
 * directory. Workers start from a bundle of the current sources, as `npm start` (its `prestart` builds one) does.
 */
import { HttpServer } from "@effect/platform"
import Database from "better-sqlite3"
import { ConfigProvider, Context, Deferred, Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { AppLive } from "../../src/app/AppLive.js"
import { migrateFile } from "../../src/backends/sqlite/migration/Migrator.js"
import { testBundle } from "../pool/fixtures.js"
import { CUTOVER, LAST_DATE, makeEngineFixture } from "../query/engineFixture.js"
import { silently } from "../support/fixtures.js"

export interface ServiceFiles {
  readonly dir: string
  readonly livePath: string
  readonly archivePath: string
}

/**
 * Items whose names are `a` repeated: an `/items?q=aaa…` search makes FTS5 match a phrase of `q.length - 2`
 * identical trigrams at every position of every such name, on both files at once. Up to 2 s of work per file
 * for a fixture that takes under a second of CPU per file to write; the cost grows with the length of `q`.
 */
const HEAVY_ITEMS = 2000
const HEAVY_NAME_LENGTH = 3750

/**
 * Where the heavy items' records are dated in both files: windows that avoid this day do not see them. The
 * fixture's last day, because the running totals hold a row per item for every later day, each carrying the
 * item's name: on an early day that is hundreds of MB to write. (In the archive, a record dated after the cutover
 * is misfiled: /items finds it, no window returns it.)
 */
export const HEAVY_DATE = LAST_DATE

/**
 * A `q` that keeps each file's read worker busy for about `length / 50` seconds on this fixture (measured here on
 * an idle machine: 50 → 1.1 s, 100 → 2.0 s); a busy machine makes it longer.
 */
export const heavyQ = (length: number): string => "a".repeat(length)

const addHeavyItems = (file: string, date: string) => {
  const db = new Database(file)
  const insert = db.prepare(
    `INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
     VALUES (?, ?, ?, 'HV1', 'L01', 1, 0)`
  )
  db.transaction(() => {
    for (let i = 0; i < HEAVY_ITEMS; i++) insert.run(date, `HV-${i}`, `${"a".repeat(HEAVY_NAME_LENGTH)} ${i}`)
  })()
  db.close()
}

/**
 * A migrated pair (engine fixture: 2025-09-01..2026-04-30, split at `CUTOVER`) in a temp dir removed with the
 * scope; `heavy` adds the items that make `heavyQ` searches slow. `migrated: false` leaves both files as the plant
 * writes them.
 */
export const serviceFiles = (options: { readonly heavy?: boolean; readonly migrated?: boolean } = {}) =>
  Effect.gen(function* () {
    const fixture = yield* Effect.acquireRelease(
      Effect.sync(() => makeEngineFixture("service", 12)),
      (f) => Effect.sync(() => fs.rmSync(f.dir, { recursive: true, force: true }))
    )
    const files: ServiceFiles = { dir: fixture.dir, livePath: fixture.livePath, archivePath: fixture.archivePath }
    if (options.migrated === false) return files
    yield* silently(
      Effect.all([
        migrateFile({ file: "live", path: files.livePath, explicit: true }, { dryRun: false }),
        migrateFile({ file: "archive", path: files.archivePath, explicit: true }, { dryRun: false })
      ])
    )
    if (options.heavy === true) {
      addHeavyItems(files.livePath, HEAVY_DATE)
      addHeavyItems(files.archivePath, HEAVY_DATE)
    }
    return files
  })

// ---- in-process ----

/**
 * `AppLive` over `files` on 127.0.0.1:0 until the scope closes, configured from a map (no environment), with the
 * cache warm-up off so that only the test's requests reach the pool. Returns the port.
 */
export const startApp = (files: ServiceFiles, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const bundle = yield* testBundle
    const settings = {
      HOST: "127.0.0.1",
      PORT: "0",
      LIVE_DB_PATH: files.livePath,
      ARCHIVE_DB_PATH: files.archivePath,
      CUTOVER_DATE: CUTOVER,
      POOL_WORKER_BUNDLE: bundle,
      CACHE_WARMUP: "false",
      CHANGE_POLL_MS: "200",
      ...env
    }
    const provider = ConfigProvider.fromMap(new Map(Object.entries(settings)))
    const context = yield* Layer.build(AppLive.pipe(Layer.provide(Layer.setConfigProvider(provider))))
    const address = Context.get(context, HttpServer.HttpServer).address
    return address._tag === "TcpAddress" ? address.port : -1
  })

// ---- HTTP client ----

export interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  /** `performance.now()` when the whole response had arrived. */
  readonly at: number
}

/** Resolves `finish` with `req`'s whole response, or with its socket error (e.g. ECONNREFUSED) or a cut-off response. */
const onReply = (
  req: http.ClientRequest,
  target: string,
  finish: (result: Effect.Effect<Reply, NodeJS.ErrnoException>) => void
) => {
  req.on("response", (res) => {
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.on("end", () =>
      finish(
        Effect.succeed({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
          at: performance.now()
        })
      )
    )
    res.on("close", () => finish(Effect.fail(new Error(`${target}: response cut off`))))
  })
  req.on("error", (error) => finish(Effect.fail(error)))
}

/** One GET on a fresh connection; fails with the socket error (e.g. ECONNREFUSED) or on a cut-off response. */
export const get = (port: number, target: string): Effect.Effect<Reply, NodeJS.ErrnoException> =>
  Effect.async<Reply, NodeJS.ErrnoException>((resume) => {
    let done = false
    const req = http.get({ host: "127.0.0.1", port, path: target, agent: false })
    onReply(req, target, (result) => {
      if (!done) resume(result)
      done = true
    })
    return Effect.sync(() => req.destroy())
  })

export interface HeldRequest {
  /** Succeeds once the server has taken the request (its `100 Continue`); fails if the connection fails first. */
  readonly accepted: Effect.Effect<void, NodeJS.ErrnoException>
  /** Sends the body, then waits for the whole response. */
  readonly complete: Effect.Effect<Reply, NodeJS.ErrnoException>
  /** The response, or the connection's failure, without sending the body. */
  readonly outcome: Effect.Effect<Reply, NodeJS.ErrnoException>
}

/**
 * A JSON POST on a fresh connection whose body is held back until `complete`: an in-flight request for as long as
 * the test wants. Its headers go at once with `Expect: 100-continue`; node:http answers `100 Continue` as it hands
 * the request to the service's listener, so `accepted` means the service has it. Destroyed with the scope.
 */
export const heldPost = (port: number, target: string, body: string) =>
  Effect.gen(function* () {
    const accepted = yield* Deferred.make<void, NodeJS.ErrnoException>()
    const reply = yield* Deferred.make<Reply, NodeJS.ErrnoException>()
    const req = yield* Effect.acquireRelease(
      Effect.sync(() =>
        http.request({
          host: "127.0.0.1",
          port,
          path: target,
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            expect: "100-continue"
          }
        })
      ),
      (req) => Effect.sync(() => req.destroy())
    )
    req.on("continue", () => Deferred.unsafeDone(accepted, Effect.void))
    onReply(req, target, (result) => {
      Deferred.unsafeDone(accepted, Effect.asVoid(result))
      Deferred.unsafeDone(reply, result)
    })
    req.flushHeaders()
    const held: HeldRequest = {
      accepted: Deferred.await(accepted),
      complete: Effect.zipRight(
        Effect.sync(() => req.end(body)),
        Deferred.await(reply)
      ),
      outcome: Deferred.await(reply)
    }
    return held
  })

export const json = (reply: { readonly text: string }): unknown => JSON.parse(reply.text)

/** The `production_api_pool_*` samples of `/metrics`, by name without the prefix. */
export const poolGauges = (port: number) =>
  Effect.map(get(port, "/metrics"), (reply) => {
    const gauges: Record<string, number> = {}
    for (const match of reply.text.matchAll(/^production_api_pool_(\w+) (\S+)$/gm)) {
      gauges[match[1]!] = Number(match[2])
    }
    return gauges
  })

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs`. Needs the live clock. */
export const eventually = <E, R>(what: string, check: Effect.Effect<boolean, E, R>, timeoutMs = 20_000) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("25 millis")
  }).pipe(
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`${what}: not within ${timeoutMs} ms`) })
  )

// ---- child process ----

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

/** Settings of the environment that would change what the child does. */
const SCRUBBED =
  /^(HOST|PORT|LIVE_DB_PATH|ARCHIVE_DB_PATH|CUTOVER_DATE|QUERY_ENGINE|SQLITE_PRAGMAS|POOL_|QUEUE_|QUERY_|EXPORT_|CACHE_|CHANGE_|CORS_|SHUTDOWN_)/

/** A port that was free a moment ago (the service does not print the one `PORT=0` picks). */
export const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

export interface ServiceProcess {
  readonly child: ChildProcess
  readonly port: number
  /** `performance.now()` right after the spawn. */
  readonly spawnedAt: number
  readonly stdout: () => string
  readonly stderr: () => string
  /** The exit code (or the signal's name) once the process has ended. */
  readonly exited: Effect.Effect<number | string>
}

/**
 * `node --import tsx src/main.ts` in `cwd` on HOST=127.0.0.1 and a free port, with `env` on top of a scrubbed
 * copy of this process's environment. Killed (by its pid, SIGKILL) when the scope closes if still running.
 */
export const spawnService = (cwd: string, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const port = yield* freePort
    const bundle = yield* testBundle
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUBBED.test(name)))
    const exit = yield* Deferred.make<number | string>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", TSX, MAIN], {
          cwd,
          env: { ...base, HOST: "127.0.0.1", PORT: String(port), POOL_WORKER_BUNDLE: bundle, ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.gen(function* () {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          yield* Deferred.await(exit)
        })
    )
    const spawnedAt = performance.now()
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code, signal) => Deferred.unsafeDone(exit, Effect.succeed(code ?? signal ?? "unknown")))
    const service: ServiceProcess = {
      child,
      port,
      spawnedAt,
      stdout: () => stdout,
      stderr: () => stderr,
      exited: Deferred.await(exit)
    }
    return service
  })

/** The first 200 of `/health` (polled every 20 ms); fails if the process ends first or after `timeoutMs`. */
export const firstHealthy = (service: ServiceProcess, timeoutMs = 30_000) =>
  Effect.gen(function* () {
    for (;;) {
      if (service.child.exitCode !== null) {
        return yield* Effect.fail(new Error(`exited ${service.child.exitCode} before serving: ${service.stderr()}`))
      }
      const reply = yield* Effect.either(get(service.port, "/health"))
      if (reply._tag === "Right" && reply.right.status === 200) return reply.right
      yield* Effect.sleep("20 millis")
    }
  }).pipe(
    Effect.timeoutFail({
      duration: timeoutMs,
      onTimeout: () => new Error(`not serving within ${timeoutMs} ms: ${service.stdout()}${service.stderr()}`)
    })
  )

/** The process's stderr as lines (without empty ones). */
export const stderrLines = (service: ServiceProcess): ReadonlyArray<string> =>
  service
    .stderr()
    .split("\n")
    .filter((line) => line.trim() !== "")
