"""A direct recount of /summary/daily, /summary/by-item and /summary/by-line from one file's production_records,
as the contract defines them (docs: /work/shared/spec/api.md), done by this separate process with Python's sqlite3.

    python3 summaries.py FILE FROM:TO [FROM:TO ...]

Prints one JSON object: for each window "FROM:TO", {"daily": rows, "by_item": rows, "by_line": rows} in the
contract's row shapes and orders. Only the base table is read (read-only), never a derived table.
"""

import json
import sqlite3
import sys

TOTALS = "sum(good_quantity), sum(defect_quantity), count(*)"


def totals(row):
    return {"good_quantity": row[0], "defect_quantity": row[1], "record_count": row[2]}


def window(db, start, end):
    where = "production_date >= ? AND production_date <= ?"
    daily = [
        {"date": r[0], **totals(r[1:])}
        for r in db.execute(
            "SELECT production_date, %s FROM production_records WHERE %s GROUP BY production_date ORDER BY production_date"
            % (TOTALS, where),
            (start, end),
        )
    ]
    # item_name: the name on the item's latest record in the window (latest date, then highest id).
    by_item = [
        {"item_code": r[0], "item_name": r[1], **totals(r[2:])}
        for r in db.execute(
            """SELECT item_code,
                 (SELECT item_name FROM production_records AS l WHERE l.item_code = p.item_code AND %s
                  ORDER BY production_date DESC, id DESC LIMIT 1), %s
               FROM production_records AS p WHERE %s GROUP BY item_code
               ORDER BY sum(good_quantity) DESC, item_code"""
            % (where, TOTALS, where),
            (start, end, start, end),
        )
    ]
    by_line = [
        {"line_code": r[0], **totals(r[1:])}
        for r in db.execute(
            "SELECT line_code, %s FROM production_records WHERE %s GROUP BY line_code ORDER BY line_code"
            % (TOTALS, where),
            (start, end),
        )
    ]
    return {"daily": daily, "by_item": by_item, "by_line": by_line}


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
