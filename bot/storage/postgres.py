"""PostgreSQL for several replicas: a connection that runs the store's SQL, and locks shared by every process.

The store's statements are written once, in the SQL both engines share; `?` placeholders and `[name]` quoting (the
SQLite spelling) are translated here, and the few statements that differ are chosen by `Store.dialect`.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import ConnectionLost, StorageUnavailable

# Namespaces (the first key of the two-key advisory locks) so the store's locks never meet another application's.
LOCK_MIGRATIONS, LOCK_REPLICA, LOCK_CONVERSATION = 0x41440001, 0x41440002, 0x41440003
_QUOTED = re.compile(r"\[(\w+)\]")


log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10  # seconds, at start-up
RECONNECT_TIMEOUT = 3  # seconds, once serving: a Slack ack waiting on it must still answer (non-200) in time
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0  # seconds between reconnection attempts, doubling while they fail
POOL_TIMEOUT = 10.0  # seconds a conversation lock waits for a pooled connection before giving up


def _reason(exc: BaseException) -> str:
    """The server's first line of an error, never the URL (it may hold a password)."""
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite-spelled SQL as psycopg takes it: `?` → `%s`, `[name]` → `"name"` (and a literal `%` doubled)."""
    return _QUOTED.sub(r'"\1"', sql.replace("%", "%%").replace("?", "%s"))


class PgDatabase:
    """One PostgreSQL connection in autocommit mode; transactions are opened explicitly (`BEGIN` … `COMMIT`), as on
    SQLite. Callers serialise threads on it with a lock, like a shared SQLite connection.

    A connection that breaks is made again on its next use, outside a transaction (a statement of a transaction the
    break cut short raises `ConnectionLost`, as does its `COMMIT`; its `ROLLBACK` is then a no-op). While the server
    stays unreachable, attempts are spaced by a doubling backoff (0.1 s to 5 s) and uses in between raise
    `ConnectionLost` at once, so callers fail fast instead of queueing on connect timeouts. `on_reconnect` restores
    what a session held (the store's replica lock)."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url
        self.on_reconnect: Callable[[PgDatabase], None] | None = None
        self._transaction = False  # BEGIN run, COMMIT/ROLLBACK not yet
        self._backoff = 0.0
        self._retry_at = 0.0
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"cannot connect to PostgreSQL (DATABASE_URL): {_reason(exc)}") from None

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this connection (one cut short by a broken connection counts until its
        ROLLBACK)."""
        return self._transaction

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (SQLite spelling); returns the cursor."""
        verb = sql.upper() if len(sql) <= 8 else ""  # the transaction verbs, as the store spells them
        if verb == "ROLLBACK" and self.conn.closed:
            self._transaction = False  # the server rolled it back when the connection went
            return None
        if verb == "BEGIN":
            cursor = self._run("BEGIN", (), again=True)
            self._transaction = True
            return cursor
        if verb in ("COMMIT", "ROLLBACK"):
            try:
                return self._run(verb, ())
            finally:
                self._transaction = False
        # A read on its own may run again on a new connection; a write may have committed before the break.
        again = not self._transaction and sql.lstrip()[:6].lower() == "select"
        return self._run(translate(sql), params, again=again)

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row; returns its `id` when the table generates one (0 otherwise)."""
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join(["%s"] * len(row))
        returning = " returning id" if "id" not in row and table in _GENERATED_IDS else ""
        cursor = self._run(f'insert into "{table}" ({columns}) values ({marks}){returning}', list(row.values()))
        found = cursor.fetchone() if returning else None
        return int(found[0]) if found else 0

    def columns(self, table: str) -> list[str]:
        """The column names of a table."""
        rows = self._run(
            "select column_name from information_schema.columns where table_schema = current_schema() "
            "and table_name = %s order by ordinal_position",
            [table],
        )
        return [str(r[0]) for r in rows]

    def table_names(self) -> list[str]:
        """The tables of the current schema."""
        rows = self._run(
            "select table_name from information_schema.tables where table_schema = current_schema() "
            "and table_type = 'BASE TABLE' order by 1"
        )
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _run(self, sql: str, params: Sequence[Any] = (), *, again: bool = False) -> Any:
        """Run psycopg-spelled SQL on a live connection; a broken one is `ConnectionLost`. With `again` (a statement
        that may run twice: BEGIN, a read outside a transaction), a connection found broken is made again at once
        and the statement run on it: the first use after a server restart or an ended backend does not fail."""
        conn = self._live()
        try:
            return conn.execute(sql, list(params))
        except psycopg.OperationalError as exc:
            if not conn.closed:  # a statement's own failure (lock timeout, serialization …): the caller's business
                raise
            log.warning("PostgreSQL connection lost: %s", _reason(exc))
            if again:
                return self._run(sql, params)
            raise ConnectionLost(f"lost the connection to PostgreSQL: {_reason(exc)}") from None

    def _live(self) -> psycopg.Connection[Any]:
        """The connection, made again if it broke (never inside a transaction: its statements fail instead)."""
        if not self.conn.closed:
            return self.conn
        if self._transaction:
            raise ConnectionLost("lost the connection to PostgreSQL in a transaction")
        if time.monotonic() < self._retry_at:
            raise ConnectionLost("PostgreSQL is unreachable (reconnecting)")
        try:
            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=RECONNECT_TIMEOUT)
        except psycopg.OperationalError as exc:
            self._backoff = min(max(self._backoff * 2, BACKOFF_FIRST), BACKOFF_MAX)
            self._retry_at = time.monotonic() + self._backoff
            raise ConnectionLost(f"cannot reconnect to PostgreSQL: {_reason(exc)}") from None
        log.info("reconnected to PostgreSQL")
        self._backoff = self._retry_at = 0.0
        if self.on_reconnect is not None:
            self.on_reconnect(self)
        return self.conn


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
        # `check` hands out only connections that answer: one the server ended while idle in the pool (restart,
        # pg_terminate_backend) is replaced instead of failing the lock taken on it.
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True, "connect_timeout": RECONNECT_TIMEOUT},
            open=True,
            name="advisory-locks",
            check=ConnectionPool.check_connection,
            timeout=POOL_TIMEOUT,
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
            with self._locked(key, wait) as taken:
                if not taken:
                    yield False
                    return
                depth[key] = 1
                try:
                    yield True
                finally:
                    del depth[key]
        finally:
            local.release()

    @contextmanager
    def _locked(self, key: str, wait: bool) -> Iterator[bool]:
        """The advisory lock on a pooled connection for the block (False: another process has it, `wait=False`).
        A connection that breaks meanwhile took the lock with it: the unlock is skipped, the pool drops it."""
        try:
            with self._pool.connection() as conn:
                fn = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
                try:
                    row = conn.execute(f"select {fn}(%s, hashtext(%s))", [LOCK_CONVERSATION, key]).fetchone()
                except psycopg.OperationalError as exc:
                    if not conn.closed:
                        raise
                    raise ConnectionLost(f"lost the connection to PostgreSQL: {_reason(exc)}") from None
                taken = wait or bool(row and row[0])  # pg_advisory_lock returns once it has the lock
                try:
                    yield taken
                finally:
                    if taken and not conn.closed:
                        try:
                            conn.execute("select pg_advisory_unlock(%s, hashtext(%s))", [LOCK_CONVERSATION, key])
                        except psycopg.OperationalError:
                            if not conn.closed:
                                raise
        except PoolTimeout:
            raise ConnectionLost("PostgreSQL is unreachable (no connection for a conversation lock)") from None

    def close(self) -> None:
        """Close the pooled connections (releasing any lock still held)."""
        self._pool.close()
