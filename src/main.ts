import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { AppLive } from "./app/AppLive.js"
import { reportStartupFailure } from "./app/StartupFailure.js"

NodeRuntime.runMain(Layer.launch(AppLive).pipe(reportStartupFailure), { disableErrorReporting: true })
