import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { ChatConfig } from "./ChatConfig.js"
import { ChatLoop } from "./ChatLoop.js"
import { ChatTools } from "./ChatTools.js"
import { PlantToolkit } from "./PlantToolkit.js"
import { SystemPrompt } from "./SystemPrompt.js"

/** The plant's tools for the chat: the same toolkit (and handlers) as `/tools` and `/mcp`. */
const PlantChatTools = Layer.effect(ChatTools, Effect.map(PlantToolkit, ChatTools.fromToolkit))

/**
 * The chat loop as the service runs it: the plant toolkit (its handlers come from `PlantToolkitLive`), the system
 * prompt, the upstream over node:http.
 */
export const ChatLoopLive = ChatLoop.Default.pipe(
  Layer.provide(SystemPrompt.Default),
  Layer.provide([ChatConfig.Default, PlantChatTools, NodeHttpClient.layer])
)
