/**
 * The HTTP floor: a bare `node:http` server answering `GET /bytes/N` with a fixed JSON body of N bytes and the
 * same header set as the service's cache hits. The bench bundles it and runs `node .bench/app/http-floor.mjs` with
 * HOST and PORT set.
 */
import * as http from "node:http"

const bodies = new Map<number, Buffer>()

const bodyOf = (size: number): Buffer => {
  let body = bodies.get(size)
  if (body === undefined) {
    const pad = Math.max(0, size - 12)
    body = Buffer.from(`{"rows":"${"x".repeat(pad)}"}`.slice(0, Math.max(size, 2)))
    bodies.set(size, body)
  }
  return body
}

const server = http.createServer((request, response) => {
  const match = /^\/bytes\/(\d{1,8})(\?.*)?$/.exec(request.url ?? "")
  if (request.url === "/health") return void response.writeHead(200, { "content-type": "application/json" }).end("{}")
  if (match === null) return void response.writeHead(404).end()
  const body = bodyOf(Number(match[1]))
  response
    .writeHead(200, {
      etag: '"floor-etag-0000000000000000"',
      "cache-control": "no-cache",
      "x-cache": "HIT",
      vary: "Accept-Encoding",
      "content-type": "application/json",
      "content-length": body.length
    })
    .end(body)
})

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1")
process.on("SIGTERM", () => process.exit(0))
