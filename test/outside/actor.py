"""
What the outside actors share: their connections (SQLite's defaults, as scripts and ETL tools open them), what the
service's endpoints must answer, counted directly from production_records by this process's own SQLite
(python's build), and the output conventions of the outside actors: JSON lines on stdout, times in ms since the
epoch (time.time(), the clock of the test runner's Date.now()).

A shape is {"name", "kind": "records" | "daily" | "monthly" | "by_line" | "by_item", "from", "to", "lot_prefix"?,
"item_code"?, "line_code"?} (the filters: records of that item, of that line);
its answer is the endpoint's rows as lists: records as [production_date, id, lot_number, item_code, line_code,
good_quantity, defect_quantity] in the /records order, summaries as [group, good_quantity, defect_quantity,
record_count] ordered by the group, by item as [item_code, item_name, good_quantity, defect_quantity,
record_count] by good_quantity descending, then item_code, with the name of the item's latest record in the window
(latest production_date, then highest id).
"""
import json
import sqlite3
import sys
import time
from urllib.parse import quote

GROUPS = {"daily": "production_date", "monthly": "substr(production_date, 1, 7)", "by_line": "line_code"}


def connect(db):
    # An existing file only, read-write; autocommit mode (transactions are explicit BEGINs); busy waits up to 30 s.
    return sqlite3.connect(f"file:{quote(db)}?mode=rw", uri=True, timeout=30, isolation_level=None)


def now_ms():
    return time.time() * 1000


def emit(line):
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def filters(shape, table=""):
    """The shape's item and line filters as SQL conditions on `table`'s columns, and their parameters."""
    columns = [c for c in ("item_code", "line_code") if shape.get(c) is not None]
    return "".join(f" AND {table}{c} = ?" for c in columns), [shape[c] for c in columns]


def answer(conn, shape):
    window = (shape["from"], shape["to"])
    where, params = filters(shape)
    if shape["kind"] == "records":
        prefix = shape.get("lot_prefix", "")
        rows = conn.execute(
            "SELECT production_date, id, lot_number, item_code, line_code, good_quantity, defect_quantity"
            " FROM production_records WHERE production_date BETWEEN ? AND ? AND substr(lot_number, 1, ?) = ?"
            f"{where} ORDER BY production_date DESC, id DESC",
            (*window, len(prefix), prefix, *params),
        )
    elif shape["kind"] == "by_item":
        latest_where, latest_params = filters(shape, "latest.")
        rows = conn.execute(
            "SELECT item_code, (SELECT item_name FROM production_records AS latest"
            "   WHERE latest.item_code = r.item_code AND latest.production_date BETWEEN ? AND ?"
            f"{latest_where} ORDER BY latest.production_date DESC, latest.id DESC LIMIT 1),"
            " sum(good_quantity), sum(defect_quantity), count(*)"
            f" FROM production_records AS r WHERE production_date BETWEEN ? AND ?{where}"
            " GROUP BY item_code ORDER BY sum(good_quantity) DESC, item_code",
            (*window, *latest_params, *window, *params),
        )
    else:
        rows = conn.execute(
            f"SELECT {GROUPS[shape['kind']]}, sum(good_quantity), sum(defect_quantity), count(*)"
            f" FROM production_records WHERE production_date BETWEEN ? AND ?{where} GROUP BY 1 ORDER BY 1",
            (*window, *params),
        )
    return [list(row) for row in rows]


def answers(conn, shapes):
    return {shape["name"]: answer(conn, shape) for shape in shapes}
