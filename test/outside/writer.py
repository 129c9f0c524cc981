"""
A plant loader writing as most scripts and ETL tools do: for each commit of its plan it opens a connection, writes,
commits and closes (SQLite's defaults: the last connection to close checkpoints and deletes the -wal and -shm).
Inside each write transaction, just before COMMIT, it counts what the endpoints must answer for the plan's shapes
(actor.py): the database's state as of that commit. A single writer: its commits are the database's states in order.

usage: python3 test/outside/writer.py <db> <plan.json>

plan: {"interval_ms": time from one commit's start to the next one's (at least), "shapes": [shape...],
       "commits": [{"statements": [statement...], "hold_ms"?: time the write transaction stays open before COMMIT}]}
statement: {"op": "insert", "record": {column: value}} (without an "id", SQLite assigns one)
         | {"op": "upsert", "record": {"id", ...}} (INSERT ... ON CONFLICT(id) DO UPDATE SET every column)
         | {"op": "delete", "id": n} | {"op": "delete", "lot_number": text}
prints:  {"n": 0, "state": {...}} (before any commit), then per commit {"n", "start", "end", "changes", "state"}:
         start just before connecting, end just after COMMIT returned.
"""
import json
import sys
import time

from actor import answers, connect, emit, now_ms

COLUMNS = ["production_date", "item_code", "item_name", "lot_number", "line_code", "good_quantity", "defect_quantity"]


def run(conn, statement):
    op, record = statement["op"], statement.get("record", {})
    if op == "delete":
        key = "id" if "id" in statement else "lot_number"
        return conn.execute(f"DELETE FROM production_records WHERE {key} = ?", (statement[key],)).rowcount
    columns = (["id"] if "id" in record else []) + COLUMNS
    values = [record[c] for c in columns]
    sql = f"INSERT INTO production_records ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    if op == "upsert":
        sql += " ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS)
    return conn.execute(sql, values).rowcount


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: python3 test/outside/writer.py <db> <plan.json>")
    db = sys.argv[1]
    with open(sys.argv[2]) as f:
        plan = json.load(f)
    shapes = plan["shapes"]

    conn = connect(db)
    conn.execute("BEGIN")
    emit({"n": 0, "state": answers(conn, shapes)})
    conn.execute("COMMIT")
    conn.close()

    start = now_ms()
    for n, commit in enumerate(plan["commits"], 1):
        time.sleep(max(0, start + plan["interval_ms"] - now_ms()) / 1000)
        start = now_ms()
        conn = connect(db)
        try:
            conn.execute("BEGIN IMMEDIATE")
            changes = [run(conn, statement) for statement in commit["statements"]]
            time.sleep(commit.get("hold_ms", 0) / 1000)
            state = answers(conn, shapes)
            conn.execute("COMMIT")
            end = now_ms()
        finally:
            conn.close()
        emit({"n": n, "start": start, "end": end, "changes": changes, "state": state})


main()
