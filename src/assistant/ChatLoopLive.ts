import { NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import { ChatConfig } from "./ChatConfig.js"
import { ChatLoop } from "./ChatLoop.js"
import { EndpointChatTools } from "./EndpointToolkit.js"
import { SystemPrompt } from "./SystemPrompt.js"

/** The chat loop as the service runs it: the endpoint tools, the system prompt, the upstream over node:http. */
export const ChatLoopLive = ChatLoop.Default.pipe(
  Layer.provide(SystemPrompt.Default),
  Layer.provide([ChatConfig.Default, EndpointChatTools, NodeHttpClient.layer])
)
