/**
 * Deterministic demo / benchmark data: `tsx scripts/seed.ts --help`. Progress on stderr, a summary line per file
 * on stdout; errors are one line on stderr with exit code 1.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Console, Effect } from "effect"
import { DbTargets } from "../src/config/DbTargets.js"
import { utcDateOf } from "../src/domain/IsoDate.js"
import { generateDatasetEffect } from "../src/seed/GenerateDataset.js"
import { SEED_HELP, parseSeedArgs, resolveSeedOptions } from "../src/seed/SeedArgs.js"
import { formatFileSummary, formatProgress, formatTotal } from "../src/seed/SeedReport.js"

const program = Effect.gen(function* () {
  const args = yield* parseSeedArgs(process.argv.slice(2))
  if (args.help) return yield* Console.log(SEED_HELP)
  const targets = yield* DbTargets
  const today = utcDateOf(yield* Clock.currentTimeMillis)
  const options = resolveSeedOptions(args, {
    livePath: targets.live.path,
    archivePath: targets.archive.path,
    cutover: targets.cutover,
    today
  })
  const banner =
    `seeding ${options.from}..${options.to}, ${options.rowsPerDay} rows/day, seed ${options.seed}, ` +
    `cutover ${options.cutover}: archive ${options.archivePath}, live ${options.livePath}`
  const result = yield* generateDatasetEffect({
    ...options,
    onProgress: (event) => {
      if (event.kind === "start") process.stderr.write(banner + "\n")
      if (event.kind === "month") process.stderr.write(formatProgress(event) + "\n")
    }
  })
  for (const file of result.files) yield* Console.log(formatFileSummary(file))
  yield* Console.error(formatTotal(result))
}).pipe(
  Effect.provide(DbTargets.Default),
  Effect.catchAll((error) =>
    Console.error(
      `seed: ${(error._tag === "SeedError" ? error.message : String(error)).replace(/\s*\n\s*/g, " ")}`
    ).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))
  )
)

NodeRuntime.runMain(program)
