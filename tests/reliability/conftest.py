"""Fixtures for the reliability tests: a file-backed store and a scriptable sender."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.storage.outbox import DeliveryError, Outbox, OutboxItem
from bot.storage.store import Store


class FakeSender:
    """A platform that records posts and updates; `fail` scripts failures for the next attempts (one per attempt).

    A failure with `accepted=True` stores the message first (the platform took it, the answer was lost).
    """

    platform = "slack"

    def __init__(self) -> None:
        self.posted: list[tuple[str, OutboxItem]] = []  # (ts, item) for every message the platform took
        self.updated: list[tuple[str, OutboxItem]] = []  # (ts of the message changed, item) for every update
        self.taken: list[int] = []  # outbox ids of what the platform took (posts and updates), in order
        self.sends = 0
        self.finds = 0
        self.script: list[tuple[DeliveryError, bool]] = []
        self.lock = threading.Lock()

    def fail(self, error: DeliveryError, *, accepted: bool = False, times: int = 1) -> None:
        self.script += [(error, accepted)] * times

    def send(self, item: OutboxItem) -> str:
        with self.lock:
            self.sends += 1
            failure = self.script.pop(0) if self.script else None
            if item.op == "update":
                assert item.target_ts, "an update reached the platform without its target"
                if failure is None or failure[1]:
                    self.updated.append((item.target_ts, item))
                    self.taken.append(item.id)
                if failure is not None:
                    raise failure[0]
                return item.target_ts
            if failure is None or failure[1]:
                ts = f"{1000 + len(self.posted)}.000100"
                self.posted.append((ts, item))
                self.taken.append(item.id)
            if failure is not None:
                raise failure[0]
            return ts

    def find(self, item: OutboxItem) -> str | None:
        with self.lock:
            self.finds += 1
            return next((ts for ts, p in self.posted if p.uid == item.uid), None)

    def failure_notice(self, item: OutboxItem, error: str) -> dict[str, Any] | None:
        return {"text": f"could not post: {error}"}

    def uids(self) -> list[str]:
        return [p.uid for _, p in self.posted]


@pytest.fixture
def store(migrated_database: str) -> Iterator[Store]:
    """A store on each engine (SQLite file, PostgreSQL)."""
    db = Store(migrated_database)
    yield db
    db.close()


@pytest.fixture
def outbox(store: Store) -> Outbox:
    return Outbox(store, retry_base=0.01, retry_max=0.05, max_attempts=4)


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()
