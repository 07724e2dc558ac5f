"""SQLite helpers shared by the conversation store and the knowledge index.

The transaction and row helpers also take a `PgDatabase` (bot/storage/postgres.py): the store's SQL is written once,
in the SQLite spelling that connection translates.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import sqlite_utils as sqlite_utils  # other modules take it from here
from sqlite_utils.db import NotFoundError as NotFoundError

from bot.errors import StorageUnavailable

if TYPE_CHECKING:
    from bot.storage.postgres import PgDatabase

Database: TypeAlias = "sqlite_utils.Database | PgDatabase"


def is_postgres(db: Database) -> bool:
    """Whether `db` is a PostgreSQL connection."""
    return getattr(db, "dialect", "sqlite") == "postgres"


def locked_transaction(db: Database, lock: threading.RLock) -> AbstractContextManager[Any]:
    """Run the block atomically, and exclusively among threads holding `lock`; nested use joins the outer one."""
    return _transaction(db, lock, lambda: db.execute("BEGIN" if is_postgres(db) else "BEGIN IMMEDIATE"))


SYNCHRONOUS = ("normal", "full")


def prompt_transaction(db: Database, lock: threading.RLock, timeout: float = 30.0) -> AbstractContextManager[Any]:
    """As `locked_transaction`, for a connection with `busy_timeout = 0` whose writes must not linger: it waits for
    SQLite's write lock in short sleeps (0.1 ms, doubling to 1 ms) instead of SQLite's busy handler, whose sleeps
    (1, 2, 5, 10, 15 ms ...) make a write that meets another connection's 0.2 ms transaction wait several ms.
    Hand-written because sqlite3 exposes no busy-handler hook; the schedule is the only difference. PostgreSQL
    waits for row locks itself: there it is `locked_transaction`."""
    if is_postgres(db):
        return locked_transaction(db, lock)

    def begin() -> None:
        deadline, pause = time.monotonic() + timeout, 0.0001
        while True:
            try:
                db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    return _transaction(db, lock, begin)


@contextmanager
def _transaction(db: Database, lock: threading.RLock, begin: Callable[[], object]) -> Iterator[Any]:
    """The block in one transaction opened by `begin`, under `lock`; nested use joins the outer transaction."""
    with lock:
        if db.in_transaction if is_postgres(db) else db.conn.in_transaction:  # type: ignore[union-attr]
            yield db
            return
        begin()
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


@contextmanager
def unusable_database(path: str) -> Iterator[None]:
    """SQLite's errors opening or migrating `path` (not a database, a directory, unreadable) as one clear message.

    Nothing is written to a file SQLite cannot read, so the message can say to restore it or move it aside."""
    try:
        yield
    except sqlite3.OperationalError as exc:  # "unable to open database file", "attempt to write a readonly database"
        raise StorageUnavailable(
            f"cannot use the SQLite database {path}: {exc}. ADVISOR_DATA_DIR (or ADVISOR_DB) must be a place this "
            "user can read and write."
        ) from None
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        raise StorageUnavailable(
            f"cannot use the SQLite database {path}: {exc}. Restore it from a backup (docs/production.md, "
            "Backups and restore) or move it aside to start an empty one."
        ) from None


def open_database(path: str, *, synchronous: str = "normal") -> sqlite_utils.Database:
    """A connection shared by threads (callers serialise with a lock), WAL mode and a generous busy timeout.

    `synchronous` is SQLite's WAL durability level: "normal" writes each commit to the WAL without an fsync (the
    WAL is synced at checkpoints), so a crashed or killed process loses nothing but a power cut or kernel crash
    may roll back the last commits; "full" fsyncs every commit. Either way the database is never corrupted.
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
    # No sqlite-utils plugins are used: skipping their discovery (an entry-point scan of every installed package)
    # saves ~30 ms of start-up.
    db = sqlite_utils.Database(conn, execute_plugins=False)
    db.execute("PRAGMA busy_timeout = 30000")
    if path != ":memory:":
        db.enable_wal()
    db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    return db


# Plain SQL for the per-turn hot path. sqlite-utils' `db.table(name).insert/update/rows_where` look the table up in
# sqlite_master and read its columns on every call (~8 extra statements each, ~180 statements per card); the shapes
# here are fixed, so these run one statement each. Schema work and everything else keeps using sqlite-utils.


def select_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of a query as dicts."""
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def insert_row(db: Database, table: str, row: dict[str, Any]) -> int:
    """Insert one row (values already in stored form); returns its rowid (PostgreSQL: its generated id, or 0)."""
    if is_postgres(db):
        return db.insert(table, row)  # type: ignore[union-attr]
    columns = ", ".join(f"[{name}]" for name in row)
    cursor = db.execute(f"insert into [{table}] ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))
    return int(cursor.lastrowid or 0)


def update_row(db: Database, table: str, key: Any, values: dict[str, Any], *, pk: str = "id") -> None:
    """Update one row by primary key (NotFoundError when there is none, as sqlite-utils' `update`)."""
    sets = ", ".join(f"[{name}] = ?" for name in values)
    cursor = db.execute(f"update [{table}] set {sets} where [{pk}] = ?", [*values.values(), key])
    if cursor.rowcount == 0:
        raise NotFoundError(f"no row {key!r} in {table}")
