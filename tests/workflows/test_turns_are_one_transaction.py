"""One user turn is one write transaction: stored whole, or (when it fails) not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.advisor import engine
from bot.advisor.intake import Intake
from bot.errors import InputError, OutdatedError
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey, Reply
from bot.workflows.interaction import quick_answer
from tests.conftest import TODAY
from tests.sqlite_store import sqlite_db

KEY = ConversationKey("test", "T1", "C1", "7.1")
THIN = "We want an assistant that drafts replies for our support team"
FULL = (
    "Payments: we classify 10M merchant descriptors a month, 300k clean labeled examples, an ML team of 7, "
    "the code list is stable, budget $2M, no hard deadline, not regulated."
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "advisor.db")
    yield store
    store.close()


@contextmanager
def counted_transactions(store: Store) -> Iterator[list[str]]:
    """The write transactions the store's connection begins inside the block (SQLite's own statement trace)."""
    begun: list[str] = []
    sqlite_db(store).conn.set_trace_callback(
        lambda sql: begun.append(sql) if sql.strip().upper().startswith("BEGIN") else None
    )
    try:
        yield begun
    finally:
        sqlite_db(store).conn.set_trace_callback(None)


def rows(store: Store, table: str) -> int:
    with store.reading() as db:
        return int(db.execute(f"select count(*) from [{table}]").fetchone()[0])


@pytest.mark.slow
def test_each_kind_of_turn_writes_in_one_transaction(store: Store) -> None:
    advisor = Advisor(store, today=TODAY)
    with counted_transactions(store) as begun:
        cid = advisor.handle(KEY, "U1", THIN).conversation_id  # creates the conversation, asks questions
    assert len(begun) == 1
    turns: list[Callable[[], Reply]] = [
        lambda: advisor.handle(KEY, "U1", "help"),
        lambda: advisor.take_quick_answer(cid, "U1", quick_answer("ml_expertise", "none")),
        lambda: advisor.handle(KEY, "U1", "recommend now"),  # a card
        lambda: advisor.handle(KEY, "U1", "why not fine-tuning?"),
        lambda: advisor.handle(KEY, "U1", "actually we have 20k labeled examples"),  # a new card
        lambda: advisor.adjust(cid, "U1", {"budget_usd": 90_000}),
        lambda: advisor.handle(KEY, "U1", "new project: " + FULL),  # archives, and a new conversation's card
    ]
    for n, turn in enumerate(turns):
        with counted_transactions(store) as begun:
            turn()
        assert len(begun) <= 1, (n, begun)
    assert len(store.turns(cid)) >= 6 and rows(store, "conversations") == 2  # stored nonetheless


def test_a_turn_that_fails_part_way_stores_nothing(store: Store) -> None:
    def broken(rec: engine.Recommendation, intake: Intake) -> engine.Recommendation:
        raise RuntimeError("the knowledge base is unreadable")

    with pytest.raises(RuntimeError):
        Advisor(store, enrich=broken, today=TODAY).handle(KEY, "U1", FULL)
    assert [rows(store, t) for t in ("conversations", "turns", "intake_versions", "recommendations")] == [0, 0, 0, 0]


def test_a_card_names_the_recommendation_its_turn_stored(store: Store) -> None:
    reply = Advisor(store, today=TODAY).handle(KEY, "U1", FULL)
    with store.reading() as db:
        stored = db.execute("select id, intake_version from recommendations").fetchall()
    assert reply.recommendation_id is not None and [tuple(r) for r in stored] == [(reply.recommendation_id, 1)]


def test_an_adjustment_from_older_answers_is_refused_and_changes_nothing(store: Store) -> None:
    advisor = Advisor(store, today=TODAY)
    cid = advisor.handle(KEY, "U1", FULL).conversation_id
    version = store.get_conversation(cid).version
    advisor.handle(KEY, "U1", "actually the budget is $900k")
    before = [rows(store, t) for t in ("turns", "intake_versions", "recommendations")]
    queued: list[Reply] = []
    with pytest.raises(OutdatedError):
        advisor.adjust(cid, "U1", {"budget_usd": 5_000}, expected_version=version, then=queued.append)
    assert [rows(store, t) for t in ("turns", "intake_versions", "recommendations")] == before and not queued


def test_an_adjustments_follow_up_runs_in_its_transaction(store: Store) -> None:
    advisor = Advisor(store, today=TODAY)
    cid = advisor.handle(KEY, "U1", FULL).conversation_id
    version = store.get_conversation(cid).version

    def refuse(reply: Reply) -> None:
        assert reply.recommendation_id is not None  # the card it would queue names its recommendation
        raise InputError("the outbox is full")

    with pytest.raises(InputError):
        advisor.adjust(cid, "U1", {"budget_usd": 5_000}, expected_version=version, then=refuse)
    assert store.get_conversation(cid).version == version  # rolled back with it
    seen: list[Reply] = []
    reply = advisor.adjust(cid, "U1", {"budget_usd": 5_000}, expected_version=version, then=seen.append)
    assert seen == [reply] and store.get_conversation(cid).version == version + 1


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every statement the store's connection runs inside the block, whitespace collapsed."""
    ran: list[str] = []
    sqlite_db(store).conn.set_trace_callback(lambda sql: ran.append(" ".join(sql.split())))
    try:
        yield ran
    finally:
        sqlite_db(store).conn.set_trace_callback(None)


def test_a_turn_changes_its_conversation_row_with_one_update(store: Store) -> None:
    # The row's changes (turns, asked, expecting, version, state, approach) are collected and written once; a
    # conversation the turn creates is not read back (nothing of it is stored yet).
    advisor = Advisor(store, today=TODAY)
    with statements(store) as ran:
        reply = advisor.handle(KEY, "U1", FULL)
    assert reply.kind == "recommendation" and reply.recommendation is not None
    assert len([s for s in ran if s.startswith("update [conversations]")]) == 1
    assert not [s for s in ran if "from turns" in s or "from intake_versions where conversation_id = ? order" in s]
    conv = store.get_conversation(reply.conversation_id)
    assert (conv.version, conv.state, conv.approach, conv.turns) == (1, "recommended", reply.recommendation.approach, 1)
    assert [t["n"] for t in store.turns(conv.id)] == [1, 2]
    with statements(store) as ran:  # a later turn counts the stored turns once and numbers its own after them
        advisor.handle(KEY, "U1", "actually we have 20k labeled examples")
    assert len([s for s in ran if s.startswith("select count(*) from turns")]) == 1
    assert len([s for s in ran if s.startswith("update [conversations]")]) == 1
    assert [t["n"] for t in store.turns(conv.id)] == [1, 2, 3, 4]
    assert store.get_conversation(conv.id).version == 2


def test_a_new_project_archives_the_old_row_before_writing_the_new_one(store: Store) -> None:
    # The archived conversation keeps its columns; the new one (same key) is inserted before its row is updated.
    advisor = Advisor(store, today=TODAY)
    old = advisor.handle(KEY, "U1", THIN).conversation_id
    new = advisor.handle(KEY, "U1", "new project: " + FULL).conversation_id
    assert new != old and store.find_conversation(str(KEY)).id == new  # type: ignore[union-attr]
    assert store.get_conversation(new).state == "recommended" and store.get_conversation(old).state != "recommended"
