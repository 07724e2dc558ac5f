"""The store: migrations, persistence, dedupe (the tests taking `fresh_store` or `database` run on both engines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.advisor.intake import Intake, IntakeValues, Provenance
from bot.errors import NotFoundError
from bot.storage.migrations import MIGRATIONS, PG_MIGRATIONS, migrate
from bot.storage.sqlite import insert_row
from bot.storage.store import Store


@pytest.fixture
def fresh_store(database: str) -> Iterator[Store]:
    """A store on each engine (overrides the in-memory one of tests/conftest.py)."""
    store = Store(database)
    yield store
    store.close()


def test_migrations_apply_once_in_order(fresh_store: Store) -> None:
    names = [str(r[0]) for r in fresh_store.db.execute("select name from _migrations")]
    assert sorted(names) == sorted(name for name, _ in MIGRATIONS)
    assert migrate(fresh_store.db) == []
    if fresh_store.dialect == "sqlite":
        in_order = [str(r[0]) for r in fresh_store.db.execute("select name from _migrations order by rowid")]
        assert in_order == [name for name, _ in MIGRATIONS]
        assert fresh_store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_postgres_has_every_migration_under_the_same_name() -> None:
    assert list(PG_MIGRATIONS) == [name for name, _ in MIGRATIONS]


def test_intake_versions_keep_values_and_provenance(fresh_store: Store) -> None:
    conv = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    intake = Intake(
        values=IntakeValues(labeled_examples=5),
        provenance={"labeled_examples": Provenance(source="message", turn=1, quote="5 examples")},
    )
    assert fresh_store.save_intake(conv.id, intake, "t1") == 1
    assert fresh_store.save_intake(conv.id, Intake(), "restart") == 2
    versions = fresh_store.intake_versions(conv.id)
    assert [v["version"] for v in versions] == [1, 2]
    assert fresh_store.latest_intake(conv.id).known() == {}


def test_create_is_idempotent_per_key(fresh_store: Store) -> None:
    a = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    b = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U2")
    assert a.id == b.id
    with pytest.raises(NotFoundError):
        fresh_store.get_conversation("nope")


def test_mark_seen_dedupes_across_restart(database: str) -> None:
    first = Store(database)
    assert first.mark_seen("Ev1")
    first.close()
    again = Store(database)
    assert not again.mark_seen("Ev1")
    again.close()


def test_failed_transaction_changes_nothing(fresh_store: Store) -> None:
    conv = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    with pytest.raises(RuntimeError), fresh_store.transaction() as db:
        insert_row(db, "turns", {"conversation_id": conv.id, "n": 1, "role": "user", "text": "x"})
        raise RuntimeError("boom")
    assert fresh_store.turns(conv.id) == []


@pytest.mark.slow
def test_conversation_approach_is_backfilled_and_follows_the_latest_recommendation(tmp_path: Path) -> None:
    import sqlite_utils

    from bot.workflows.conversation import Advisor, ConversationKey

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    for name, fn in MIGRATIONS:  # a database from before the column existed
        if name == "perf_conversation_approach":
            break
        fn(db)
        db.table("_migrations").insert({"name": name, "applied_at": "2026-01-01T00:00:00+00:00"})
    db.execute(
        "insert into conversations (id, key, platform, team, channel, thread, user, state, created_at, "
        "updated_at) values ('c1', 'k1', 'slack', 'T', 'C', '1.1', 'U', 'recommended', 'x', 'x')"
    )
    for n, approach in enumerate(["prompt_engineering", "hybrid"], 1):
        db.execute(
            "insert into recommendations (id, conversation_id, intake_version, approach, confidence, payload, "
            "created_at) values (?, 'c1', 1, ?, 0.5, '{}', 'x')",
            [n, approach],
        )
    db.conn.commit()
    db.conn.close()
    store = Store(path)
    assert store.get_conversation("c1").approach == "hybrid"
    advisor = Advisor(store)
    reply = advisor.handle(
        ConversationKey("slack", "T", "C", "2.2"),
        "U",
        "A support assistant drafting replies; no labeled data, no ML engineers, ship in 3 weeks.",
    )
    latest = store.latest_recommendation(reply.conversation_id)
    assert latest is not None and store.get_conversation(reply.conversation_id).approach == latest.approach


@pytest.mark.parametrize(("level", "pragma"), [("normal", 1), ("full", 2)])
def test_synchronous_level_is_chosen_by_setting(tmp_path: Path, level: str, pragma: int) -> None:
    from bot.config import Settings
    from bot.services import Services

    services = Services(Settings(advisor_data_dir=tmp_path, advisor_db_synchronous=level))  # type: ignore[arg-type]
    assert services.store.db.execute("PRAGMA synchronous").fetchone()[0] == pragma
    assert services.inbox._intake_db.execute("PRAGMA synchronous").fetchone()[0] == pragma


def test_the_ack_path_write_does_not_wait_for_the_store_lock(tmp_path: Path) -> None:
    import threading

    from bot.storage.inbox import Inbox

    store = Store(tmp_path / "a.db")
    inbox = Inbox(store)
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with store.reading():  # a listener or the outbox worker holding the store's lock
            held.set()
            release.wait(10)

    added: list[int | None] = []

    def writer() -> None:
        added.append(inbox.add("message", "k", {"t": 1}, ["event:1"]))
        done.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=writer)]
    threads[0].start()
    assert held.wait(10)
    threads[1].start()
    finished = done.wait(10)
    release.set()
    for thread in threads:
        thread.join()
    assert finished, "the inbox write waited for the store's lock"
    assert added[0] and inbox.unfinished("k")[0]["payload"] == {"t": 1}
    assert inbox.add("message", "k", {"t": 2}, ["event:1"]) is None  # the key was recorded
    store.close()


def test_database_url_chooses_postgres_and_its_password_is_never_shown() -> None:
    from bot.config import Settings
    from bot.errors import InputError
    from bot.logs import Scrubber, secrets_of

    url = "postgresql://advisor:pa55-w0rd-x@db.internal:5433/advisor"
    settings = Settings(database_url=url)  # type: ignore[arg-type]
    assert settings.database_target == url
    assert settings.database_label == "PostgreSQL db.internal:5433/advisor"
    scrub = Scrubber(secrets_of(settings))
    assert "pa55-w0rd-x" not in scrub(f"could not connect to {url}; password pa55-w0rd-x rejected")
    assert Settings().database_target.endswith("advisor.db")  # unset: the SQLite file
    wrong = Settings(database_url="mysql://advisor:pa55-w0rd-x@db/advisor")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="postgresql://") as refused:
        _ = wrong.database_target
    assert "pa55-w0rd-x" not in str(refused.value)


def test_an_unreachable_postgres_is_one_clear_line(tmp_path: Path) -> None:
    from bot.errors import AdvisorError

    with pytest.raises(AdvisorError, match="cannot connect to PostgreSQL") as refused:
        Store("postgresql://advisor:pa55-w0rd-x@127.0.0.1:1/advisor")  # nothing listens on port 1
    assert "pa55-w0rd-x" not in str(refused.value) and "\n" not in str(refused.value)


def test_latest_conversation_is_the_users_newest_unarchived_one(fresh_store: Store) -> None:
    def create(key: str, user: str = "U1") -> str:
        conv = fresh_store.create_conversation(key, platform="slack", team="T", channel="D1", thread=key, user=user)
        return str(conv.id)

    older, newer = create("slack:T:D1:1"), create("slack:T:D1:2")
    create("slack:T:D1:3", user="U2")
    fresh_store.update_conversation(newer, rounds=1)
    latest = fresh_store.latest_conversation("slack", "T", "D1", "U1")
    assert latest is not None and latest.id == newer
    fresh_store.archive_conversation(newer)
    latest = fresh_store.latest_conversation("slack", "T", "D1", "U1")
    assert latest is not None and latest.id == older
    assert fresh_store.latest_conversation("slack", "T", "D2", "U1") is None
