"""Group commit (the ack path's inbox writes): writes waiting together share one transaction, each returns only
once it is committed, and a failing write fails alone."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.storage.group_commit import GroupCommit


class Table:
    """A SQLite file with one table, written through a GroupCommit, counting the transactions it opens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("create table t (v text primary key)")
        self.lock = threading.Lock()
        self.transactions = 0
        self.group = GroupCommit(self.transaction)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.transactions += 1
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def committed(self) -> set[str]:
        """What another connection sees."""
        with sqlite3.connect(self.path) as other:
            return {row[0] for row in other.execute("select v from t")}


def insert(value: str) -> Any:
    def write(db: sqlite3.Connection) -> int:
        return int(db.execute("insert into t (v) values (?)", [value]).rowcount)

    return write


def test_a_write_is_committed_when_run_returns(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.db")
    assert table.group.run(insert("a")) == 1
    assert table.committed() == {"a"}


def test_writes_waiting_together_share_one_transaction(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.db")
    release = threading.Event()
    entered = threading.Event()

    def first(db: sqlite3.Connection) -> str:
        entered.set()
        release.wait(30)  # holds the connection while the others queue up behind it
        db.execute("insert into t (v) values ('first')")
        return "first"

    results: dict[str, Any] = {}
    threads = [threading.Thread(target=lambda: results.__setitem__("first", table.group.run(first)))]
    threads[0].start()
    assert entered.wait(30)
    for name in ("b", "c", "d"):
        thread = threading.Thread(target=lambda n=name: results.__setitem__(n, table.group.run(insert(n))))
        threads.append(thread)
        thread.start()
    while True:  # until all three wait (no timing involved: the queue is looked at, not the clock)
        with table.group._changed:
            if len(table.group._waiting) == 3:
                break
        threading.Event().wait(0.001)
    assert table.committed() == set()  # nothing committed while the first batch is open
    release.set()
    for thread in threads:
        thread.join(30)
    assert results == {"first": "first", "b": 1, "c": 1, "d": 1}
    assert table.committed() == {"first", "b", "c", "d"}
    assert table.transactions == 2  # the first write alone, then the three that waited, together


def test_a_failing_write_fails_alone(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.db")
    table.group.run(insert("taken"))
    release = threading.Event()
    entered = threading.Event()

    def hold(db: sqlite3.Connection) -> int:
        entered.set()
        release.wait(30)
        return 0

    outcomes: dict[str, Any] = {}

    def run(name: str, write: Any) -> None:
        try:
            outcomes[name] = table.group.run(write)
        except sqlite3.IntegrityError as exc:
            outcomes[name] = exc

    holder = threading.Thread(target=run, args=("hold", hold))
    holder.start()
    assert entered.wait(30)
    others = [
        threading.Thread(target=run, args=(name, insert(value)))
        for name, value in (("ok1", "x"), ("dup", "taken"), ("ok2", "y"))
    ]
    for thread in others:
        thread.start()
    while True:
        with table.group._changed:
            if len(table.group._waiting) == 3:
                break
        threading.Event().wait(0.001)
    release.set()
    for thread in [holder, *others]:
        thread.join(30)
    assert outcomes["ok1"] == 1 and outcomes["ok2"] == 1
    assert isinstance(outcomes["dup"], sqlite3.IntegrityError)
    assert table.committed() == {"taken", "x", "y"}


def test_an_interrupted_batch_reports_it_to_every_write(tmp_path: Path) -> None:
    table = Table(tmp_path / "t.db")

    def interrupted(db: sqlite3.Connection) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        table.group.run(interrupted)
    assert table.group.run(insert("after")) == 1  # the connection is free again
    assert table.committed() == {"after"}
