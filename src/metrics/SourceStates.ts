import { Context, Effect } from "effect"
import type { FileState } from "./ScrapeInput.js"

/** What the backend tells `/metrics` of each data source (on SQLite, each file as its change detector saw it). */
export class SourceStates extends Context.Reference<SourceStates>()("SourceStates", {
  defaultValue: () => ({ files: Effect.succeed<ReadonlyArray<FileState> | undefined>(undefined) })
}) {}
