import { section, table } from "./Markdown.js"
import type { UnderWritesRun } from "./ReadsUnderWrites.js"
import { LOAD_COLUMNS, POOL_COLUMNS, type RunColumn, runsTable } from "./ReportLoad.js"
import type { BenchResults } from "./Results.js"
import { int, ms, pct, percentile, sum } from "./Stats.js"

const TODAY_COLUMNS: ReadonlyArray<RunColumn<UnderWritesRun>> = [
  { head: "hit rate, answers covering today ", value: (x) => x.todayHitRate, format: pct },
  { head: "answers covering today ", value: (x) => sum(Object.values(x.watched)), format: int }
]

/** What the loader writes: the cache invalidates by date, item and line, so its items and lines matter. */
const loaderTargetsText = (targets: ReadonlyArray<{ readonly item_code: string; readonly line_code: string }>) =>
  targets.length === 1
    ? `each of item \`${targets[0]!.item_code}\` on line \`${targets[0]!.line_code}\``
    : `cycling through ${targets.length} items and, beside them, the lines`

export const underWritesSection = (r: BenchResults): string => {
  const w = r.readsUnderWrites
  const f = w.freshness
  const kinds = Object.entries(w.kinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ")
  return section(
    "## 3b. Reads under writes: the mixed workload while an outside process commits",
    `The spec's comparison 6. The mixed workload of §3 (its seeded generator, ${w.distinct} distinct URLs: ${kinds}; ` +
      `the same load, ${r.options.connections} connections, ${r.options.durationS} s a run after a ${w.warmupS} s ` +
      `warm-up), its windows anchored at today (${w.today}, UTC) instead of the data's last date, as dashboards ` +
      `ask: ${w.coveringToday} of its URLs cover today (their window contains it, or they have none: \`/items\`). ` +
      `Meanwhile a loader in a process of its own (\`scripts/bench/outside-loader.ts\`, better-sqlite3) commits ` +
      `a record dated today every ${w.loaderIntervalMs} ms (${loaderTargetsText(w.loaderTargets)}) into a copy of ` +
      "the live file, each through a " +
      "connection of its own (open, `INSERT` of the seven data columns, commit, close), as scripts and ETL tools " +
      `write; the service polls for changes every ${w.pollMs} ms (\`CHANGE_POLL_MS\`). Hit rate: as in §3, from ` +
      "`/metrics/cache`, the probe's own lookups left out; for the answers covering today, from their `X-Cache` " +
      "headers as autocannon received them.",
    runsTable(w.runs, [...LOAD_COLUMNS, ...TODAY_COLUMNS, ...POOL_COLUMNS]),
    `Freshness lag: the loader takes the time when each commit returned (\`performance.timeOrigin + ` +
      "performance.now()`, a clock the bench process shares on this machine). A probe on a connection of its own " +
      `asks \`${w.probePath}\` every ${w.probeIntervalMs} ms through the cache, as any client (the loader's lot ` +
      "prefix is unique to the run, so the URL is new to the cache; nothing bypasses it): the lag of a commit is " +
      "from its commit to the arrival of the first answer holding its lot. It includes up to one probe interval " +
      "and that answer's own round trip (given apart; the probe runs in the bench process, beside the load " +
      "generator: under load its answers arrive late and it asks less often than it would). Over every commit " +
      "of the scenario (warm-up and runs); after the loader " +
      `stops, the probe asks on until every commit is seen, for at most \`CHANGE_POLL_MS\` + 5 s.`,
    table(
      [
        "commits ",
        "failed commits ",
        "seen ",
        "never seen ",
        "lag p50 ms ",
        "lag p99 ms ",
        "lag max ms ",
        "first answers' round trip p50 / p99 ms ",
        "probes ",
        "mean probe interval ms ",
        "probe failures "
      ],
      [
        [
          int(f.commits),
          int(f.failedCommits),
          int(f.lagsMs.length),
          int(f.neverSeen),
          ms(percentile(f.lagsMs, 50)),
          ms(percentile(f.lagsMs, 99)),
          ms(Math.max(...f.lagsMs)),
          `${ms(percentile(f.roundTripsMs, 50))} / ${ms(percentile(f.roundTripsMs, 99))}`,
          int(f.probes),
          ms(f.probeMeanIntervalMs),
          int(f.probeFailures.length)
        ]
      ]
    ),
    f.probeFailures.length === 0 ? "" : `First probe failure: ${f.probeFailures[0]}`
  )
}
