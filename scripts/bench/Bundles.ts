import { build } from "esbuild"
import { renameSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { NODE_BUNDLE, buildWorker } from "../build-worker.js"
import { progress } from "./Progress.js"

export interface Bundles {
  /** The service as it ships (`npm start` runs the same bundle from dist/). */
  readonly app: string
  readonly httpFloor: string
  readonly worker: string
}

// Under the repo (gitignored), so the bundles resolve better-sqlite3 from node_modules; not dist/, which
// `npm start` and other work in this checkout use.
const at = (path: string) => fileURLToPath(new URL(`../../.bench/${path}`, import.meta.url))

/** An ESM bundle for Node as scripts/build.ts makes the app's (better-sqlite3 outside it), written atomically. */
const bundle = async (entry: string, outfile: string): Promise<string> => {
  const tmp = `${outfile}.${process.pid}.tmp.mjs`
  try {
    await build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
      outfile: tmp,
      ...NODE_BUNDLE,
      logLevel: "warning"
    })
    renameSync(tmp, outfile)
    return outfile
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** Bundles the service, the HTTP floor server and the read worker from the current sources. */
export const buildBundles = async (): Promise<Bundles> => {
  const started = performance.now()
  const [app, httpFloor, worker] = await Promise.all([
    bundle("../../src/main.ts", at("app/main.mjs")),
    bundle("./HttpFloorServer.ts", at("app/http-floor.mjs")),
    buildWorker(at("worker/sqlite-worker.mjs"))
  ])
  progress(`bundled the service, the HTTP floor and the read worker in ${Math.round(performance.now() - started)} ms`)
  return { app, httpFloor, worker }
}
