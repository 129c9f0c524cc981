/**
 * Hidden deletes made exact (schema v12). `INSERT OR REPLACE` / `REPLACE INTO` of an existing id, and
 * `UPDATE OR REPLACE` moving a record onto another's id, delete the row in the way without firing delete triggers
 * (unless the writer's connection sets `recursive_triggers`), so the derived tables would keep it.
 *
 * Before each insert (and each update that changes an id), the row holding the target id, if any, is copied to
 * `replaced_records` ("stashed"), after every earlier copy is dropped. After the insert (or the update) the copy
 * of the new row's id, if still there, is the row that was replaced: it is removed from the derived tables (an
 * update of its `removed` flag runs the delete triggers' own statements with OLD = the copy), then dropped. A
 * copy the statement did not replace (`INSERT OR IGNORE`, an upsert's `DO UPDATE`, a failed statement's row) is
 * never applied: the next insert or update drops it, and no AFTER trigger reads another id's copy. When the
 * writer has `recursive_triggers` on, the replaced row's delete triggers run and drop its copy themselves.
 *
 * What this relies on, checked with SQLite 3.53 (better-sqlite3) and 3.40 (Python's sqlite3), recursive_triggers
 * off: a multi-row statement runs BEFORE, write, AFTER row by row; an id SQLite assigns is -1 in a BEFORE trigger
 * (a copy of a row -1, if any, is never applied: the AFTER trigger reads the id actually assigned); an upsert and
 * `INSERT OR IGNORE` fire BEFORE INSERT, not AFTER INSERT, when they conflict; triggers on another table fire from
 * a trigger's body.
 */
import { RECORD_COLUMNS } from "../../../domain/ProductionRecord.js"

export const REPLACED_TABLE = "replaced_records"

const T = REPLACED_TABLE
const COLUMNS = RECORD_COLUMNS.join(", ")

/** When an update takes the id of another row (the only update that can replace one). */
const MOVES_ID = "NEW.id IS NOT OLD.id"

// WHEN clauses that skip a body with nothing to do: a plain insert of a new record costs three seeks, two of them
// in an empty table (measured: scripts/loader-cost.ts, docs/data-and-migration.md).
/** A copy to drop, or a row at the target id to copy. */
const MAY_REPLACE = `EXISTS (SELECT 1 FROM ${T}) OR EXISTS (SELECT 1 FROM production_records WHERE id = NEW.id)`
/** A copy of the row the new one replaced. */
const REPLACED = `EXISTS (SELECT 1 FROM ${T} WHERE id = NEW.id)`

const body = (statements: ReadonlyArray<string>) => statements.map((s) => `  ${s};`).join("\n")

const onRecords = (name: string, timing: string, when: string | null, statements: ReadonlyArray<string>) =>
  `CREATE TRIGGER IF NOT EXISTS ${name} ${timing} ON production_records${when === null ? "" : ` WHEN ${when}`} BEGIN
${body(statements)}
END`

const stash = [
  `DELETE FROM ${T}`,
  `INSERT INTO ${T} (${COLUMNS}) SELECT ${COLUMNS} FROM production_records WHERE id = NEW.id`
]

const removeReplaced = [`UPDATE ${T} SET removed = 1 WHERE id = NEW.id`, `DELETE FROM ${T} WHERE id = NEW.id`]

/** The trigger that removes a replaced row (its copy, as OLD) from the derived tables with `removeRecord`. */
export const removeReplacedTrigger = (removeRecord: ReadonlyArray<string>): string =>
  `CREATE TRIGGER IF NOT EXISTS ${T}_remove AFTER UPDATE OF removed ON ${T} WHEN NEW.removed = 1 BEGIN
${body(removeRecord)}
END`

/**
 * The table and triggers; `removeRecord`: the statements the delete triggers of `production_records` run for
 * OLD (every derived table's), run here with OLD = the replaced row.
 */
export const replacedRecordsStatements = (removeRecord: ReadonlyArray<string>): ReadonlyArray<string> => [
  // Untyped columns: a copy holds exactly what the row held, whatever the file's table allows.
  `CREATE TABLE IF NOT EXISTS ${T} (
  id INTEGER PRIMARY KEY,
  ${RECORD_COLUMNS.filter((c) => c !== "id").join(",\n  ")},
  removed INTEGER NOT NULL DEFAULT 0
)`,
  removeReplacedTrigger(removeRecord),
  onRecords(`${T}_stash_insert`, "BEFORE INSERT", MAY_REPLACE, stash),
  onRecords(`${T}_stash_update`, "BEFORE UPDATE", MOVES_ID, stash),
  onRecords(`${T}_apply_insert`, "AFTER INSERT", REPLACED, removeReplaced),
  onRecords(`${T}_apply_update`, "AFTER UPDATE", `${MOVES_ID} AND ${REPLACED}`, removeReplaced),
  onRecords(`${T}_discard`, "AFTER DELETE", null, [`DELETE FROM ${T} WHERE id = OLD.id`])
]
