// Entry of a read worker thread: answers `WorkerRequest`s over its own SQLite connections.
// Deep imports keep the bundle small (the platform-node barrel pulls in undici).
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import { Effect } from "effect"
import { WorkerRequest } from "../WorkerProtocol.js"
import { OpenFiles } from "./OpenFiles.js"

const Main = WorkerRunner.layerSerialized(WorkerRequest, {
  InitialMessage: (init) => OpenFiles.layer(init),
  Query: (query) => Effect.flatMap(OpenFiles, (files) => files.run(query)),
  Ping: () => Effect.void
})

WorkerRunner.launch(Main).pipe(Effect.provide(NodeWorkerRunner.layer), NodeRuntime.runMain)
