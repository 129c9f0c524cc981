/**
 * Times one URL over one kept-alive connection, request after request, and prints the p50 round trip and the
 * p50 of `Server-Timing: db;dur`, with `Accept-Encoding: CODINGS` when given. For before/after checks of one change on
 * one shape:
 *   node --import tsx scripts/latency-loop.ts http://127.0.0.1:3000/lines 2000
 *   node --import tsx scripts/latency-loop.ts 'http://127.0.0.1:3000/records?limit=1000' 500 br
 */
import * as Http from "node:http"

const [url, count = "1000", codings] = process.argv.slice(2)
if (url === undefined) {
  console.log("usage: node --import tsx scripts/latency-loop.ts URL [REQUESTS=1000] [ACCEPT_ENCODING]")
  process.exit(2)
}
const agent = new Http.Agent({ keepAlive: true, maxSockets: 1 })

const once = (): Promise<{ ms: number; dbMs: number | undefined; status: number; bytes: number }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    Http.get(url, { agent, headers: codings === undefined ? {} : { "accept-encoding": codings } }, (response) => {
      let bytes = 0
      response.on("data", (chunk: Buffer) => (bytes += chunk.length))
      response.on("end", () => {
        const db = /db;dur=([\d.]+)/.exec(String(response.headers["server-timing"] ?? ""))
        resolve({
          ms: performance.now() - started,
          dbMs: db ? Number(db[1]) : undefined,
          status: response.statusCode ?? 0,
          bytes
        })
      })
    }).on("error", reject)
  })

const p50 = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const times: Array<number> = []
const db: Array<number> = []
let bytes = 0
for (let i = 0; i < Number(count); i++) {
  const answer = await once()
  if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}`)
  times.push(answer.ms)
  bytes = answer.bytes
  if (answer.dbMs !== undefined) db.push(answer.dbMs)
}
agent.destroy()
console.log(
  `${url}: ${times.length} requests, p50 ${p50(times)?.toFixed(3)} ms, db p50 ${p50(db)?.toFixed(3) ?? "-"} ms, ` +
    `${bytes} bytes${codings === undefined ? "" : ` (Accept-Encoding: ${codings})`}`
)
