import { Effect, Layer, Redacted } from "effect"
import { DbTargets } from "../../config/DbTargets.js"
import { StartupError } from "../../domain/StartupError.js"
import { PgConfig } from "./PgConfig.js"
import { PgSourceProbe } from "./PgSourceProbe.js"

/** `DATABASE_URL` without its password, to name the database in a message. */
export const safeUrl = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    parsed.password = ""
    return parsed.toString()
  } catch {
    return "DATABASE_URL"
  }
}

/**
 * The start-up rules on PostgreSQL, each refusal one line: the server must answer, the schema be at the version
 * this code migrates to, and migrated with this `CUTOVER_DATE` (it decides `source`). An orchestrator restarts
 * a refused service; a server lost after start-up is `/health`'s `unavailable` until it answers again.
 */
export const PgReadinessLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const { url } = yield* PgConfig
    const { cutover } = yield* DbTargets
    const probe = yield* PgSourceProbe
    const where = safeUrl(url)
    const view = yield* probe.view.pipe(
      Effect.mapError((reason) => new StartupError({ message: `cannot read PostgreSQL at ${where}: ${reason}` }))
    )
    const migrate = `npm run migrate -- --postgres ${where}`
    if (view.version < view.latestVersion) {
      return yield* new StartupError({
        message: `${where} is not migrated (schema v${view.version}, this service needs v${view.latestVersion}): run ${migrate}`
      })
    }
    if (view.storedCutover !== cutover) {
      return yield* new StartupError({
        message: `${where} was migrated with cutover ${view.storedCutover}, not CUTOVER_DATE ${cutover}: set CUTOVER_DATE=${view.storedCutover}, or migrate and import into a new database`
      })
    }
  })
)
