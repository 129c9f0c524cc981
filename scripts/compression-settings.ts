/**
 * Times brotli and gzip at several settings on response bodies saved to files (e.g. `curl -o mbi.json
 * 'localhost:3000/summary/monthly-by-item?from=2024-01-01&to=2026-12-31'`): median milliseconds and bytes out,
 * per body and setting. What src/compression/Coding.ts's one setting was chosen by:
 *   node --import tsx scripts/compression-settings.ts mbi.json records-1000.json
 */
import * as fs from "node:fs"
import * as zlib from "node:zlib"

const files = process.argv.slice(2)
if (files.length === 0) {
  console.log("usage: node --import tsx scripts/compression-settings.ts BODY_FILE...")
  process.exit(2)
}

const brotli = (quality: number) => (body: Buffer) =>
  zlib.brotliCompressSync(body, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length }
  })
const gzip = (level: number) => (body: Buffer) => zlib.gzipSync(body, { level })
const SETTINGS: ReadonlyArray<readonly [string, (body: Buffer) => Buffer]> = [
  ...[4, 5, 6].map((level) => [`gzip ${level}`, gzip(level)] as const),
  ...[1, 2, 3, 4, 5].map((quality) => [`br ${quality}`, brotli(quality)] as const)
]

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

console.log(`| body (bytes) | ${SETTINGS.map(([name]) => name).join(" | ")} |`)
console.log(`| --- | ${SETTINGS.map(() => "---").join(" | ")} |`)
for (const file of files) {
  const body = fs.readFileSync(file)
  // Enough runs for a stable median in about a second per setting.
  const runs = body.length > 500_000 ? 25 : body.length > 50_000 ? 101 : 301
  const cells = SETTINGS.map(([, run]) => {
    let size = run(body).length
    const times: Array<number> = []
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      size = run(body).length
      times.push(performance.now() - started)
    }
    return `${median(times).toFixed(2)} ms, ${size}`
  })
  console.log(`| ${file.split("/").pop()} (${body.length}) | ${cells.join(" | ")} |`)
}
