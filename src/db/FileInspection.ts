import Database from "better-sqlite3"
import * as fs from "node:fs"
import { TABLE_COLUMNS_SQL, missingColumns, schemaVersion } from "../migration/MigrationState.js"
import { LATEST_SCHEMA_VERSION } from "../migration/MigrationSteps.js"

/** What is at a configured path: nothing, something the service cannot use (and why), or a usable file. */
export type FileState =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Unusable"; readonly reason: string }
  | { readonly _tag: "Usable"; readonly schemaVersion: number; readonly migrated: boolean }

/** Opens the file read-only just long enough to check it holds `production_records` with every column. */
export const inspectFile = (path: string): FileState => {
  if (!fs.existsSync(path)) return { _tag: "Absent" }
  let db: Database.Database | undefined
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
    const columns = (db.prepare(TABLE_COLUMNS_SQL).all() as Array<{ name: string }>).map((c) => c.name)
    if (columns.length === 0) return { _tag: "Unusable", reason: "has no production_records table" }
    const missing = missingColumns(columns)
    if (missing.length > 0) return { _tag: "Unusable", reason: `production_records lacks column ${missing.join(", ")}` }
    const version = schemaVersion(db)
    return { _tag: "Usable", schemaVersion: version, migrated: version >= LATEST_SCHEMA_VERSION }
  } catch {
    return { _tag: "Unusable", reason: "is not a readable SQLite database" }
  } finally {
    db?.close()
  }
}
