"""Several processes on one PostgreSQL database, each stood for by a store of its own (its own connections, advisory
locks and replica id, as a separate process has): conversation locks, claims, budgets and take-overs hold across
them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.storage.outbox import PENDING, SENDING, SENT, Outbox
from bot.storage.store import Store
from tests.polling import eventually
from tests.reliability.conftest import FakeSender

pytestmark = pytest.mark.slow  # see `make test-fast` in the README


@pytest.fixture
def replicas(pg_url: str) -> Iterator[list[Store]]:
    stores = [Store(pg_url), Store(pg_url)]
    yield stores
    for store in stores:
        store.close()


def test_a_conversation_lock_held_by_one_replica_excludes_the_other(replicas: list[Store]) -> None:
    a, b = replicas
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with a.conversation_lock("slack:T:C:1"), a.conversation_lock("slack:T:C:1"):  # re-entrant
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    with b.conversation_lock("slack:T:C:1", wait=False) as mine:
        assert not mine
    with b.conversation_lock("slack:T:C:2", wait=False) as other:
        assert other  # another conversation is not held up
    release.set()
    thread.join()
    with b.conversation_lock("slack:T:C:1", wait=False) as mine:
        assert mine


def test_a_replica_is_alive_until_its_connections_are_gone(pg_url: str) -> None:
    a, b = Store(pg_url), Store(pg_url)
    assert b.replica_alive(a.owner) and a.replica_alive(b.owner)
    a.close()  # as PostgreSQL sees a killed process: its sessions end (the server notices in a moment)
    eventually(lambda: not b.replica_alive(a.owner), "the server released the closed session's locks")
    b.close()


def test_replicas_flushing_together_post_each_message_once_and_in_order(replicas: list[Store]) -> None:
    outboxes = [Outbox(store, retry_base=0.01, retry_max=0.02) for store in replicas]
    sender = FakeSender()
    for i in range(40):
        outboxes[i % 2].enqueue(f"C{i % 4}", "1.0", {"text": f"m{i}"}, conversation_id=None)

    def settle(outbox: Outbox) -> None:
        for _ in range(200):
            outbox.flush(sender)
            if not outbox.counts().get(PENDING) and not outbox.counts().get(SENDING):
                return
            time.sleep(0.005)

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(settle, [outboxes[n % 2] for n in range(6)]))
    assert outboxes[0].counts() == {SENT: 40}
    assert sorted(sender.uids()) == sorted(set(sender.uids())) and len(sender.uids()) == 40
    for channel in ("C0", "C1", "C2", "C3"):
        ids = [item.id for _, item in sender.posted if item.channel == channel]
        assert ids == sorted(ids), f"{channel}: posted out of order"


def test_a_live_replicas_send_is_left_alone_and_a_dead_ones_is_taken_over(pg_url: str) -> None:
    a, b = Store(pg_url), Store(pg_url)
    item = Outbox(a).enqueue("C1", "1.0", {"text": "card"}, conversation_id=None)
    claimed = Outbox(a)._claim(item)
    assert claimed is not None
    survivor = Outbox(b)
    assert survivor.recover() == 0  # replica a is still sending it
    assert survivor.get(item)["state"] == SENDING  # type: ignore[index]
    a.close()
    recovered: list[int] = []

    def recover() -> bool:
        recovered.append(survivor.recover())
        return sum(recovered) > 0

    eventually(recover, "recovered")
    assert sum(recovered) == 1
    row = survivor.get(item)
    assert row is not None and row["state"] == PENDING and row["unsure"] == 1  # looked for before any repost
    b.close()


def test_the_daily_model_budget_holds_across_replicas(replicas: list[Store]) -> None:
    def take(store: Store) -> int:
        return sum(store.take_llm_call("2026-11-27", 25) for _ in range(20))

    with ThreadPoolExecutor(4) as pool:
        taken = sum(pool.map(take, [replicas[n % 2] for n in range(4)]))
    assert taken == 25 and replicas[0].llm_calls("2026-11-27")["calls"] == 25


def test_replicas_creating_the_same_conversation_get_one(replicas: list[Store]) -> None:
    def create(store: Store) -> str:
        conv = store.create_conversation("slack:T:C:9", platform="slack", team="T", channel="C", thread="9", user="U")
        return str(conv.id)

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(create, [replicas[n % 2] for n in range(8)]))
    assert len(ids) == 1
