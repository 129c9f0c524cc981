import { Layer } from "effect"
import { StartupError } from "../../domain/StartupError.js"
import { PgChangeFeed } from "./PgChangeFeed.js"
import { PgConfig } from "./PgConfig.js"
import { PgEngineLive } from "./engine/PgEngine.js"
import { PgHealthLive, PgSourceStatesLive } from "./PgHealth.js"
import { PgPoolLive } from "./PgPool.js"
import { PgReadinessLive } from "./PgReadiness.js"
import { PgSourceProbe } from "./PgSourceProbe.js"

/** The database checked (reachable, migrated, same cutover) before anything else is built on it. */
const ReadyPoolLive = Layer.provideMerge(PgReadinessLive, Layer.provideMerge(PgSourceProbe.Default, PgPoolLive)).pipe(
  Layer.provideMerge(PgConfig.Default)
)

/**
 * The PostgreSQL backend (`QUERY_BACKEND=postgres`): the pool (`PgClient`, with its figures as `EngineStats`),
 * the start-up check, `PgEngineLive`, the LISTEN feed publishing on the `ChangeFeed` it is given, `/health` and
 * the sources' figures for `/metrics`.
 */
export const PgBackendLive = Layer.mergeAll(PgEngineLive, PgHealthLive, PgSourceStatesLive).pipe(
  Layer.provideMerge(
    Layer.mapError(
      PgChangeFeed.Default,
      (e) => new StartupError({ message: e._tag === "ListenDropped" ? `LISTEN: ${e.reason}` : String(e) })
    )
  ),
  Layer.provideMerge(ReadyPoolLive)
)
