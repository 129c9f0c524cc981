/**
 * Small derived tables besides the rollups: the items dimension (distinct code/name pairs with a trigram index
 * for `q`), the lines list, and the change log (which production dates, items and lines each commit touched).
 * Each is kept exact by triggers on `production_records`, so any writer, even the sqlite3 shell, keeps them right.
 */

export const ITEMS_DDL: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS items (
  id INTEGER PRIMARY KEY,
  item_code TEXT NOT NULL,
  item_name TEXT NOT NULL,
  cnt INTEGER NOT NULL,
  UNIQUE (item_code, item_name)
)`,
  // Trigram index: substring search for q of 3+ characters, folded as the contract's `q` is.
  `CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(item_name, tokenize = 'trigram')`,
  `CREATE TRIGGER IF NOT EXISTS items_fts_insert AFTER INSERT ON items BEGIN
  INSERT INTO items_fts (rowid, item_name) VALUES (NEW.id, NEW.item_name);
END`,
  `CREATE TRIGGER IF NOT EXISTS items_fts_delete AFTER DELETE ON items BEGIN
  DELETE FROM items_fts WHERE rowid = OLD.id;
END`
]

export const LINES_DDL: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS lines (line_code TEXT PRIMARY KEY, cnt INTEGER NOT NULL) WITHOUT ROWID`
]

export const addToDimensions: ReadonlyArray<string> = [
  `INSERT INTO items (item_code, item_name, cnt) VALUES (NEW.item_code, NEW.item_name, 1)
  ON CONFLICT (item_code, item_name) DO UPDATE SET cnt = cnt + 1`,
  `INSERT INTO lines (line_code, cnt) VALUES (NEW.line_code, 1) ON CONFLICT (line_code) DO UPDATE SET cnt = cnt + 1`
]

export const removeFromDimensions: ReadonlyArray<string> = [
  `UPDATE items SET cnt = cnt - 1 WHERE item_code = OLD.item_code AND item_name = OLD.item_name`,
  `DELETE FROM items WHERE item_code = OLD.item_code AND item_name = OLD.item_name AND cnt <= 0`,
  `UPDATE lines SET cnt = cnt - 1 WHERE line_code = OLD.line_code`,
  `DELETE FROM lines WHERE line_code = OLD.line_code AND cnt <= 0`
]

/** Rebuilds both dimensions from the base table (one statement each; run inside the step's transaction). */
export const dimensionBackfill: ReadonlyArray<string> = [
  `DELETE FROM items`,
  `INSERT INTO items (item_code, item_name, cnt)
  SELECT item_code, item_name, count(*) FROM production_records GROUP BY item_code, item_name`,
  `DELETE FROM lines`,
  `INSERT INTO lines (line_code, cnt) SELECT line_code, count(*) FROM production_records GROUP BY line_code`
]

/**
 * The change log: one row per production date, stamped with a sequence number that grows with every change.
 * A reader that remembers the highest `seq` it saw finds the dates touched since with an index range.
 */
export const CHANGE_LOG_DDL: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS change_log (production_date TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS change_log_seq ON change_log (seq)`
]

export const touchDate = (ref: "OLD" | "NEW"): string =>
  `INSERT INTO change_log (production_date, seq)
  VALUES (${ref}.production_date, (SELECT coalesce(max(seq), 0) + 1 FROM change_log))
  ON CONFLICT (production_date) DO UPDATE SET seq = excluded.seq`

/**
 * The change log's scopes (v14): each (date, item, line) of a record a commit wrote or removed, stamped with the
 * seq its date got, and the dimensions' versions, which move only when a code/name pair or a line code appears or
 * disappears. A reader then keeps answers filtered to other items or lines, and `/items` and `/lines`, through
 * commits that touch none of them. At most one row per (date, item, line): no larger than the day rollup by item
 * and line.
 */
export const CHANGE_SCOPE_DDL: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS change_scope (
  production_date TEXT NOT NULL,
  item_code TEXT NOT NULL,
  line_code TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (production_date, item_code, line_code)
) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS change_scope_seq ON change_scope (seq)`,
  `CREATE TABLE IF NOT EXISTS dimension_versions (dimension TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID`,
  `INSERT OR IGNORE INTO dimension_versions (dimension, version) VALUES ('items', 0), ('lines', 0)`,
  ...(["items", "lines"] as const).flatMap((dimension) =>
    (["INSERT", "DELETE"] as const).map(
      (
        event
      ) => `CREATE TRIGGER IF NOT EXISTS ${dimension}_version_${event.toLowerCase()} AFTER ${event} ON ${dimension} BEGIN
  UPDATE dimension_versions SET version = version + 1 WHERE dimension = '${dimension}';
END`
    )
  )
]

/** Runs after `touchDate(ref)`: the scope takes the seq its date just got. */
export const touchScope = (ref: "OLD" | "NEW"): string =>
  `INSERT INTO change_scope (production_date, item_code, line_code, seq)
  VALUES (${ref}.production_date, ${ref}.item_code, ${ref}.line_code,
    (SELECT seq FROM change_log WHERE production_date = ${ref}.production_date))
  ON CONFLICT (production_date, item_code, line_code) DO UPDATE SET seq = excluded.seq`
