"""A direct recount of /summary/daily, /summary/by-item and /summary/by-line from one file's production_records,
as the contract defines them (docs/api.md), done by this separate process with Python's sqlite3.

    python3 summaries.py FILE FROM:TO [FROM:TO ...]

Prints one JSON object: for each window "FROM:TO", {"daily": rows, "by_item": rows, "by_line": rows} in the
contract's row shapes and orders. Only the base table is read (read-only), never a derived table.
"""

import json
import sqlite3
import sys

TOTALS = "sum(good_quantity), sum(defect_quantity), count(*)"
WHERE = "production_date >= ? AND production_date <= ?"


def totals(row):
    return {"good_quantity": row[0], "defect_quantity": row[1], "record_count": row[2]}


def grouped(db, column, key, start, end):
    """Totals by one column, in its order (the daily summary by date, by-line by line)."""
    sql = "SELECT %s, %s FROM production_records WHERE %s GROUP BY %s ORDER BY %s" % (column, TOTALS, WHERE, column, column)
    return [{key: r[0], **totals(r[1:])} for r in db.execute(sql, (start, end))]


def by_item(db, start, end):
    """Totals by item, good quantity descending then item code; item_name: the name on the item's latest record
    in the window (latest date, then highest id)."""
    sql = """SELECT item_code,
          (SELECT item_name FROM production_records AS l WHERE l.item_code = p.item_code AND %s
           ORDER BY production_date DESC, id DESC LIMIT 1), %s
        FROM production_records AS p WHERE %s GROUP BY item_code
        ORDER BY sum(good_quantity) DESC, item_code""" % (WHERE, TOTALS, WHERE)
    return [{"item_code": r[0], "item_name": r[1], **totals(r[2:])} for r in db.execute(sql, (start, end, start, end))]


def window(db, start, end):
    return {
        "daily": grouped(db, "production_date", "date", start, end),
        "by_item": by_item(db, start, end),
        "by_line": grouped(db, "line_code", "line_code", start, end),
    }


def main(argv):
    db = sqlite3.connect("file:%s?mode=ro" % argv[0], uri=True, timeout=10)
    out = {}
    for w in argv[1:]:
        start, end = w.split(":")
        out[w] = window(db, start, end)
    db.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
