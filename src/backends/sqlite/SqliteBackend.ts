import { Effect, Layer } from "effect"
import { DB_FILES } from "../../domain/DbFile.js"
import { SourceStates } from "../../metrics/SourceStates.js"
import { ChangeDetector } from "./changes/ChangeDetector.js"
import { DataPreparationLive } from "./DataPreparation.js"
import { QueryEngineLive } from "./engine/QueryEngineLive.js"
import { SqliteHealthLive } from "./health/SqliteHealth.js"

/** Each file as the change detector last saw it, for `/metrics`. */
const SqliteSourceStatesLive = Layer.effect(
  SourceStates,
  Effect.map(ChangeDetector, (detector) => ({
    files: Effect.map(detector.states, (states) =>
      DB_FILES.map((file) => {
        const state = states[file]
        return {
          file,
          dataVersion: state.dataVersion,
          readable: state.readable,
          seq: state.seq,
          auditedSeq: state.audit?.seq ?? null,
          behind: state.audit?.behind === true,
          reconnects: state.reconnects
        }
      })
    )
  }))
)

/**
 * SQLite's side of the files' state: the change detector (publishing to the `ChangeFeed`), `/health` and the
 * files' figures for `/metrics`. Apart from the engine, so that a test can put another engine beside it.
 */
export const SqliteFilesLive = Layer.merge(SqliteHealthLive, SqliteSourceStatesLive).pipe(
  Layer.provide(ChangeDetector.Default)
)

/**
 * The SQLite backend: the files made ready (demo data, migration), then the engine `QUERY_ENGINE` selects and
 * the files' state. Gives the rest of the service its seams: `QueryEngine` (with `EngineStats`),
 * `DatabaseHealth` and `SourceStates`; publishes the files' changes on the `ChangeFeed` it is given.
 */
export const SqliteBackendLive = Layer.merge(QueryEngineLive, SqliteFilesLive).pipe(Layer.provide(DataPreparationLive))
