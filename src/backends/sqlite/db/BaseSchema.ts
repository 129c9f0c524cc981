/** The table both files hold, as a plant's files have it before any migration (docs/data-and-migration.md). */
export const PRODUCTION_RECORDS_DDL = `CREATE TABLE IF NOT EXISTS production_records (
  id              INTEGER PRIMARY KEY,
  production_date TEXT    NOT NULL,
  item_code       TEXT    NOT NULL,
  item_name       TEXT    NOT NULL,
  lot_number      TEXT    NOT NULL,
  line_code       TEXT    NOT NULL,
  good_quantity   INTEGER NOT NULL,
  defect_quantity INTEGER NOT NULL DEFAULT 0
)`
