-- What the triggers cost writers on real data (docs/postgres.md, "Measured"), on the benchmark import: one-row
-- writes twice (a record of the day after the last, its delete, a backdated one, its delete) and a day's records
-- (the last day's, copied to the next) in one INSERT … SELECT, all in a transaction rolled back.
--   psql URL -v fns=FILE -f scripts/pg-writes-on-data.sql
-- FILE runs first inside the transaction (an empty file, or other trigger functions to compare with, e.g. v2's:
-- node --import tsx -e 'import("./src/backends/postgres/PgTriggers.ts").then((m) => console.log(m.TRIGGER_STATEMENTS
--   .filter((s) => s.startsWith("CREATE OR REPLACE FUNCTION")).map((s) => s + ";").join("\n")))' on a v2 checkout).
\set QUIET on
BEGIN;
\i :fns
\timing on
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES ('2026-11-28', 'WSH-1027', 'Tab Washer M6', 'X1', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'X1';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES ('2025-03-02', 'WSH-1027', 'Tab Washer M6', 'B1', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'B1';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES ('2026-11-28', 'WSH-1027', 'Tab Washer M6', 'X2', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'X2';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES ('2025-03-02', 'WSH-1027', 'Tab Washer M6', 'B2', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'B2';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
SELECT DATE '2026-11-28', item_code, item_name, lot_number, line_code, good_quantity, defect_quantity FROM production_records WHERE production_date = '2026-11-27';
ROLLBACK;
