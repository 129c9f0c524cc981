// Starts a TypeScript worker entry under tsx: Node 20 cannot start a `.ts` worker by URL directly.
import { workerData } from "node:worker_threads"
import { register } from "tsx/esm/api"

register()
await import(workerData.entry)
