"""An outside loader: runs loader batches on a SQLite file through Python's own sqlite3 module, in this process.

    python3 run_statements.py FILE BATCHES_JSON [--recursive-triggers] [--pause-ms N] [--connection-per-batch]

BATCHES_JSON is a file holding [{"statements": [{"sql": ..., "params": [...]}, ...], "rollback": bool}, ...]
(test/support/LoaderStatements.ts writes them). Each batch is one transaction, committed or rolled back; a
statement that breaks a constraint fails alone (the loader logs it and goes on). recursive_triggers is off unless
--recursive-triggers, as SQLite's default is. --connection-per-batch opens and closes a connection per batch, as a
short-lived loader does; --pause-ms sleeps between batches. Prints one line: "ran N failed M batches B sqlite V".
"""

import json
import sqlite3
import sys
import time


def connect(path, recursive):
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    db.execute("PRAGMA recursive_triggers = " + ("ON" if recursive else "OFF"))
    return db


def main(argv):
    path, batches_file = argv[0], argv[1]
    recursive = "--recursive-triggers" in argv
    per_batch = "--connection-per-batch" in argv
    pause = int(argv[argv.index("--pause-ms") + 1]) / 1000 if "--pause-ms" in argv else 0
    with open(batches_file) as f:
        batches = json.load(f)
    ran = failed = 0
    db = None if per_batch else connect(path, recursive)
    for batch in batches:
        conn = connect(path, recursive) if per_batch else db
        conn.execute("BEGIN IMMEDIATE")
        for s in batch["statements"]:
            try:
                conn.execute(s["sql"], s["params"])
                ran += 1
            except sqlite3.IntegrityError:
                failed += 1
        conn.execute("ROLLBACK" if batch["rollback"] else "COMMIT")
        if per_batch:
            conn.close()
        if pause:
            time.sleep(pause)
    if db is not None:
        db.close()
    print("ran %d failed %d batches %d sqlite %s" % (ran, failed, len(batches), sqlite3.sqlite_version))


if __name__ == "__main__":
    main(sys.argv[1:])
