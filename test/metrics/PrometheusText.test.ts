import { spawnSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { renderFamilies } from "../../src/metrics/PrometheusText.js"
import { type Answered, QueryMetrics } from "../../src/metrics/QueryMetrics.js"
import type { ScrapeInput } from "../../src/metrics/ScrapeInput.js"

interface ParsedSample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}
interface ParsedFamily {
  readonly name: string
  readonly help: string
  type?: string
  readonly samples: Array<ParsedSample>
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*"
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))

const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(?:,|$)/y
  while (pair.lastIndex < text.length) {
    const m = pair.exec(text)
    if (m === null) throw new Error(`bad labels: ${text}`)
    expect(labels).not.toHaveProperty(m[1]!)
    labels[m[1]!] = unescape(m[2]!)
  }
  return labels
}

const parseValue = (text: string) => (text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text))

/** A strict reading of the text format: HELP, then TYPE, then the family's samples, one family at a time. */
const parseExposition = (text: string): Array<ParsedFamily> => {
  expect(text.endsWith("\n")).toBe(true)
  const families: Array<ParsedFamily> = []
  for (const line of text.slice(0, -1).split("\n")) {
    const current = families.at(-1)
    const help = new RegExp(`^# HELP (${NAME}) (.+)$`).exec(line)
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram)$`).exec(line)
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line)
    if (help !== null) {
      expect(families.map((f) => f.name)).not.toContain(help[1])
      families.push({ name: help[1]!, help: help[2]!, samples: [] })
    } else if (type !== null) {
      expect(current?.name).toBe(type[1])
      expect(current?.type).toBeUndefined()
      current!.type = type[2]!
    } else if (sample !== null) {
      expect(current?.type, `sample before its TYPE: ${line}`).toBeDefined()
      const allowed =
        current!.type === "histogram" ? ["_bucket", "_sum", "_count"].map((s) => current!.name + s) : [current!.name]
      expect(allowed).toContain(sample[1])
      const value = parseValue(sample[3]!)
      expect(Number.isNaN(value)).toBe(false)
      current!.samples.push({ name: sample[1]!, labels: parseLabels(sample[2] ?? ""), value })
    } else {
      throw new Error(`unparseable line: ${JSON.stringify(line)}`)
    }
  }
  return families
}

const checkFamily = (family: ParsedFamily) => {
  if (family.type === "counter") {
    expect(family.name).toMatch(/_total$/)
    for (const s of family.samples) expect(s.value).toBeGreaterThanOrEqual(0)
  } else {
    expect(family.name).not.toMatch(/_total$/)
  }
  if (family.type !== "histogram") return
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le"))
  const seriesKeys = [...new Set(family.samples.map((s) => key(s.labels)))]
  for (const k of seriesKeys) {
    const of = (suffix: string) => family.samples.filter((s) => s.name === family.name + suffix && key(s.labels) === k)
    const buckets = of("_bucket")
    const bounds = buckets.map((b) => parseValue(b.labels.le!))
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b))
    expect(bounds.at(-1)).toBe(Infinity)
    buckets.forEach((b, i) => i > 0 && expect(b.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value))
    expect(of("_count").map((s) => s.value)).toEqual([buckets.at(-1)!.value])
    expect(of("_sum")).toHaveLength(1)
  }
}

const value = (families: Array<ParsedFamily>, name: string, labels: Record<string, string> = {}) =>
  families
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value)

const promtool = spawnSync("promtool", ["--version"]).error === undefined
const promtoolCheck = (text: string) => {
  const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

const answer = (durationMs: number, outcome: Answered["outcome"], rows: number): Answered => ({
  durationMs,
  rows,
  outcome
})

const EXTRA: ScrapeInput = {
  cache: {
    size: 12,
    capacity: 10000,
    hits: 5,
    misses: 3,
    stale_served: 1,
    refreshes: 1,
    refresh_failures: 0,
    invalidations: 2,
    evictions: 0,
    bytes: 123456,
    max_bytes: 268435456
  },
  pool: { size: 2, idle: 1, waiting: 4, inFlight: 1, retired: 0, timeouts: 3, rejections: 7 },
  files: [
    { file: "live", dataVersion: 17, readable: true, seq: 40, auditedSeq: 42, behind: true, reconnects: 1 },
    { file: "archive", dataVersion: null, readable: false, seq: null, auditedSeq: null, behind: false, reconnects: 0 }
  ]
}

const scrape = (extra: ScrapeInput) =>
  Effect.gen(function* () {
    const metrics = yield* QueryMetrics
    for (const ms of [10, 20, 30]) metrics.recordSync("summary_daily", answer(ms, "MISS", 31))
    for (const ms of [0.05, 1, 2, 3, 4]) metrics.recordSync("summary_daily", answer(ms, "HIT", 31))
    yield* metrics.record("records", answer(7000, "MISS", 100))
    yield* metrics.record("records", answer(0.2, "NOT_MODIFIED_HIT", 0))
    return yield* metrics.prometheusText(extra)
  }).pipe(Effect.provide(QueryMetrics.Default))

describe("Prometheus text", () => {
  it.effect("is well formed: HELP and TYPE before samples, counters _total, cumulative buckets ending at +Inf", () =>
    Effect.gen(function* () {
      const families = parseExposition(yield* scrape(EXTRA))
      families.forEach(checkFamily)
      expect(families.every((f) => f.name.startsWith("production_api_"))).toBe(true)
    })
  )

  it.effect("carries the recorded answers, in seconds, and the figures passed in at scrape time", () =>
    Effect.gen(function* () {
      const f = parseExposition(yield* scrape(EXTRA))
      const daily = { query: "summary_daily" }
      expect(value(f, "production_api_query_answers_total", { ...daily, cache: "hit" })).toEqual([5])
      expect(value(f, "production_api_query_answers_total", { ...daily, cache: "miss" })).toEqual([3])
      expect(value(f, "production_api_query_answers_total", { query: "records", cache: "not_modified_hit" })).toEqual([
        1
      ])
      expect(value(f, "production_api_query_answers_total", { query: "lines" })).toEqual([0, 0, 0, 0])
      expect(value(f, "production_api_query_duration_seconds_count", daily)).toEqual([8])
      expect(value(f, "production_api_query_duration_seconds_sum", daily)[0]).toBeCloseTo(0.07005, 9)
      expect(value(f, "production_api_query_duration_seconds_bucket", { ...daily, le: "0.0001" })).toEqual([1])
      expect(value(f, "production_api_query_duration_seconds_bucket", { ...daily, le: "0.005" })).toEqual([5])
      expect(value(f, "production_api_query_duration_seconds_bucket", { query: "records", le: "5" })).toEqual([1])
      expect(value(f, "production_api_query_duration_seconds_bucket", { query: "records", le: "+Inf" })).toEqual([2])
      expect(value(f, "production_api_query_rows_total", daily)).toEqual([248])
      expect(value(f, "production_api_cache_entries")).toEqual([12])
      expect(value(f, "production_api_cache_stale_served_total")).toEqual([1])
      expect(value(f, "production_api_cache_bytes")).toEqual([123456])
      expect(value(f, "production_api_cache_max_bytes")).toEqual([268435456])
      expect(value(f, "production_api_pool_queue_depth")).toEqual([4])
      expect(value(f, "production_api_pool_in_flight_queries")).toEqual([1])
      expect(value(f, "production_api_pool_timeouts_total")).toEqual([3])
      expect(value(f, "production_api_pool_rejections_total")).toEqual([7])
      expect(value(f, "production_api_db_data_version", { file: "live" })).toEqual([17])
      expect(value(f, "production_api_db_data_version", { file: "archive" })).toEqual([])
      expect(value(f, "production_api_db_readable", { file: "archive" })).toEqual([0])
      expect(value(f, "production_api_change_log_seq", { file: "live", view: "detector" })).toEqual([40])
      expect(value(f, "production_api_change_log_seq", { file: "live", view: "outside" })).toEqual([42])
      expect(value(f, "production_api_change_log_seq", { file: "archive" })).toEqual([])
      expect(value(f, "production_api_change_detector_behind", { file: "live" })).toEqual([1])
      expect(value(f, "production_api_db_reconnects_total", { file: "live" })).toEqual([1])
    })
  )

  it.effect("leaves out the sections the caller does not pass", () =>
    Effect.gen(function* () {
      const families = parseExposition(yield* scrape({}))
      expect(families.map((f) => f.name)).toEqual([
        "production_api_query_answers_total",
        "production_api_query_duration_seconds",
        "production_api_query_rows_total"
      ])
    })
  )

  it("escapes label values and help text", () => {
    const nasty = 'a "quoted" back\\slash\nnewline'
    const text = renderFamilies([
      { type: "gauge", name: "x_value", help: "line one\nback\\slash", samples: [{ labels: { v: nasty }, value: 1 }] }
    ])
    expect(text).toBe(
      '# HELP x_value line one\\nback\\\\slash\n# TYPE x_value gauge\nx_value{v="a \\"quoted\\" back\\\\slash\\nnewline"} 1\n'
    )
    expect(parseExposition(text)[0]!.samples[0]!.labels.v).toBe(nasty)
  })

  it.skipIf(!promtool)(
    promtool
      ? "passes promtool check metrics, lint included"
      : "passes promtool check metrics — SKIPPED: promtool not on PATH (apt-get install prometheus)",
    async () => {
      for (const extra of [EXTRA, {}]) {
        expect(promtoolCheck(await Effect.runPromise(scrape(extra)))).toEqual({ status: 0, output: "" })
      }
      const escaped = renderFamilies([
        { type: "gauge", name: "x_value", help: "odd\\help", samples: [{ labels: { v: 'q"\\\n' }, value: 1 }] }
      ])
      expect(promtoolCheck(escaped)).toEqual({ status: 0, output: "" })
    }
  )
})
