import { type OneConnection, rowsOf } from "./HttpClient.js"
import { progress } from "./Progress.js"
import type { Endpoint, Shape } from "./Shapes.js"

/** A shape with its concrete URL (a follow-up page carries the cursor of its first page). */
export interface ResolvedShape {
  readonly endpoint: Endpoint
  readonly label: string
  readonly url: string
}

export interface Sample {
  readonly ms: number
  readonly dbMs: number | undefined
  readonly status: number
  readonly xCache: string | undefined
}

export interface ShapeRun {
  readonly shape: ResolvedShape
  readonly rows: number
  readonly bytes: number
  readonly samples: ReadonlyArray<Sample>
}

/** Follow-up shapes get the `next_cursor` of their first page; one whose first page is the last is dropped. */
export const resolveShapes = async (
  client: OneConnection,
  shapes: ReadonlyArray<Shape>
): Promise<ReadonlyArray<ResolvedShape>> => {
  const resolved: Array<ResolvedShape> = []
  for (const shape of shapes) {
    if (shape.followUp !== true) {
      resolved.push(shape)
      continue
    }
    const page = await client.json<{ next_cursor: string | null }>(shape.url)
    if (page.next_cursor === null) continue
    resolved.push({ ...shape, url: `${shape.url}&cursor=${encodeURIComponent(page.next_cursor)}` })
  }
  return resolved
}

/** A GET retried once, on a new connection, when the connection failed (not when the answer was an error). */
const getOnceMore = async (client: OneConnection, url: string, label: string) => {
  try {
    return await client.get(url)
  } catch (error) {
    progress(`${label}: GET ${url} failed (${error instanceof Error ? error.message : String(error)}); once more`)
    return client.get(url)
  }
}

/**
 * Times every shape `passes` times over one connection, the shapes interleaved (pass after pass) so drift in
 * the machine's load spreads over all of them. `warm` untimed passes first warm statements, pages, the cache and
 * the server's JIT (a service answers the same shapes all day: cold first requests are not its steady state).
 */
export const measureShapes = async (
  client: OneConnection,
  shapes: ReadonlyArray<ResolvedShape>,
  passes: { readonly warm: number; readonly timed: number },
  label: string
): Promise<ReadonlyArray<ShapeRun>> => {
  const rows = new Map<string, number>()
  const bytes = new Map<string, number>()
  const samples = new Map<string, Array<Sample>>(shapes.map((s) => [s.url, []]))
  for (let pass = 1 - passes.warm; pass <= passes.timed; pass++) {
    const started = performance.now()
    for (const shape of shapes) {
      const answer = await getOnceMore(client, shape.url, label)
      if (answer.status !== 200) {
        throw new Error(`${label}: GET ${shape.url} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`)
      }
      if (pass <= 0) {
        rows.set(shape.url, rowsOf(answer.body))
        bytes.set(shape.url, answer.bytes)
        continue
      }
      samples.get(shape.url)!.push({ ms: answer.ms, dbMs: answer.dbMs, status: answer.status, xCache: answer.xCache })
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    progress(
      `${label}: ${pass <= 0 ? "warm-up pass" : `pass ${pass}/${passes.timed}`} of ${shapes.length} shapes (${seconds} s)`
    )
  }
  return shapes.map((shape) => ({
    shape,
    rows: rows.get(shape.url) ?? 0,
    bytes: bytes.get(shape.url) ?? 0,
    samples: samples.get(shape.url) ?? []
  }))
}
