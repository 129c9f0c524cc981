import { type OneConnection, rowsOf } from "./HttpClient.js"
import { breathe, progress } from "./Progress.js"
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

/** A server asked for every shape, side by side with others: what it is asked for a shape, given the shape's size. */
export interface Subject {
  readonly label: string
  readonly client: OneConnection
  /** The URL asked for `shape` (the `index`-th); `first` is what the first subject answered it in the warm-up. */
  readonly url: (shape: ResolvedShape, index: number, first: { readonly bytes: number }) => string
}

export interface SideBySide {
  /** Per subject, in the order given. */
  readonly runs: ReadonlyArray<ReadonlyArray<ShapeRun>>
  /** Per shape URL, the in-process statements' time of each timed pass (ms), when a timer was given. */
  readonly statementMs: ReadonlyMap<string, ReadonlyArray<number>>
}

/**
 * Times every shape on every subject side by side, `passes.timed` times: pass by pass, each subject in turn is
 * asked every shape (the subjects' order rotated from pass to pass) and, with `statementMs`, the shapes'
 * statements are run in this process, so that the machine's drift (it is shared, and its speed changes by half
 * within minutes) reaches the service and its floors alike. Whole passes, not shape by shape: asking two servers
 * in turn made both 1.4-2× slower than asking each on its own (caches and cores handed from one process to the
 * other at every request), which measures the harness, not the servers. `warm` untimed passes first warm
 * statements, pages, caches and the servers' JIT (a service answers the same shapes all day: cold first requests
 * are not its steady state); the first subject's warm answers give each shape's rows and size.
 */
export const measureSideBySide = async (
  subjects: ReadonlyArray<Subject>,
  shapes: ReadonlyArray<ResolvedShape>,
  passes: { readonly warm: number; readonly timed: number },
  statementMs?: (url: string) => Promise<number>
): Promise<SideBySide> => {
  const sizes = subjects.map(() => new Map<string, { rows: number; bytes: number }>())
  const samples = subjects.map(() => new Map<string, Array<Sample>>(shapes.map((s) => [s.url, []])))
  const statements = new Map<string, Array<number>>(shapes.map((s) => [s.url, []]))
  const label = subjects.map((s) => s.label).join(" | ")
  for (let pass = 1 - passes.warm; pass <= passes.timed; pass++) {
    const started = performance.now()
    for (let k = 0; k < subjects.length; k++) {
      // Warm-up in the given order (the first subject sizes the shapes); timed passes rotate it.
      const j = pass <= 0 ? k : (k + pass) % subjects.length
      const subject = subjects[j]!
      // The first request after a subject sat idle while the others were asked paid for it (the first shape of
      // the sweep was the slowest of its endpoint on every subject): one untimed request first.
      if (pass > 0 && shapes.length > 0) {
        await getOnceMore(
          subject.client,
          subject.url(shapes[0]!, 0, sizes[0]!.get(shapes[0]!.url) ?? { bytes: 0 }),
          subject.label
        )
      }
      for (const [index, shape] of shapes.entries()) {
        const url = subject.url(shape, index, sizes[0]!.get(shape.url) ?? { bytes: 0 })
        const answer = await getOnceMore(subject.client, url, subject.label)
        if (answer.status !== 200) {
          throw new Error(
            `${subject.label}: GET ${url} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`
          )
        }
        if (pass <= 0) sizes[j]!.set(shape.url, { rows: rowsOf(answer.body), bytes: answer.bytes })
        else samples[j]!.get(shape.url)!.push({ ms: answer.ms, dbMs: answer.dbMs, status: 200, xCache: answer.xCache })
      }
    }
    if (statementMs !== undefined) {
      for (const shape of shapes) {
        await breathe()
        const ms = await statementMs(shape.url)
        if (pass > 0) statements.get(shape.url)!.push(ms)
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    progress(
      `${label}: ${pass <= 0 ? "warm-up pass" : `pass ${pass}/${passes.timed}`} of ${shapes.length} shapes (${seconds} s)`
    )
  }
  return {
    runs: subjects.map((_, j) =>
      shapes.map((shape) => ({
        shape,
        rows: sizes[j]!.get(shape.url)?.rows ?? 0,
        bytes: sizes[j]!.get(shape.url)?.bytes ?? 0,
        samples: samples[j]!.get(shape.url) ?? []
      }))
    ),
    statementMs: statements
  }
}

/** Times every shape on one server (`measureSideBySide` with one subject). */
export const measureShapes = async (
  client: OneConnection,
  shapes: ReadonlyArray<ResolvedShape>,
  passes: { readonly warm: number; readonly timed: number },
  label: string
): Promise<ReadonlyArray<ShapeRun>> =>
  (await measureSideBySide([{ label, client, url: (shape) => shape.url }], shapes, passes)).runs[0]!
