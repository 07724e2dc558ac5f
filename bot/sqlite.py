"""SQLite helpers shared by the conversation store and the knowledge index."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
