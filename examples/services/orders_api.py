"""A demo service with a real leak, like the Flask traffic logger behind many `Too many open files`
incidents: every "request" opens a SQLite connection to logs.db and never closes it (3 descriptors each:
the database, its -wal and its -shm). Vigil names logs.db, predicts when the limit is hit, and (as
configured in examples/vigil.yaml) restarts it gracefully before it falls over."""
import os
import sqlite3
import tempfile
import time

path = os.path.join(os.environ.get("ORDERS_DB_DIR", tempfile.gettempdir()), "vigil-demo-logs.db")
setup = sqlite3.connect(path)
setup.execute("PRAGMA journal_mode=WAL")
setup.execute("CREATE TABLE IF NOT EXISTS hits (t REAL, path TEXT)")
setup.commit()
leaked = []
n = 0
while True:
    n += 1
    conn = sqlite3.connect(path)  # the bug: a connection per request, never closed
    conn.execute("INSERT INTO hits VALUES (?, ?)", (time.time(), "/orders"))
    conn.commit()
    leaked.append(conn)
    if n % 20 == 0:
        print(f"orders-api: served {n} requests", flush=True)
    time.sleep(2)
