import { Config, Effect } from "effect"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { queryTimeoutMsConfig } from "../../../query/QueryTimeoutConfig.js"

/**
 * Where `scripts/build-worker.ts` writes the bundled worker: `dist/` at the repo root, found from this module's
 * place (`src/backends/sqlite/pool/` from source; `dist/` itself when the app runs from its own bundle, `dist/main.mjs`).
 */
export const DEFAULT_WORKER_BUNDLE = fileURLToPath(
  new URL(
    new URL(".", import.meta.url).pathname.endsWith("/dist/")
      ? "./sqlite-worker.mjs"
      : "../../../../dist/sqlite-worker.mjs",
    import.meta.url
  )
)

/**
 * How a worker thread starts: `bundle` runs the esbuild bundle (quick to start), `source` runs the TypeScript
 * entry through tsx (seconds), `auto` takes the bundle when it exists and is not older than its sources.
 */
export type WorkerMode = "auto" | "bundle" | "source"

const atLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min

/** The read pool's settings (env vars; the first three with the contract's defaults, docs/api.md). */
export class PoolConfig extends Effect.Service<PoolConfig>()("PoolConfig", {
  effect: Effect.gen(function* () {
    const size = yield* Config.integer("POOL_SIZE").pipe(
      Config.validate({ message: "POOL_SIZE must be at least 1", validation: atLeast(1) }),
      Config.withDefault(availableParallelism())
    )
    const queueLimit = yield* Config.integer("QUEUE_LIMIT").pipe(
      Config.validate({ message: "QUEUE_LIMIT must be at least 0", validation: atLeast(0) }),
      Config.withDefault(1000)
    )
    const queryTimeoutMs = yield* queryTimeoutMsConfig
    const workerMode = yield* Config.literal(
      "auto",
      "bundle",
      "source"
    )("POOL_WORKER_MODE").pipe(Config.withDefault<WorkerMode>("auto"))
    const workerBundle = yield* Config.nonEmptyString("POOL_WORKER_BUNDLE").pipe(
      Config.withDefault(DEFAULT_WORKER_BUNDLE)
    )
    const fileCheckMs = yield* Config.integer("POOL_FILE_CHECK_MS").pipe(
      Config.validate({ message: "POOL_FILE_CHECK_MS must be at least 0", validation: atLeast(0) }),
      Config.withDefault(200)
    )
    const spawnTimeoutMs = yield* Config.integer("POOL_SPAWN_TIMEOUT_MS").pipe(
      Config.validate({ message: "POOL_SPAWN_TIMEOUT_MS must be at least 1", validation: atLeast(1) }),
      Config.withDefault(30_000)
    )
    const allowMmap = yield* Config.boolean("POOL_ALLOW_MMAP").pipe(Config.withDefault(false))
    return {
      size,
      queueLimit,
      queryTimeoutMs,
      workerMode,
      workerBundle,
      fileCheckMs,
      spawnTimeoutMs,
      allowMmap
    } as const
  })
}) {}
