import autocannon from "autocannon"

export interface LoadResult {
  readonly requests: number
  readonly durationS: number
  readonly rps: number
  readonly bytesPerS: number
  /** Latencies, ms (autocannon's histogram: whole milliseconds). */
  readonly p50: number
  readonly p99: number
  readonly max: number
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  /** `X-Cache` values of the answers to the watched paths (`LoadSpec.watch`), counted by value. */
  readonly watched: Readonly<Record<string, number>>
}

export interface LoadSpec {
  readonly base: string
  /** One fixed path, or a rotation: the paths drawn in the order of `sequence` (indexes into `paths`). */
  readonly path: string | { readonly paths: ReadonlyArray<string>; readonly sequence: Int32Array }
  readonly connections: number
  readonly durationS: number
  readonly headers?: Readonly<Record<string, string>>
  /** Paths of the rotation whose answers' `X-Cache` is counted (each answer's headers are read: kept to a few). */
  readonly watch?: (path: string) => boolean
}

const xCacheOf = (headers: Readonly<Record<string, unknown>> | undefined): string => {
  for (const [name, value] of Object.entries(headers ?? {})) if (name.toLowerCase() === "x-cache") return String(value)
  return "none"
}

/**
 * Requests each connection cycles through, prebuilt when its client is set up. Building costs ~12 µs a request
 * and blocks the generator while the first clients' requests are already out: 1,000 a connection held every
 * run's first ~100 answers for 1.2 s (their latency, the run's max) and a tenth of its duration; 100 keep that
 * under ~0.12 s while 100 connections still draw 10,000 positions of the rotation.
 */
const PER_CONNECTION = 100

/**
 * One autocannon run (programmatic API, in this process), bounded by its duration. A rotation gives each
 * connection its own slice of the sequence, set up front (`setupClient`): a per-request `setupRequest` rebuilt
 * every request and capped the generator far below the server.
 */
export const runLoad = async (spec: LoadSpec): Promise<LoadResult> => {
  const rotation = typeof spec.path === "string" ? undefined : spec.path
  let clients = 0
  const watched: Record<string, number> = {}
  const count = (_status: number, _body: string, _context: object, headers: Record<string, unknown> | undefined) => {
    const value = xCacheOf(headers)
    watched[value] = (watched[value] ?? 0) + 1
  }
  const result = await autocannon({
    url: spec.base + (typeof spec.path === "string" ? spec.path : "/"),
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 10,
    ...(spec.headers === undefined ? {} : { headers: { ...spec.headers } }),
    ...(rotation === undefined
      ? {}
      : {
          setupClient: (client: autocannon.Client) => {
            const offset = Math.floor((clients++ * rotation.sequence.length) / spec.connections)
            client.setRequests(
              Array.from({ length: PER_CONNECTION }, (_, i) => {
                const path = rotation.paths[rotation.sequence[(offset + i) % rotation.sequence.length]!]!
                return spec.watch?.(path) === true
                  ? { method: "GET" as const, path, onResponse: count }
                  : { method: "GET" as const, path }
              })
            )
          }
        })
  })
  const requests = result.requests.total
  return {
    requests,
    durationS: result.duration,
    rps: requests / result.duration,
    bytesPerS: result.throughput.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    watched
  }
}
