// Bundles the service for a fast start: dist/main.mjs (the app) and dist/sqlite-worker.mjs (the read worker).
// Under tsx, loading the TypeScript sources alone takes seconds; the bundles start in a fraction of that.
// Usage: node --import tsx scripts/build.ts
import { build } from "esbuild"
import { fileURLToPath } from "node:url"
import { NODE_BUNDLE, buildWorker } from "./build-worker.js"

const started = performance.now()
const outfile = fileURLToPath(new URL("../dist/main.mjs", import.meta.url))
await build({
  entryPoints: [fileURLToPath(new URL("../src/main.ts", import.meta.url))],
  outfile,
  ...NODE_BUNDLE,
  logLevel: "warning"
})
const worker = await buildWorker()
console.log(`built ${outfile} and ${worker} (${Math.round(performance.now() - started)} ms)`)
