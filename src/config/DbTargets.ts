import { Config, Effect, Option } from "effect"
import { type DbFile } from "../domain/DbFile.js"
import { IsoDate } from "../domain/IsoDate.js"
import { Schema } from "effect"

export const DEFAULT_LIVE_DB_PATH = "./data/production_analysis.db"
export const DEFAULT_ARCHIVE_DB_PATH = "./data/archive_2025.db"

/** Where one file is and whether the user named it (a named path is never created for them). */
export interface DbTarget {
  readonly file: DbFile
  readonly path: string
  readonly explicit: boolean
}

const target = (file: DbFile, envName: string, fallback: string) =>
  Config.option(Config.nonEmptyString(envName)).pipe(
    Config.map((named): DbTarget =>
      Option.match(named, {
        onNone: () => ({ file, path: fallback, explicit: false }),
        onSome: (path) => ({ file, path, explicit: true })
      })
    )
  )

/** The two SQLite files and the cutover date that splits records between them (env vars, spec defaults). */
export class DbTargets extends Effect.Service<DbTargets>()("DbTargets", {
  effect: Effect.gen(function* () {
    const live = yield* target("live", "LIVE_DB_PATH", DEFAULT_LIVE_DB_PATH)
    const archive = yield* target("archive", "ARCHIVE_DB_PATH", DEFAULT_ARCHIVE_DB_PATH)
    const cutover = yield* Schema.Config("CUTOVER_DATE", IsoDate).pipe(Config.withDefault(IsoDate.make("2026-01-01")))
    return { live, archive, cutover, of: (file: DbFile): DbTarget => (file === "live" ? live : archive) } as const
  })
}) {}
