import { Clock, Effect } from "effect"
import { DbTargets } from "../config/DbTargets.js"
import { utcDateOf } from "../domain/IsoDate.js"
import {
  type GenerateOptions,
  type SeedError,
  type SeedProgress,
  type SeedResult,
  generateDatasetWith
} from "./GenerateDataset.js"

/** The demo data set's defaults (also the CLI's): small enough to generate in a few seconds. */
export const DEMO_DEFAULTS = {
  rowsPerDay: 300,
  from: "2024-01-01",
  seed: 42
} as const

/**
 * Generates the demo data set into the configured files (`DbTargets`: paths and cutover), from
 * `DEMO_DEFAULTS.from` to today (UTC), so that the API's default 30-day window shows data, running `onProgress`
 * between its steps. Refuses existing files unless `overrides.force` is set.
 */
export const generateDemoDataset = <R>(
  onProgress: (event: SeedProgress) => Effect.Effect<void, never, R>,
  overrides: Partial<Omit<GenerateOptions, "livePath" | "archivePath" | "cutover" | "onProgress">> = {}
): Effect.Effect<SeedResult, SeedError, DbTargets | R> =>
  Effect.gen(function* () {
    const targets = yield* DbTargets
    const today = utcDateOf(yield* Clock.currentTimeMillis)
    return yield* generateDatasetWith(
      {
        livePath: targets.live.path,
        archivePath: targets.archive.path,
        cutover: targets.cutover,
        from: DEMO_DEFAULTS.from,
        to: today,
        rowsPerDay: DEMO_DEFAULTS.rowsPerDay,
        seed: DEMO_DEFAULTS.seed,
        ...overrides
      },
      onProgress
    )
  })
