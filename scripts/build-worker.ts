// Bundles the read worker (src/backends/sqlite/pool/worker/sqlite-worker.ts) into dist/sqlite-worker.mjs, so worker threads start
// in ~0.2 s instead of seconds under tsx. Usage: node --import tsx scripts/build-worker.ts [--out FILE]
import { type BuildOptions, build } from "esbuild"
import { renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { DEFAULT_WORKER_BUNDLE } from "../src/backends/sqlite/pool/PoolConfig.js"
import { sourcesManifestPath } from "../src/backends/sqlite/pool/WorkerEntry.js"

const ENTRY = fileURLToPath(new URL("../src/backends/sqlite/pool/worker/sqlite-worker.ts", import.meta.url))

/** How every bundle of this project is built: one ESM file for Node 20. */
export const NODE_BUNDLE = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The native addon stays outside the bundle, resolved from node_modules at run time.
  external: ["better-sqlite3"],
  // CommonJS code inside an ESM bundle needs a real `require` for Node built-ins.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);'
  }
} satisfies BuildOptions

/** Builds the bundle at `outFile` (atomically: concurrent builds never expose a half-written file). */
export const buildWorker = async (outFile: string = DEFAULT_WORKER_BUNDLE): Promise<string> => {
  const out = resolve(outFile)
  const tmp = `${out}.${process.pid}.tmp.mjs`
  try {
    const result = await build({
      entryPoints: [ENTRY],
      outfile: tmp,
      ...NODE_BUNDLE,
      metafile: true,
      logLevel: "warning"
    })
    const sources = Object.keys(result.metafile.inputs)
      .filter((input) => !input.includes("node_modules/"))
      .map((input) => relative(dirname(out), resolve(input)))
    writeFileSync(sourcesManifestPath(out), JSON.stringify(sources, null, 2) + "\n")
    renameSync(tmp, out)
    return out
  } finally {
    rmSync(tmp, { force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf("--out")
  const started = performance.now()
  const out = await buildWorker(at >= 0 ? process.argv[at + 1] : undefined)
  console.log(`read worker bundled: ${out} (${Math.round(performance.now() - started)} ms)`)
}
