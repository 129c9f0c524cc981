// Bundles the service for a fast start: dist/main.mjs (the app) and dist/sqlite-worker.mjs (the read worker).
// Under tsx, loading the TypeScript sources alone takes seconds; the bundles start in a fraction of that.
// Usage: node --import tsx scripts/build.ts
import { build } from "esbuild"
import { fileURLToPath } from "node:url"
import { buildWorker } from "./build-worker.js"

const started = performance.now()
const outfile = fileURLToPath(new URL("../dist/main.mjs", import.meta.url))
await build({
  entryPoints: [fileURLToPath(new URL("../src/main.ts", import.meta.url))],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The native addon stays outside the bundle, resolved from node_modules at run time.
  external: ["better-sqlite3"],
  // CommonJS code inside an ESM bundle needs a real `require` for Node built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
  },
  logLevel: "warning"
})
const worker = await buildWorker()
console.log(`built ${outfile} and ${worker} (${Math.round(performance.now() - started)} ms)`)
