"""An outside process doing to a WAL-mode SQLite file what an operator or a careless tool may do.

    python3 test/support/wal_index.py <file> delete-wal-index
        Checkpoints every frame into the main file, then deletes its -wal and -shm files (as a connection does that
        believes it is the last one, or an operator tidying up), while other processes still have them open.
    python3 test/support/wal_index.py <file> insert <lot prefix> <n> <date>
        Inserts n records dated <date>, lots <prefix>0..n-1, each on a short-lived connection (open, insert,
        commit, close), and prints the committed ids, one a line.

Python's sqlite3 module is a SQLite build of its own (not the service's better-sqlite3), as a plant's tools are.
"""
import os
import sqlite3
import sys

path, command = sys.argv[1], sys.argv[2]

if command == "delete-wal-index":
    db = sqlite3.connect(path, timeout=5)
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    db.close()
    if busy:
        sys.exit("the checkpoint was blocked")
    for suffix in ("-wal", "-shm"):
        os.remove(path + suffix)
    print("deleted")
elif command == "insert":
    prefix, n, date = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    for i in range(n):
        db = sqlite3.connect(path, timeout=5)
        cursor = db.execute(
            "INSERT INTO production_records (production_date, item_code, item_name, lot_number, line_code,"
            " good_quantity, defect_quantity) VALUES (?, 'ITM-OUT', 'Outside', ?, 'L01', 7, 1)",
            (date, f"{prefix}{i}"),
        )
        db.commit()
        db.close()
        print(cursor.lastrowid, flush=True)
else:
    sys.exit(f"unknown command {command}")
