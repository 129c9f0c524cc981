-- What the derived tables cost a bulk statement (docs/postgres.md): on a freshly migrated, otherwise empty database,
-- psql -q URL -f scripts/pg-trigger-cost.sql. Inserts 1 M generated records with the triggers, 1 M more without,
-- then one-row writes. Leaves 2 M records behind: use a throwaway database.
\timing on
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
SELECT DATE '2024-01-01' + (n % 900), 'ITM-' || lpad((n % 500)::text, 4, '0'), 'Part ' || (n % 500), 'ABC' || n, 'L' || lpad((n % 12)::text, 2, '0'), n % 97, n % 3
FROM generate_series(1, 1000000) AS n;
ALTER TABLE production_records DISABLE TRIGGER USER;
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity, defect_quantity)
SELECT DATE '2024-01-01' + (n % 900), 'ITM-' || lpad((n % 500)::text, 4, '0'), 'Part ' || (n % 500), 'ABC' || n, 'L' || lpad((n % 12)::text, 2, '0'), n % 97, n % 3
FROM generate_series(1, 1000000) AS n;
ALTER TABLE production_records ENABLE TRIGGER USER;
-- One-row writes, twice (the first run of each trigger function in a session plans its statements): a record
-- of today (its groups' latest), its delete (the groups' latest recomputed), a backdated record and its delete.
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES (current_date, 'ITM-0001', 'Part 1', 'X1', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'X1';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES (DATE '2024-03-15', 'ITM-0001', 'Part 1', 'B1', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'B1';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES (current_date, 'ITM-0001', 'Part 1', 'X2', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'X2';
INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code, good_quantity) VALUES (DATE '2024-03-15', 'ITM-0001', 'Part 1', 'B2', 'L01', 5);
DELETE FROM production_records WHERE lot_number = 'B2';
