import { isUnreadable, readFresh } from "./DbConnection.js"
import { DEFAULT_PRAGMAS } from "./Pragmas.js"
import { fileIdentity } from "./DbConnection.js"
import { TABLE_COLUMNS_SQL, missingColumns, schemaVersion } from "../migration/MigrationState.js"
import { LATEST_SCHEMA_VERSION } from "../migration/MigrationSteps.js"

/** What is at a configured path: nothing, something the service cannot use (and why), or a usable file. */
export type FileState =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Unusable"; readonly reason: string }
  | { readonly _tag: "Usable"; readonly schemaVersion: number; readonly migrated: boolean }

/**
 * Opens the file (a `DbConnection` of its own, closed after) just long enough to check it holds
 * `production_records` with every column. Used at start-up, before the service holds any connection.
 */
export const inspectFile = (path: string): FileState => {
  if (fileIdentity(path) === undefined) return { _tag: "Absent" }
  const state = readFresh("live", path, { pragmas: DEFAULT_PRAGMAS }, (db): FileState => {
    const columns = (db.prepare(TABLE_COLUMNS_SQL).all() as Array<{ name: string }>).map((c) => c.name)
    if (columns.length === 0) return { _tag: "Unusable", reason: "has no production_records table" }
    const missing = missingColumns(columns)
    if (missing.length > 0) return { _tag: "Unusable", reason: `production_records lacks column ${missing.join(", ")}` }
    const version = schemaVersion(db)
    return { _tag: "Usable", schemaVersion: version, migrated: version >= LATEST_SCHEMA_VERSION }
  })
  return isUnreadable(state) ? { _tag: "Unusable", reason: "is not a readable SQLite database" } : state
}
