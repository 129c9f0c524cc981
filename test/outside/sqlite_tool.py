"""
What outside processes do to a live SQLite file besides loading it, each on a connection of its own that it
closes (SQLite's defaults: the last connection to close checkpoints and deletes the -wal and -shm).

usage: python3 test/outside/sqlite_tool.py <command> <db> [args]
  read-loop <db> <lot prefix> <duration ms> <max pause ms>
                      a report polling the file: open, read, close, pause a random 0..max pause, repeat;
                      prints {"start", "end", "records"} per read
  checkpoint <db>     PRAGMA wal_checkpoint(TRUNCATE); prints {"start", "end", "busy", "log", "checkpointed"}
  backup <db> <dest>  an online backup (SQLite's backup API, as the sqlite3 shell's .backup); prints {"start", "end"}
  vacuum <db>         VACUUM (rewrites the file in place); prints {"start", "end"}
  integrity <db>      PRAGMA integrity_check; prints {"integrity": "ok" or the problems}
  answers <db> <shapes.json>
                      what the endpoints must answer (actor.py), counted directly; prints {"state": {...}}
  delete-wal-index <db>
                      checkpoints every frame, then deletes the -wal and -shm while others have them open (as a
                      connection that believes it is the last does, or an operator tidying up); prints {"busy"}
  insert <db> <lot prefix> <n> <date>
                      n records dated <date>, lots <prefix>0.., each on a short-lived connection (open, insert,
                      commit, close); prints {"id"} per commit
"""
import os
import json
import random
import sqlite3
import sys
import time

from actor import answers, connect, emit, now_ms


def timed(db, work):
    start = now_ms()
    conn = connect(db)
    try:
        result = work(conn)
    finally:
        conn.close()
    return {"start": start, "end": now_ms(), **result}


def read_loop(db, prefix, duration_ms, max_pause_ms):
    until = now_ms() + float(duration_ms)
    count = "SELECT count(*) FROM production_records WHERE substr(lot_number, 1, ?) = ?"
    while now_ms() < until:
        emit(timed(db, lambda conn: {"records": conn.execute(count, (len(prefix), prefix)).fetchone()[0]}))
        time.sleep(random.uniform(0, float(max_pause_ms)) / 1000)


def checkpoint(conn):
    busy, log, checkpointed = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return {"busy": busy, "log": log, "checkpointed": checkpointed}


def backup(db, dest):
    def copy(conn):
        target = sqlite3.connect(dest)
        try:
            conn.backup(target)
        finally:
            target.close()
        return {}

    return timed(db, copy)


def vacuum(conn):
    conn.execute("VACUUM")
    return {}


def integrity(conn):
    return {"integrity": "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))}


def direct_answers(db, shapes_file):
    with open(shapes_file) as f:
        shapes = json.load(f)
    conn = connect(db)
    try:
        return {"state": answers(conn, shapes)}
    finally:
        conn.close()


def delete_wal_index(db):
    conn = connect(db)
    try:
        result = checkpoint(conn)
    finally:
        conn.close()
    if result["busy"] == 0:
        for suffix in ("-wal", "-shm"):
            os.remove(db + suffix)
    return {"busy": result["busy"]}


def insert(db, prefix, n, date):
    for i in range(int(n)):
        conn = connect(db)
        try:
            cursor = conn.execute(
                "INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code,"
                " good_quantity, defect_quantity) VALUES (?, 'ITM-OUT', 'Outside', ?, 'L01', 7, 1)",
                (date, f"{prefix}{i}"),
            )
            emit({"id": cursor.lastrowid})
        finally:
            conn.close()


COMMANDS = {
    "delete-wal-index": (1, delete_wal_index),
    "insert": (4, insert),
    "read-loop": (4, read_loop),
    "checkpoint": (1, lambda db: timed(db, checkpoint)),
    "backup": (2, backup),
    "vacuum": (1, lambda db: timed(db, vacuum)),
    "integrity": (1, lambda db: timed(db, integrity)),
    "answers": (2, direct_answers),
}


def main():
    command = COMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else "")
    if command is None or len(sys.argv) != 2 + command[0]:
        sys.exit(__doc__)
    result = command[1](*sys.argv[2:])
    if result is not None:
        emit(result)


main()
