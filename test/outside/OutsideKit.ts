/**
 * The service (`src/main.ts` as a child process) while outside processes use its live file as the plant's do: a
 * loader on short-lived connections (writer.py), reports, checkpoints, backups and VACUUM (sqlite_tool.py), all
 * python3 with its own SQLite build, which deletes the -wal and -shm when it closes what it believes is the last
 * connection (as the sqlite3 shell and most ETL tools do). HTTP readers hit a few shapes all along, and
 * `runScenario` judges every answer against the writer's history (Staleness.ts) and the files against the rules
 * of docs/data.md: every commit visible, answers exact, no 5xx, -wal/-shm kept, both files intact.
 */
import { expect } from "@effect/vitest"
import { Effect, Fiber, type Scope } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { isDeepStrictEqual } from "node:util"
import { percentile } from "../../scripts/bench/Stats.js"
import { spawnService } from "../reliability/Processes.js"
import { CUTOVER, type Files, LIVE_TO, jsonOf, reliabilityFiles, send } from "../reliability/ReliabilityKit.js"
import { type RecordInput, itemCode, itemName, lineCode } from "../support/fixtures.js"
import { runPython, spawnPython } from "../support/Python.js"
import { type Answer, type History, staleness, violations, visibilityLags } from "./Staleness.js"

/**
 * The service's CHANGE_POLL_MS here: a quarter of the default, so that the freshness bound below is a sharp claim
 * (half a second), while four polls a second of two files cost the service nothing measurable.
 */
export const POLL_MS = 250
/** The contract's freshness bound (data.md): an answer is the data as of no earlier than this before its request. */
export const BOUND_MS = POLL_MS + 250
/** Every commit shows in every shape it changes within this of its end (issue 14). */
export const VISIBLE_MS = POLL_MS + 1000

/** The day the writers write: the fixture's last live day, so any later `to` gives the same answer. */
export const DAY = LIVE_TO
const LAST = "2026-12-31"
const LATER_DAYS = 275 // 2026-04-01 … 2026-12-31

const DIR = fileURLToPath(new URL(".", import.meta.url))

// ---- shapes: what the readers ask, and what python counts for them ----

export type ShapeKind = "records" | "daily" | "monthly" | "by_line" | "by_item"

/** An endpoint over `from..LAST`, filtered to an item and a line if given; python counts it (actor.py). */
export interface Shape {
  readonly name: string
  readonly kind: ShapeKind
  readonly from: string
  readonly to: string
  readonly lot_prefix?: string
  readonly item_code?: string
  readonly line_code?: string
}

/**
 * The run's records by lot prefix, the writes' day, the lines and items of its month, the live file's months; and
 * the same filtered to one of the items and lines the writes touch (and move records between), whose answers
 * commits to other items and lines leave cached.
 */
export const shapesOf = (prefix: string): ReadonlyArray<Shape> => [
  { name: "records", kind: "records", from: DAY, to: LAST, lot_prefix: prefix },
  { name: "daily", kind: "daily", from: DAY, to: LAST },
  { name: "by_line", kind: "by_line", from: "2026-03-01", to: LAST },
  { name: "by_item", kind: "by_item", from: "2026-03-01", to: LAST },
  { name: "monthly", kind: "monthly", from: CUTOVER, to: LAST },
  { name: "records_item", kind: "records", from: DAY, to: LAST, lot_prefix: prefix, item_code: itemCode(2) },
  { name: "daily_item", kind: "daily", from: DAY, to: LAST, item_code: itemCode(1) },
  { name: "by_item_line", kind: "by_item", from: "2026-03-01", to: LAST, line_code: lineCode(2) },
  {
    name: "monthly_item_line",
    kind: "monthly",
    from: CUTOVER,
    to: LAST,
    item_code: itemCode(3),
    line_code: lineCode(0)
  }
]

const PATHS: Record<ShapeKind, string> = {
  records: "/records",
  daily: "/summary/daily",
  monthly: "/summary/monthly",
  by_line: "/summary/by-line",
  by_item: "/summary/by-item"
}

/**
 * The shape's URL ending on `to` (any day from DAY on gives the same answer). `repeat` is always the same URL (the
 * response cache's HIT path); otherwise a random later `to` (and `limit`) makes a key seldom seen before.
 */
const urlOf = (shape: Shape, repeat: boolean): string => {
  const later = new Date(Date.parse(`${DAY}T00:00:00Z`) + (1 + Math.floor(Math.random() * LATER_DAYS)) * 86_400_000)
  const to = repeat ? DAY : later.toISOString().slice(0, 10)
  const filters = (["item_code", "line_code"] as const)
    .filter((f) => shape[f] !== undefined)
    .map((f) => `&${f}=${encodeURIComponent(shape[f]!)}`)
    .join("")
  const base = `${PATHS[shape.kind]}?from=${shape.from}&to=${to}${filters}`
  if (shape.kind !== "records") return base
  const limit = repeat ? 1000 : 500 + Math.floor(Math.random() * 501)
  return `${base}&lot_prefix=${encodeURIComponent(shape.lot_prefix ?? "")}&limit=${limit}`
}

type Row = Record<string, string | number>
const TOTALS = ["good_quantity", "defect_quantity", "record_count"]
const COLUMNS: Record<ShapeKind, ReadonlyArray<string>> = {
  records: ["production_date", "id", "lot_number", "item_code", "line_code", "good_quantity", "defect_quantity"],
  daily: ["date", ...TOTALS],
  monthly: ["month", ...TOTALS],
  by_line: ["line_code", ...TOTALS],
  by_item: ["item_code", "item_name", ...TOTALS]
}

/** Rows of a 200's body as python lists them (actor.py). */
export const asCounted = (kind: ShapeKind, rows: ReadonlyArray<Row>): Array<Array<string | number | undefined>> =>
  rows.map((row) => COLUMNS[kind].map((column) => row[column]))

/** A 200's body in python's form, as JSON; a page that is not the whole answer matches no state. */
const canonical = (shape: Shape, body: unknown): string => {
  const { next_cursor, rows } = body as { rows: ReadonlyArray<Row>; next_cursor?: string | null }
  if (next_cursor !== undefined && next_cursor !== null) return "(more pages)"
  return JSON.stringify(asCounted(shape.kind, rows))
}

// ---- python ----

const python = (script: string, args: ReadonlyArray<string>) => spawnPython(path.join(DIR, script), args)

const jsonLines = <A>(text: string): Array<A> =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as A)

/** `python3 sqlite_tool.py <args>` to its end: its JSON lines; fails on an exit other than 0. */
export const sqliteTool = <A = Record<string, unknown>>(args: ReadonlyArray<string>) =>
  Effect.map(Effect.orDie(runPython(path.join(DIR, "sqlite_tool.py"), args)), (out) => jsonLines<A>(out))

let shapeFiles = 0

/** What `shapes` answer on `db` now, counted by another process (`sqlite_tool.py answers`). */
export const countDirectly = (db: string, shapes: ReadonlyArray<Shape>) =>
  Effect.gen(function* () {
    const file = path.join(path.dirname(db), `shapes-${++shapeFiles}.json`)
    fs.writeFileSync(file, JSON.stringify(shapes))
    const [line] = yield* sqliteTool<{ state: State }>(["answers", db, file])
    return line!.state
  })

/** One statement of a commit (see writer.py). */
export type Statement =
  | { readonly op: "insert" | "upsert"; readonly record: RecordInput }
  | { readonly op: "delete"; readonly id: number }
  | { readonly op: "delete"; readonly lot_number: string }

export interface Plan {
  readonly interval_ms: number
  readonly commits: ReadonlyArray<{ readonly statements: ReadonlyArray<Statement>; readonly hold_ms?: number }>
}

export type State = Record<string, unknown>

/** What writer.py printed for commit `n` (0: the state before any commit, without times). */
export interface Written {
  readonly n: number
  readonly start: number
  readonly end: number
  /** Rows each statement changed. */
  readonly changes: ReadonlyArray<number>
  readonly state: State
}

/** Record `n` of a run: dated DAY, lot `<prefix><n>`, on one of the fixture's items and lines. */
export const runRecord = (prefix: string, n: number): RecordInput => ({
  production_date: DAY,
  item_code: itemCode(n % 5),
  item_name: itemName(n % 5, 0),
  lot_number: `${prefix}${n}`,
  line_code: lineCode(n % 3),
  good_quantity: 1 + (n % 97),
  defect_quantity: n % 5
})

/** `count` commits of one insert each (records `from`…). */
export const inserts = (prefix: string, count: number, from = 0): Plan["commits"] =>
  Array.from({ length: count }, (_, k) => ({ statements: [{ op: "insert", record: runRecord(prefix, from + k) }] }))

// ---- the service's answers ----

export interface Recorded extends Answer {
  readonly shape: string
  readonly url: string
  readonly status: number
  readonly cache: string | undefined
}

/** Runs `step` with `pauseMs` between runs until `stop`; the first failure of `step` fails `stop`. */
const untilStopped = <E>(step: Effect.Effect<void, E>, pauseMs: number) =>
  Effect.gen(function* () {
    let stopped = false
    const fiber = yield* Effect.forkScoped(
      Effect.gen(function* () {
        while (!stopped) {
          yield* step
          yield* Effect.sleep(pauseMs)
        }
      })
    )
    return Effect.suspend(() => {
      stopped = true
      return Fiber.join(fiber)
    })
  })

/** One GET of `url`, timed; a request that got no response at all is status 0. */
const ask = (port: number, shape: Shape, url: string, agent: http.Agent) =>
  Effect.gen(function* () {
    const start = Date.now()
    const reply = yield* Effect.either(send(port, url, { agent }))
    const end = Date.now()
    const status = reply._tag === "Right" ? reply.right.status : 0
    const recorded: Recorded = {
      shape: shape.name,
      url,
      start,
      end,
      status,
      cache: reply._tag === "Right" ? (reply.right.headers["x-cache"] as string | undefined) : undefined,
      value:
        reply._tag === "Left"
          ? `no response: ${reply.left.message}`
          : status === 200
            ? canonical(shape, jsonOf(reply.right))
            : `HTTP ${status}: ${reply.right.text}`
    }
    return recorded
  })

/** A reader per shape, each asking its repeated URL and a fresh one in turn, 30 ms apart, until stopped. */
const readContinuously = (port: number, shapes: ReadonlyArray<Shape>) =>
  Effect.gen(function* () {
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new http.Agent({ keepAlive: true, maxSockets: shapes.length })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const answers: Array<Recorded> = []
    const stops = yield* Effect.forEach(shapes, (shape) => {
      let k = 0
      return untilStopped(
        Effect.map(ask(port, shape, urlOf(shape, k++ % 2 === 0), agent), (answer) => void answers.push(answer)),
        30
      )
    })
    return { answers, stop: Effect.all(stops, { concurrency: "unbounded", discard: true }) }
  })

/** Samples, every 25 ms, whether both files' -wal and -shm exist (a stat, never an open). */
const watchSidecars = (files: Files) =>
  Effect.gen(function* () {
    const missing: Array<string> = []
    const sidecars = [files.live, files.archive].flatMap((file) => [`${file}-wal`, `${file}-shm`])
    const check = Effect.sync(() => {
      for (const file of sidecars)
        if (!fs.existsSync(file)) missing.push(`${path.basename(file)} at ${new Date().toISOString()}`)
    })
    yield* check
    return { missing, stop: yield* untilStopped(check, 25) }
  })

// ---- scenarios ----

export interface ScenarioContext {
  readonly files: Files
  readonly port: number
  /** What the readers ask (python counts them the same way: `countDirectly`). */
  readonly shapes: ReadonlyArray<Shape>
}

export interface Scenario<A> {
  readonly name: string
  /** The lot prefix of the run's records. */
  readonly prefix: string
  readonly plan: Plan
  /** Records in the live file before the service starts. */
  readonly extraLive?: ReadonlyArray<RecordInput>
  /** What other outside processes do while the writer writes (started with it). */
  readonly alongside?: (context: ScenarioContext) => Effect.Effect<A, never, Scope.Scope>
}

export interface ScenarioResult<A> {
  readonly written: ReadonlyArray<Written>
  readonly answers: ReadonlyArray<Recorded>
  readonly histories: Record<string, History>
  readonly alongside: A | undefined
  readonly report: string
}

/**
 * Files, the service on them, the readers and the sidecar watch; then the writer and `alongside` to their end,
 * and VISIBLE_MS more of reading. Asserts, all at once: no answer but 200, -wal/-shm always there, no answer
 * outside the freshness bound, every commit shown to every request from VISIBLE_MS after it on (in every shape it
 * changed), the last state equal to a direct count by another process, both files intact. Logs and returns the
 * figures.
 */
export const runScenario = <A>(scenario: Scenario<A>) =>
  Effect.gen(function* () {
    const files = yield* reliabilityFiles({ extraLive: scenario.extraLive ?? [] })
    const shapes = shapesOf(scenario.prefix)
    const planFile = path.join(files.dir, "plan.json")
    fs.writeFileSync(planFile, JSON.stringify({ ...scenario.plan, shapes }))

    const service = yield* spawnService(files, { CHANGE_POLL_MS: String(POLL_MS), POOL_SIZE: "2" })
    const sidecars = yield* watchSidecars(files)
    const readers = yield* readContinuously(service.port, shapes)
    const writer = yield* python("writer.py", [files.live, planFile])
    const alongside = yield* Effect.forkScoped(
      scenario.alongside?.({ files, port: service.port, shapes }) ?? Effect.succeed(undefined)
    )
    const code = yield* writer.exited
    expect(code, writer.stderr()).toBe(0)
    const alongsideResult = yield* Fiber.join(alongside)
    yield* Effect.sleep(VISIBLE_MS + 250)
    yield* readers.stop
    yield* sidecars.stop

    const direct = yield* countDirectly(files.live, shapes)
    const integrity = yield* Effect.forEach([files.live, files.archive], (file) =>
      Effect.map(sqliteTool<{ integrity: string }>(["integrity", file]), ([line]) => line?.integrity)
    )
    expect(service.child.exitCode, service.stderr()).toBeNull()

    const written = jsonLines<Written>(writer.stdout())
    const commits = written.slice(1).map(({ start, end }) => ({ start, end }))
    const histories: Record<string, History> = {}
    const problems = { non200: [] as Array<string>, violations: [] as Array<string>, late: [] as Array<string> }
    // Per commit, its slowest shape's lags: to every request seeing it, to the first answer showing it.
    const lagsOfCommit = new Map<number, { every: number; first: number }>()
    let stalest = 0
    for (const shape of shapes) {
      const history: History = { states: written.map((w) => JSON.stringify(w.state[shape.name])), commits }
      histories[shape.name] = history
      const answers = readers.answers.filter((a) => a.shape === shape.name)
      for (const a of answers) if (a.status !== 200) problems.non200.push(`${a.url}: ${a.status} ${a.value}`)
      for (const v of violations(history, answers, BOUND_MS))
        problems.violations.push(
          `${v.answer.url} [${v.answer.start}, ${v.answer.end}] could show states ${v.possible.join("..")} ` +
            `(commits: ${describeCommits(commits, v.possible)}) but equals states [${v.matching.join(",")}]`
        )
      for (const a of answers) stalest = Math.max(stalest, staleness(history, a) ?? 0)
      for (const lag of visibilityLags(history, answers, BOUND_MS)) {
        // Late: never shown, or a request this long after the commit still not shown it (slow answers are not late).
        if (lag.first === undefined || lag.every > VISIBLE_MS)
          problems.late.push(
            `commit ${lag.commit} in ${shape.name}: ${lag.first === undefined ? "never" : lag.every} ms`
          )
        const slowest = lagsOfCommit.get(lag.commit) ?? { every: 0, first: 0 }
        lagsOfCommit.set(lag.commit, {
          every: Math.max(slowest.every, lag.first === undefined ? Infinity : lag.every),
          first: Math.max(slowest.first, lag.first ?? Infinity)
        })
      }
    }
    const last = written[written.length - 1]!.state
    const lags = [...lagsOfCommit.values()]
    const visible = lags.filter((lag) => lag.every <= VISIBLE_MS).length
    const cached = readers.answers.filter((a) => a.cache === "HIT" || a.cache === "STALE").length
    const computed = readers.answers.filter((a) => a.cache === "MISS").length
    const figures = (values: ReadonlyArray<number>) =>
      [50, 99, 100].map((p) => Math.round(percentile(values, p))).join(" / ")
    const took = readers.answers.map((a) => a.end - a.start)
    const report =
      `${scenario.name}: ${commits.length} commits, ${visible} visible within ${VISIBLE_MS} ms in every shape ` +
      `they changed; lag p50 / p99 / max: to every request seeing it ${figures(lags.map((l) => l.every))} ms, ` +
      `to the first answer showing it ${figures(lags.map((l) => l.first))} ms; ${readers.answers.length} answers ` +
      `(${cached} from the cache, ${computed} computed; took p99 ${percentile(took, 99)} / max ${Math.max(...took)} ` +
      `ms), the stalest ${Math.round(stalest)} ms older than its request (bound ${BOUND_MS}), ` +
      `${problems.violations.length} violations, ${problems.late.length} late, ${problems.non200.length} non-200, ` +
      `${sidecars.missing.length} samples without -wal/-shm`
    console.log(report)

    expect({
      non200: problems.non200.slice(0, 5),
      sidecarsMissing: sidecars.missing.slice(0, 5),
      violations: problems.violations.slice(0, 5),
      late: problems.late.slice(0, 5),
      notAsCountedDirectly: shapes.filter((s) => !isDeepStrictEqual(direct[s.name], last[s.name])).map((s) => s.name),
      integrity
    }).toEqual({
      non200: [],
      sidecarsMissing: [],
      violations: [],
      late: [],
      notAsCountedDirectly: [],
      integrity: ["ok", "ok"]
    })
    // Both of the cache's paths were taken: repeated URLs served from it, fresh ones computed.
    expect(cached).toBeGreaterThan(0)
    expect(computed).toBeGreaterThan(0)

    const result: ScenarioResult<A> = {
      written,
      answers: readers.answers,
      histories,
      alongside: alongsideResult,
      report
    }
    return result
  })

const describeCommits = (commits: ReadonlyArray<{ start: number; end: number }>, [lo, hi]: readonly number[]) =>
  commits
    .slice(Math.max(0, lo - 1), hi + 1)
    .map((c, i) => `${Math.max(1, lo) + i}: ${c.start}..${c.end}`)
    .join(", ")
