import { Data, Effect } from "effect"
import type { DbFile } from "../domain/DbFile.js"
import type { Touched } from "./Touched.js"

/** What a backend found changed in the data: what the cached answers of it must follow. */
export type DataChange = Data.TaggedEnum<{
  /**
   * Commits touched `dates` of `file`'s records, after `unchangedUntil` (clock millis: SQLite's previous read of
   * the file, PostgreSQL's start of LISTEN); `touched`, when the backend knows, says which items and lines.
   */
  Dates: {
    readonly file: DbFile
    readonly dates: ReadonlyArray<string>
    readonly unchangedUntil: number
    readonly touched?: Touched | undefined
  }
  /** `file` (or its partition) was replaced as a whole; reads may see the old one for `settleMillis` more. */
  Replaced: { readonly file: DbFile; readonly settleMillis: number }
  /** Any data may have changed, for `reason` (say, change notifications may have been missed). */
  Everything: { readonly reason: string }
}>
export const DataChange = Data.taggedEnum<DataChange>()

export type ChangeListener = (change: DataChange) => Effect.Effect<unknown>

/**
 * The seam between a backend's change detection and what follows the data (the response cache): the backend
 * publishes, the cache subscribes, neither knows the other. `publish` returns once every listener has run, so a
 * detector's poll (and `/health`, which polls first) ends with the cache already following it.
 */
export class ChangeFeed extends Effect.Service<ChangeFeed>()("ChangeFeed", {
  sync: () => {
    const listeners = new Set<ChangeListener>()
    return {
      publish: (change: DataChange): Effect.Effect<void> =>
        Effect.suspend(() => Effect.forEach([...listeners], (listener) => listener(change), { discard: true })),
      /** Listens until the scope closes. */
      subscribe: (listener: ChangeListener) =>
        Effect.acquireRelease(
          Effect.sync(() => listeners.add(listener)),
          () => Effect.sync(() => listeners.delete(listener))
        ).pipe(Effect.asVoid)
    } as const
  }
}) {}
