import * as http from "node:http"

/** One timed request: client wall time from sending to the body's last byte, and what the answer said. */
export interface Timed {
  readonly ms: number
  readonly status: number
  readonly bytes: number
  readonly body: Buffer
  /** `Server-Timing: db;dur=…` (engine time of a miss), ms. */
  readonly dbMs: number | undefined
  readonly xCache: string | undefined
}

const dbDuration = (header: string | string[] | undefined): number | undefined => {
  const match = /\bdb;dur=([\d.]+)/.exec(String(header ?? ""))
  return match === null ? undefined : Number(match[1])
}

class StaleConnection extends Error {}

/** A client holding one kept-alive connection: the single-connection latencies are measured through it. */
export class OneConnection {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

  constructor(readonly base: string) {}

  get(path: string, timeoutMs = 300_000): Promise<Timed> {
    return this.#get(path, timeoutMs).catch((error: unknown) =>
      // The server may close a kept-alive connection that sat idle (its keepAliveTimeout) just as this request
      // reuses it: the documented race, answered by sending the (idempotent) GET again on a new connection.
      error instanceof StaleConnection ? this.#get(path, timeoutMs) : Promise.reject(error)
    )
  }

  #get(path: string, timeoutMs: number): Promise<Timed> {
    return new Promise((resolve, reject) => {
      const started = performance.now()
      const request = http.get(this.base + path, { agent: this.#agent, timeout: timeoutMs }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (c: Buffer) => chunks.push(c))
        response.on("error", reject)
        response.on("end", () => {
          const ms = performance.now() - started
          const body = Buffer.concat(chunks)
          const xCache = response.headers["x-cache"]
          resolve({
            ms,
            status: response.statusCode ?? 0,
            bytes: body.length,
            body,
            dbMs: dbDuration(response.headers["server-timing"]),
            xCache: typeof xCache === "string" ? xCache : undefined
          })
        })
      })
      request.on("timeout", () => request.destroy(new Error(`GET ${path}: no answer in ${timeoutMs} ms`)))
      request.on("error", (error: NodeJS.ErrnoException) =>
        reject(request.reusedSocket && error.code === "ECONNRESET" ? new StaleConnection() : error)
      )
    })
  }

  async json<A>(path: string): Promise<A> {
    const answer = await this.get(path)
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body.toString().slice(0, 200)}`)
    return JSON.parse(answer.body.toString()) as A
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** Runs `body` with a one-connection client, closing it afterwards. */
export const withClient = async <A>(base: string, body: (client: OneConnection) => Promise<A>): Promise<A> => {
  const client = new OneConnection(base)
  try {
    return await body(client)
  } finally {
    client.close()
  }
}

/** Rows in a JSON answer (`rows` array length), or 0. */
export const rowsOf = (body: Buffer): number => {
  try {
    const parsed = JSON.parse(body.toString()) as { rows?: unknown }
    return Array.isArray(parsed.rows) ? parsed.rows.length : 0
  } catch {
    return 0
  }
}
