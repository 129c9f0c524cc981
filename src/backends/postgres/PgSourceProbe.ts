import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DbTargets } from "../../config/DbTargets.js"
import { pgMigrationSteps } from "./PgMigrationSteps.js"

/** What the database holds now, as `/health` and the start-up check need it. */
export interface PgSourceView {
  /** `production_records` exists (schema step 1 applied). */
  readonly hasRecords: boolean
  /** The latest step in `schema_migrations`; 0 when none. */
  readonly version: number
  /** The version the service's code migrates to. */
  readonly latestVersion: number
  /** The cutover the database was migrated with (`backend_settings`); null before step 1. */
  readonly storedCutover: string | null
  /** The latest `production_date` on either side of the cutover (`live`: on or after it). */
  readonly maxDate: { readonly live: string | null; readonly archive: string | null }
}

const reasonOf = (error: unknown): string => {
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : error
  return cause instanceof Error ? cause.message : String(cause)
}

/** Reads the schema's state and each source's latest date; fails with the server's reason when it cannot. */
export class PgSourceProbe extends Effect.Service<PgSourceProbe>()("PgSourceProbe", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { cutover } = yield* DbTargets
    const latestVersion = Math.max(...pgMigrationSteps(cutover).map((s) => s.version))

    const view = Effect.gen(function* () {
      const [tables] = yield* sql<{ migrations: boolean; records: boolean; settings: boolean }>`SELECT
        to_regclass('schema_migrations') IS NOT NULL AS migrations,
        to_regclass('production_records') IS NOT NULL AS records,
        to_regclass('backend_settings') IS NOT NULL AS settings`
      const version = tables!.migrations
        ? (yield* sql<{ v: number }>`SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations`)[0]!.v
        : 0
      const storedCutover = tables!.settings
        ? ((yield* sql<{ value: string }>`SELECT value FROM backend_settings WHERE name = 'cutover_date'`)[0]?.value ??
          null)
        : null
      const maxDate = tables!.records
        ? (yield* sql<{ live: string | null; archive: string | null }>`SELECT
            (SELECT to_char(max(production_date), 'YYYY-MM-DD') FROM production_records
              WHERE production_date >= ${cutover}::date) AS live,
            (SELECT to_char(max(production_date), 'YYYY-MM-DD') FROM production_records
              WHERE production_date < ${cutover}::date) AS archive`)[0]!
        : { live: null, archive: null }
      return { hasRecords: tables!.records, version, latestVersion, storedCutover, maxDate } satisfies PgSourceView
    }).pipe(Effect.mapError(reasonOf))

    return { view, latestVersion } as const
  }),
  dependencies: [DbTargets.Default]
}) {}
