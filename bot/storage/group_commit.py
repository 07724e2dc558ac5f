"""Group commit: short writes from many threads, committed together in one transaction on one connection.

The Slack ack writes its turn down before answering, on a connection of its own. Under a burst, ten or fifty
requests want that connection at once; one transaction each means each ack waits for every one before it, and
each of those for SQLite's write lock (held now and then by a listener thread's turn) and for the GIL, which the
listener threads' card work keeps busy. A lock holder that loses the GIL holds up the whole queue. Here, whoever
finds the connection free takes every write waiting at that moment and runs them in one transaction: one wait for
the write lock and one commit per batch, and an ack waits for at most the batch in progress and its own.

Each write still returns only after the commit that holds it (a process killed before then acknowledged nothing).
A write that raises fails alone: the batch is retried one write per transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Begin = Callable[[], AbstractContextManager[Any]]  # opens a transaction on the connection, yields it


@dataclass
class _Write(Generic[T]):
    write: Callable[[Any], T]
    done: bool = False
    result: T | None = None
    error: BaseException | None = None


class GroupCommit:
    """Runs `write(db)` callables from any thread, batched into transactions opened by `transaction()`."""

    def __init__(self, transaction: Begin) -> None:
        self._transaction = transaction
        self._changed = threading.Condition()
        self._waiting: list[_Write[Any]] = []
        self._committing = False

    def run(self, write: Callable[[Any], T]) -> T:
        """`write(db)`'s result, once the transaction that ran it has committed (its exception if it raised)."""
        mine: _Write[T] = _Write(write)
        with self._changed:
            self._waiting.append(mine)
            while self._committing and not mine.done:
                self._changed.wait()
            if not mine.done:  # the connection is free: commit everything waiting, this write included
                self._committing = True
                batch, self._waiting = self._waiting, []
        if not mine.done:
            try:
                self._commit(batch)
            finally:
                with self._changed:
                    for item in batch:
                        item.done = True
                    self._committing = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[return-value]

    def _commit(self, batch: list[_Write[Any]]) -> None:
        try:
            with self._transaction() as db:
                results = [item.write(db) for item in batch]
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for item in batch:  # rolled back: one write per transaction, so only the failing one fails
                self._commit([item])
            return
        except BaseException as exc:  # interrupted (SystemExit, KeyboardInterrupt): nothing was committed
            for item in batch:
                item.error = exc
            raise
        for item, result in zip(batch, results, strict=True):
            item.result = result
