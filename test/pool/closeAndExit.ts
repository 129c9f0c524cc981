// Child process for ReadPool.timeout.test.ts: closes a pool while a long statement runs, then simply ends; prints
// "exiting" once nothing keeps its event loop alive. Usage: node --import tsx test/pool/closeAndExit.ts BUNDLE DB
import { ConfigProvider, Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { DbTargets } from "../../src/config/DbTargets.js"
import { PoolConfig } from "../../src/backends/sqlite/pool/PoolConfig.js"
import { ReadPool } from "../../src/backends/sqlite/pool/ReadPool.js"
import { ReadPoolLive } from "../../src/backends/sqlite/pool/ReadPoolLive.js"

const [bundle = "", db = ""] = process.argv.slice(2)
const settings = {
  LIVE_DB_PATH: db,
  ARCHIVE_DB_PATH: db,
  POOL_SIZE: "1",
  POOL_WORKER_MODE: "bundle",
  POOL_WORKER_BUNDLE: bundle
}
const layer = ReadPoolLive.pipe(
  Layer.provide(Layer.mergeAll(PoolConfig.Default, DbTargets.Default)),
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(settings)))))
)
const stuck =
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT count(*) FROM c"

const program = Effect.gen(function* () {
  const scope = yield* Scope.make()
  const pool = Context.get(yield* Layer.buildWithScope(layer, scope), ReadPool)
  const running = yield* Effect.fork(pool.run({ file: "live", sql: stuck, params: [] }))
  yield* Effect.sleep("200 millis")
  yield* Scope.close(scope, Exit.void)
  yield* Fiber.interrupt(running)
  console.log("closed")
})

process.once("exit", () => console.log("exiting"))
void Effect.runPromise(program)
