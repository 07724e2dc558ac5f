"""PostgreSQL for several replicas: a connection that runs the store's SQL, and locks shared by every process.

The store's statements are written once, in the SQL both engines share; `?` placeholders and `[name]` quoting (the
SQLite spelling) are translated here, and the few statements that differ are chosen by `Store.dialect`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from bot.errors import AdvisorError

# Namespaces (the first key of the two-key advisory locks) so the store's locks never meet another application's.
LOCK_MIGRATIONS, LOCK_REPLICA, LOCK_CONVERSATION = 0x41440001, 0x41440002, 0x41440003
_QUOTED = re.compile(r"\[(\w+)\]")


class StorageUnavailable(AdvisorError):
    """The database server cannot be reached (said in one line, without the URL)."""


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite-spelled SQL as psycopg takes it: `?` → `%s`, `[name]` → `"name"` (and a literal `%` doubled)."""
    return _QUOTED.sub(r'"\1"', sql.replace("%", "%%").replace("?", "%s"))


class PgDatabase:
    """One PostgreSQL connection in autocommit mode; transactions are opened explicitly (`BEGIN` … `COMMIT`), as on
    SQLite. Callers serialise threads on it with a lock, like a shared SQLite connection."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:  # the server's reason, never the URL (it may hold a password)
            reason = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
            raise StorageUnavailable(f"cannot connect to PostgreSQL (DATABASE_URL): {reason}") from None

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this connection."""
        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (SQLite spelling); returns the cursor."""
        return self.conn.execute(translate(sql), list(params))

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row; returns its `id` when the table generates one (0 otherwise)."""
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join(["%s"] * len(row))
        returning = " returning id" if "id" not in row and table in _GENERATED_IDS else ""
        cursor = self.conn.execute(f'insert into "{table}" ({columns}) values ({marks}){returning}', list(row.values()))
        found = cursor.fetchone() if returning else None
        return int(found[0]) if found else 0

    def columns(self, table: str) -> list[str]:
        """The column names of a table."""
        rows = self.conn.execute(
            "select column_name from information_schema.columns where table_schema = current_schema() "
            "and table_name = %s order by ordinal_position",
            [table],
        )
        return [str(r[0]) for r in rows]

    def table_names(self) -> list[str]:
        """The tables of the current schema."""
        rows = self.conn.execute(
            "select table_name from information_schema.tables where table_schema = current_schema() "
            "and table_type = 'BASE TABLE' order by 1"
        )
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


# Tables whose `id` the database generates (identity columns): inserts return it.
_GENERATED_IDS = frozenset({"turns", "intake_versions", "recommendations", "feedback", "audit", "outbox", "inbox"})


class AdvisoryLocks:
    """Locks by name shared by every process on the database: PostgreSQL session advisory locks, each held on a
    pooled connection of its own for as long as the block runs. A process that dies (even by SIGKILL) loses its
    connections, and PostgreSQL releases its locks at once, so another replica can take the work over.

    Re-entrant per thread, like the `threading.RLock` they replace on SQLite. Threads of one process first queue on
    an in-process lock, so a waiting thread does not hold a pooled connection.
    """

    def __init__(self, url: str, *, max_size: int = 32) -> None:
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs={"autocommit": True}, open=True, name="advisory-locks"
        )
        self._local = threading.local()
        self._guard = threading.Lock()
        self._process: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def _depth(self) -> dict[str, int]:
        depth: dict[str, int] | None = getattr(self._local, "depth", None)
        if depth is None:
            depth = self._local.depth = {}
        return depth

    def _process_lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._process[key]

    @contextmanager
    def hold(self, key: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the lock named `key` for the block (waiting for it, or, with `wait=False`, yielding False at once
        when another thread or process has it)."""
        depth = self._depth()
        if depth.get(key):
            depth[key] += 1
            try:
                yield True
            finally:
                depth[key] -= 1
            return
        local = self._process_lock(key)
        if not local.acquire(blocking=wait):
            yield False
            return
        try:
            with self._pool.connection() as conn:
                fn = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
                row = conn.execute(f"select {fn}(%s, hashtext(%s))", [LOCK_CONVERSATION, key]).fetchone()
                if not wait and not (row and row[0]):
                    yield False
                    return
                depth[key] = 1
                try:
                    yield True
                finally:
                    del depth[key]
                    conn.execute("select pg_advisory_unlock(%s, hashtext(%s))", [LOCK_CONVERSATION, key])
        finally:
            local.release()

    def close(self) -> None:
        """Close the pooled connections (releasing any lock still held)."""
        self._pool.close()
