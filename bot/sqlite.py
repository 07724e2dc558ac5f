"""SQLite helpers shared by the conversation store and the knowledge index."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils


@contextmanager
def locked_transaction(db: sqlite_utils.Database, lock: threading.RLock) -> Iterator[sqlite_utils.Database]:
    """Run the block atomically, and exclusively among threads holding `lock`; nested use joins the outer one."""
    with lock:
        if db.conn.in_transaction:
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def open_database(path: str) -> sqlite_utils.Database:
    """A connection shared by threads (callers serialise with a lock), WAL mode and a generous busy timeout."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
    # No sqlite-utils plugins are used: skipping their discovery (an entry-point scan of every installed package)
    # saves ~30 ms of start-up.
    db = sqlite_utils.Database(conn, execute_plugins=False)
    db.execute("PRAGMA busy_timeout = 30000")
    if path != ":memory:":
        db.enable_wal()
    return db
