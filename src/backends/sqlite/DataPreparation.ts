import { Console, Effect, Layer } from "effect"
import { type DbTarget, DbTargets } from "../../config/DbTargets.js"
import { inspectFile } from "./db/FileInspection.js"
import { StartupError } from "../../domain/StartupError.js"
import { migrateFile } from "./migration/Migrator.js"
import { generateDemoDataset } from "../../seed/DemoData.js"
import type { SeedProgress } from "../../seed/GenerateDataset.js"
import { formatFileSummary, formatProgress } from "../../seed/SeedReport.js"

const envName = (t: DbTarget) => (t.file === "live" ? "LIVE_DB_PATH" : "ARCHIVE_DB_PATH")

/**
 * The contract's start-up rules, before anything opens the files: with no path set and neither default file
 * present, the demo data set is generated; default files that are not migrated are migrated; a path the user
 * named must exist (it is never created); a file that is not SQLite or lacks the table or a column is refused.
 * An un-migrated named file is left as it is: the optimized engine refuses it, naming the command.
 */
export const prepareData = Effect.gen(function* () {
  const { live, archive } = yield* DbTargets
  for (const t of [live, archive]) {
    if (t.explicit && inspectFile(t.path)._tag === "Absent") {
      return yield* new StartupError({ message: `${envName(t)}=${t.path} does not exist` })
    }
  }
  const defaults = [live, archive].filter((t) => !t.explicit)
  if (defaults.length === 2 && defaults.every((t) => inspectFile(t.path)._tag === "Absent")) {
    yield* Console.log(`no data files at ${live.path} and ${archive.path}: generating the demo data set`)
    const progress = (event: SeedProgress) =>
      event.kind === "month"
        ? Console.log(formatProgress(event))
        : event.kind === "file"
          ? Console.log(formatFileSummary(event.summary))
          : Effect.void
    yield* generateDemoDataset(progress).pipe(Effect.mapError((e) => new StartupError({ message: e.message })))
  }
  for (const t of [live, archive]) {
    const state = inspectFile(t.path)
    if (state._tag === "Unusable")
      return yield* new StartupError({ message: `${t.file} file ${t.path} ${state.reason}` })
    if (!t.explicit && state._tag === "Usable" && !state.migrated) {
      yield* Console.log(`${t.file} file ${t.path} is not migrated: migrating it first`)
      yield* migrateFile(t, { dryRun: false }).pipe(
        Effect.catchTag("MigrationRefused", (e) => new StartupError({ message: e.message })),
        Effect.mapError((e) =>
          e._tag === "StartupError" ? e : new StartupError({ message: `${t.file} file ${t.path}: ${String(e)}` })
        )
      )
    }
  }
})

/** Runs `prepareData` once while the app's layers build, before the engine inspects the files. */
export const DataPreparationLive = Layer.effectDiscard(prepareData)
