import { McpServer } from "@effect/ai"
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { API_VERSION } from "../http/Api.js"
import { PlantToolkit } from "./PlantToolkit.js"

/**
 * `POST /mcp`: the toolkit as an MCP server (Streamable HTTP, stateless JSON answers). Mounted on the HttpApi's
 * router, so it is served by the same app and goes through the same middleware as every endpoint; a call's
 * result is one `text` content holding the endpoint's JSON body (`structuredContent` repeats it as JSON).
 */

const MCP_PATH = "/mcp"

/**
 * The server keeps no sessions and sends nothing unasked, so it offers no SSE stream (`GET`) and nothing to
 * end (`DELETE`): the transport's answer to both is 405.
 */
const PostOnly = HttpApiBuilder.Router.use((router) => {
  const notAllowed = Effect.succeed(HttpServerResponse.empty({ status: 405, headers: { allow: "POST" } }))
  return Effect.zipRight(router.get(MCP_PATH, notAllowed), router.del(MCP_PATH, notAllowed))
})

export const PlantMcpLive = McpServer.toolkit(PlantToolkit).pipe(
  Layer.merge(PostOnly),
  Layer.provide(
    McpServer.layerHttp({
      name: "production-analytics",
      version: API_VERSION,
      path: MCP_PATH,
      routerTag: HttpApiBuilder.Router
    })
  )
)
