import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { ApiKeys } from "../access/ApiKeys.js"
import { ChatAccess } from "../access/ChatAccess.js"
import { ChatHandlers } from "../assistant/ChatHandlers.js"
import { ChatLoopLive } from "../assistant/ChatLoopLive.js"
import { ToolsHandlers } from "../tools/ToolsHandlers.js"
import { PlantMcpLive } from "../assistant/PlantMcp.js"
import { PlantToolkitLive } from "../assistant/PlantToolkit.js"
import { CacheInvalidationLive } from "../cache/CacheInvalidation.js"
import { ResponseCache } from "../cache/ResponseCache.js"
import { QueryMetrics } from "../metrics/QueryMetrics.js"
import { Answers } from "./Answers.js"
import { Api } from "./Api.js"
import { ContractErrorsLive, appMiddleware } from "./AppMiddleware.js"
import { CatalogHandlers } from "./CatalogHandlers.js"
import { CorsConfig } from "./Cors.js"
import { ExportSlots } from "./ExportStream.js"
import { HealthHandlers } from "./HealthHandlers.js"
import { MetricsHandlers } from "./MetricsHandlers.js"
import { FastPath, NodeServer } from "./NodeServer.js"
import { QueryFastPathLive } from "./QueryFastPath.js"
import { RecordsHandlers } from "./RecordsHandlers.js"
import { SummaryHandlers } from "./SummaryHandlers.js"

export const ServerConfig = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("PORT").pipe(
    Config.withDefault(3000),
    Config.validate({ message: "PORT must be 0..65535 (0: any free port)", validation: (p) => p >= 0 && p <= 65535 })
  ),
  shutdownGraceMs: Config.integer("SHUTDOWN_GRACE_MS").pipe(Config.withDefault(10_000))
})

const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([
    RecordsHandlers,
    CatalogHandlers,
    SummaryHandlers,
    HealthHandlers,
    MetricsHandlers,
    ToolsHandlers,
    ChatHandlers.pipe(Layer.provide([ChatLoopLive, ChatAccess.Default]))
  ])
)

/**
 * The server: builds the app, installs it as the listener of our own `node:http` server, and only then listens
 * on HOST:PORT (`NodeHttpServer.make`, what `NodeHttpServer.layer` runs), so no request arrives before the app
 * is ready. On shutdown the graceful drain runs first (it was registered last), while the engine and the files
 * are still there; `make`'s own close then finds the server closed.
 */
const ServerLive = Layer.scoped(
  HttpServer.HttpServer,
  Effect.gen(function* () {
    const node = yield* NodeServer
    const { host, port, shutdownGraceMs } = yield* ServerConfig
    const policy = yield* CorsConfig
    const app = appMiddleware(policy, yield* ApiKeys)(yield* HttpApiBuilder.httpApp)
    // Per-request spans cost time on the hot path and nothing here exports them.
    const handler = yield* HttpMiddleware.withTracerDisabledWhenEffect(NodeHttpServer.makeHandler(app), () => true)
    yield* node.install(handler, yield* FastPath)
    const server = yield* NodeHttpServer.make(() => node.server, { host, port })
    yield* Effect.addFinalizer(() => node.drain(shutdownGraceMs))
    return server
  })
).pipe(
  Layer.provide([
    HttpApiSwagger.layer({ path: "/docs" }),
    HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
    ContractErrorsLive,
    PlantMcpLive
  ]),
  Layer.provide(ApiLive),
  Layer.provide(PlantToolkitLive),
  Layer.provide([HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer])
)

/**
 * The whole HTTP service, given an `Answers` implementation (the seam a response cache replaces), a backend's
 * seams (`QueryEngine`, `DatabaseHealth`, optionally `EngineStats` and `SourceStates`), `DbTargets` and the
 * configuration. Its output includes `HttpServer.HttpServer`, whose `address` tells a test which port `PORT=0`
 * picked.
 */
export const HttpAppLive = ServerLive.pipe(
  Layer.provide([ExportSlots.Default, ApiKeys.Default]),
  Layer.provideMerge(NodeHttpServer.layerContext),
  Layer.provideMerge(NodeServer.Default)
)

/** `HttpAppLive` answering every query from the engine (`X-Cache: MISS`), with its own metrics. */
export const HttpLive = HttpAppLive.pipe(
  Layer.provide(QueryFastPathLive),
  Layer.provide(ApiKeys.Default),
  Layer.provide(Answers.Uncached),
  Layer.provide([QueryMetrics.Default, ResponseCache.Default])
)

/**
 * The response cache and the metrics, the cache following the `ChangeFeed`. Built before the backend that
 * publishes on the feed, so that the cache listens before the backend's first poll.
 */
export const ResponseCacheLive = CacheInvalidationLive.pipe(
  Layer.provideMerge(Layer.mergeAll(QueryMetrics.Default, ResponseCache.Default))
)

/**
 * The service's HTTP app: answers through the response cache of `ResponseCacheLive` (fresh entries served by
 * exact URL from the synchronous fast path).
 */
export const CachedHttpLive = HttpAppLive.pipe(
  Layer.provide(QueryFastPathLive),
  Layer.provide(ApiKeys.Default),
  Layer.provide(Answers.Cached)
)
