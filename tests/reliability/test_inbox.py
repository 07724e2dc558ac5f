"""The inbox: a turn interrupted at any point (a process killed between any two writes) is answered exactly once
after a restart, with every earlier answer intact."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.services import Services
from bot.slack import messages as msg
from bot.slack.replies import SlackTurn, give_up, queue_replies, queue_turn, run_item
from bot.storage.inbox import MAX_ATTEMPTS, MAX_GROUP, Outcome
from bot.storage.sqlite import select_rows
from bot.workflows.conversation import ConversationKey
from tests.sqlite_store import sqlite_db

KEY = ConversationKey("slack", "T1", "C1", "100.1")


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no `except Exception` sees it."""


def services_at(path: Path, url: str | None = None) -> Services:
    # One knowledge index for all the "processes" of a test (the data dir's parent); a database each (SQLite), or
    # the PostgreSQL database at `url`.
    settings = Settings(
        advisor_db=path, advisor_data_dir=path.parent.parent, database_url=SecretStr(url) if url else None
    )
    return Services(settings)


def turn(text: str, n: int) -> SlackTurn:
    return SlackTurn(KEY, "U1", text, "C1", f"200.{n}", KEY.thread)


def drain(services: Services) -> int:
    return services.inbox.drain(
        str(KEY),
        lambda item: run_item(services, item),
        lambda item: give_up(services, item),
        lambda outcomes: queue_replies(services, outcomes),
    )


def resume(services: Services) -> int:
    return services.inbox.resume(
        lambda item: run_item(services, item),
        lambda item: give_up(services, item),
        lambda outcomes: queue_replies(services, outcomes),
    )


def kill_at(services: Services, n: int) -> Callable[[], bool]:
    """Make the n-th outermost store transaction from now on raise Killed (before it writes anything)."""
    store = services.store
    original = store.transaction
    count = 0

    def transaction() -> AbstractContextManager[Any]:
        nonlocal count
        if not sqlite_db(store).conn.in_transaction:
            count += 1
            if count == n:
                raise Killed
        return original()

    store.transaction = transaction  # type: ignore[method-assign]
    return lambda: count >= n


def state(services: Services) -> dict[str, Any]:
    """Everything a conversation is: its row, turns, latest intake, recommendations, and the replies queued."""
    store = services.store
    conv = store.find_conversation(str(KEY))
    assert conv is not None
    with store.transaction() as db:
        rows = select_rows(db, "select * from outbox order by id")
        outbox = [(r["kind"], json.loads(r["message"]).get("text")) for r in rows]
        recs = db.execute("select count(*) from recommendations where conversation_id = ?", [conv.id]).fetchone()[0]
    keep = ("state", "asked", "asked_steps", "expecting", "rounds", "turns", "version")
    return {
        "conversation": {k: getattr(conv, k) for k in keep},
        "turns": [(t["role"], t["text"]) for t in store.turns(conv.id)],
        "intake": store.latest_intake(conv.id).values.model_dump(),
        "recommendations": recs,
        "outbox": outbox,
        "inbox": services.inbox.unfinished(),
    }


SCENARIOS = {
    "answer after questions": (
        ["a chatbot that answers questions about our internal docs"],
        "we have 20k labeled examples and about 2M requests a month",
    ),
    "recommend now": (["a support ticket classifier, 50k clean labeled tickets, an ML team of 5"], "recommend now"),
    "first message": (
        [],
        "a support ticket classifier; 50k clean labeled tickets, 2M requests a month, an ML team "
        "of 5, live in 6 months, budget $300k, not regulated, stable task",
    ),
}


def prepare(path: Path, earlier: list[str]) -> Path:
    """A database where the `earlier` turns are answered (copied for each run instead of answered again)."""
    services = services_at(path)
    for n, text in enumerate(earlier):
        assert queue_turn(services, turn(text, n), [f"message:{n}"]) is not None
        drain(services)
    services.store.close()  # checkpoints the WAL into the file
    return path


def run(template: Path, path: Path, last: str, kill: int | None) -> tuple[Services, bool]:
    """Answer `last` in a copy of `template` with the process killed at the kill-th transaction; then restart."""
    path.parent.mkdir(parents=True)
    shutil.copy(template, path)
    services = services_at(path)
    fired = lambda: False  # noqa: E731
    if kill is not None:
        fired = kill_at(services, kill)
    try:
        queued = queue_turn(services, turn(last, 99), ["message:99"])
        assert queued is not None
        drain(services)
    except Killed:
        pass
    services.store.close()  # the process is gone
    restarted = services_at(path)
    resume(restarted)
    # Slack redelivers an event it got no ack for; one that was written down is recognised.
    if queue_turn(restarted, turn(last, 99), ["message:99"]) is not None:
        drain(restarted)
    return restarted, fired()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_turn_killed_between_any_two_writes_is_answered_exactly_once(tmp_path: Path, scenario: str) -> None:
    earlier, last = SCENARIOS[scenario]
    template = prepare(tmp_path / "template" / "advisor.db", earlier)
    reference, _ = run(template, tmp_path / "reference" / "advisor.db", last, kill=None)
    expected = state(reference)
    assert expected["inbox"] == [] and expected["outbox"]
    points = 0
    for kill in range(1, 60):
        services, fired = run(template, tmp_path / f"kill-{kill}" / "advisor.db", last, kill=kill)
        got = state(services)
        assert got == expected, f"killed at transaction {kill}"
        if not fired:
            break
        points += 1
    # the store's transactions after the turn is written down (on the intake's own connection): marked started
    # with its snapshot, the advisor's one transaction, its replies queued with the turn removed
    assert points >= 3, "the turn should span the inbox, the advisor's writes and the outbox"


@pytest.fixture
def services(tmp_path: Path, database: str) -> Iterator[Services]:
    """Services on each engine."""
    svc = services_at(tmp_path / "advisor.db", database if database.startswith("postgresql") else None)
    yield svc
    svc.store.close()


def test_redeliveries_are_recognised_by_any_of_their_keys(services: Services) -> None:
    inbox = services.inbox
    assert inbox.add("message", "k", {"text": "hi"}, ["event:E1", "message:1"]) is not None
    assert inbox.add("message", "k", {"text": "hi"}, ["event:E1"]) is None  # Slack's retry
    assert inbox.add("message", "k", {"text": "hi"}, ["event:E2", "message:1"]) is None  # the same message again
    assert inbox.add("message", "k", {"text": "hi"}, ["event:E2"]) is None  # E2 was recorded with the duplicate
    assert len(inbox.unfinished("k")) == 1


@pytest.mark.slow
def test_turns_of_a_conversation_are_answered_oldest_first(services: Services) -> None:
    for n, text in enumerate(["a chatbot for our docs", "we have no labeled data", "recommend now"]):
        queue_turn(services, turn(text, n))
    assert drain(services) == 3
    conv = services.store.find_conversation(str(KEY))
    assert conv is not None
    users = [t["text"] for t in services.store.turns(conv.id) if t["role"] == "user"]
    assert users == ["a chatbot for our docs", "we have no labeled data", "recommend now"]
    assert services.inbox.unfinished() == []
    # answered together: one next step (the card), not a stale question round before it; "recommend now" after
    # the card it reached says the card stands instead of storing a copy
    assert [kind for kind, _ in state(services)["outbox"]] == ["recommendation", "chart", "message"]


def test_more_turns_than_a_group_holds_are_all_answered_by_one_drain(services: Services) -> None:
    # A group stops at MAX_GROUP turns; the drain goes on with the next group instead of leaving the rest waiting
    # (it stops looking only when a group's last look found nothing left).
    count = MAX_GROUP + 3
    for n in range(count):
        queue_turn(services, turn("a chatbot for our docs" if n == 0 else f"thanks {n}", n))
    assert drain(services) == count
    assert services.inbox.unfinished() == []
    conv = services.store.find_conversation(str(KEY))
    assert conv is not None
    assert len([t for t in services.store.turns(conv.id) if t["role"] == "user"]) == count


@pytest.mark.slow
def test_a_failing_turn_changes_nothing_and_is_told(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    queue_turn(services, turn("a chatbot that answers questions about our internal docs", 1))
    drain(services)
    before = state(services)
    handle = services.advisor.handle

    def broken(*args: Any, **kwargs: Any) -> Any:
        handle(*args, **kwargs)  # everything is written...
        raise RuntimeError("bug after the writes")  # ...then it fails

    monkeypatch.setattr(services.advisor, "handle", broken)
    queue_turn(services, turn("we have 20k labeled examples", 2))
    drain(services)
    after = state(services)
    assert after["outbox"] == [*before["outbox"], ("notice", msg.ERROR)]
    assert {k: v for k, v in after.items() if k != "outbox"} == {k: v for k, v in before.items() if k != "outbox"}


@pytest.mark.slow
def test_a_turn_that_keeps_killing_the_process_is_given_up(tmp_path: Path, database: str) -> None:
    path, url = tmp_path / "advisor.db", database if database.startswith("postgresql") else None
    services = services_at(path, url)
    queue_turn(services, turn("a chatbot for our docs", 1))
    for _ in range(MAX_ATTEMPTS):
        current = services

        def crash(item: dict[str, Any], svc: Services = current) -> Outcome:
            run_item(svc, item)  # the advisor ran; then the process died
            raise Killed

        with pytest.raises(Killed):
            current.inbox.drain(
                str(KEY),
                crash,
                lambda item, svc=current: give_up(svc, item),  # type: ignore[misc]
                lambda outcomes: None,
            )
        current.store.close()
        services = services_at(path, url)
    assert resume(services) == 1
    assert services.store.find_conversation(str(KEY)) is None  # its partial effects were undone
    with services.store.transaction() as db:
        rows = [(r["kind"], json.loads(r["message"])["text"]) for r in select_rows(db, "select * from outbox")]
    assert rows == [("notice", msg.ERROR)] and services.inbox.unfinished() == []


@pytest.mark.slow
def test_resuming_leaves_fresh_turns_and_held_conversations_to_whoever_has_them(services: Services) -> None:
    queue_turn(services, turn("a chatbot for our docs", 1))
    inbox = services.inbox

    def resume_after(seconds: float) -> int:
        return inbox.resume(
            lambda item: run_item(services, item),
            lambda item: give_up(services, item),
            lambda outcomes: queue_replies(services, outcomes),
            older_than=seconds,
        )

    assert resume_after(60) == 0  # just received: the process that took it answers it
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with services.store.conversation_lock(str(KEY)):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    try:
        assert resume(services) == 0  # someone is answering this conversation
    finally:
        release.set()
        thread.join()
    assert resume(services) == 1 and inbox.unfinished() == []
