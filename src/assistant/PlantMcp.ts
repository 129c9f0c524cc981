import { McpServer } from "@effect/ai"
import { HttpApiBuilder } from "@effect/platform"
import { Layer } from "effect"
import { API_VERSION } from "../http/Api.js"
import { PlantToolkit } from "./PlantToolkit.js"

/**
 * `POST /mcp`: the toolkit as an MCP server (Streamable HTTP, stateless JSON answers). Mounted on the HttpApi's
 * router, so it is served by the same app and goes through the same middleware as every endpoint; a call's
 * result is one `text` content holding the endpoint's JSON body (`structuredContent` repeats it as JSON).
 */
export const PlantMcpLive = McpServer.toolkit(PlantToolkit).pipe(
  Layer.provide(
    McpServer.layerHttp({
      name: "production-analytics",
      version: API_VERSION,
      path: "/mcp",
      routerTag: HttpApiBuilder.Router
    })
  )
)
