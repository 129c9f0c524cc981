import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger } from "effect"
import { AppLive } from "./app/AppLive.js"
import { reportStartupFailure } from "./app/StartupFailure.js"

// Logs are JSON lines on stdout (one per event, error answers included), for a log collector to parse.
NodeRuntime.runMain(Layer.launch(AppLive).pipe(Effect.provide(Logger.json), reportStartupFailure), {
  disableErrorReporting: true,
  disablePrettyLogger: true
})
