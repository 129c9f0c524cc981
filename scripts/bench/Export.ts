import * as http from "node:http"
import { progress } from "./Progress.js"
import { rssAnon, type ServerHandle } from "./ServerProcess.js"

export interface ExportRun {
  readonly rows: number
  readonly bytes: number
  readonly seconds: number
  readonly rowsPerS: number
  /** The server's `RssAnon` just before the export and its maximum during it (sampled every 50 ms), bytes. */
  readonly idleAnon: number
  readonly peakAnon: number
}

const NEWLINE = 10

/** Streams one NDJSON export, counting lines as they arrive, while sampling the server's anonymous memory. */
export const runExport = (server: ServerHandle, path: string): Promise<ExportRun> =>
  new Promise((resolve, reject) => {
    const idleAnon = rssAnon(server.pid) ?? NaN
    let peakAnon = idleAnon
    const sampler = setInterval(() => {
      const now = rssAnon(server.pid)
      if (now !== undefined && !(now <= peakAnon)) peakAnon = now
    }, 50)
    const started = performance.now()
    let rows = 0
    let bytes = 0
    const fail = (error: Error) => {
      clearInterval(sampler)
      reject(error)
    }
    const request = http.get(server.base + path, { timeout: 600_000 }, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return fail(new Error(`export answered ${response.statusCode}`))
      }
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length
        for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) rows++
      })
      response.on("error", fail)
      response.on("aborted", () => fail(new Error("export aborted by the server")))
      response.on("end", () => {
        clearInterval(sampler)
        const seconds = (performance.now() - started) / 1000
        resolve({ rows, bytes, seconds, rowsPerS: rows / seconds, idleAnon, peakAnon })
      })
    })
    request.on("timeout", () => request.destroy(new Error("export: no answer in 600 s")))
    request.on("error", fail)
  })

/** `repeats` exports one after the other. */
export const measureExport = async (
  server: ServerHandle,
  path: string,
  repeats: number
): Promise<ReadonlyArray<ExportRun>> => {
  const runs: Array<ExportRun> = []
  for (let i = 1; i <= repeats; i++) {
    const run = await runExport(server, path)
    runs.push(run)
    const peak = (run.peakAnon / 1048576).toFixed(0)
    progress(`export ${i}/${repeats}: ${run.rows} rows in ${run.seconds.toFixed(2)} s, peak RssAnon ${peak} MB`)
  }
  return runs
}
