"""Shared links (the `shared_links` table): unguessable tokens stored only as hashes, expiring, readable by every
replica of the database, deleted with their conversation and by housekeeping (both engines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.storage.links import SharedLinks, is_token, token_hash
from bot.storage.store import Store


@pytest.fixture
def store(migrated_database: str) -> Iterator[Store]:
    store = Store(migrated_database)
    yield store
    store.close()


def conversation(store: Store, key: str = "k") -> str:
    return store.create_conversation(key, platform="teams", team="t", channel="c", thread="chat", user="U").id


def test_a_link_resolves_until_it_expires(store: Store) -> None:
    links = SharedLinks(store)
    cid = conversation(store)
    made = links.create("chart", cid, '{"x": 1}', days=7)
    assert is_token(made.token) and len(made.token) == 43
    found = links.find(made.token, "chart")
    assert found is not None and (found.kind, found.conversation_id, found.payload) == ("chart", cid, '{"x": 1}')
    assert found.expires_at == made.expires_at.replace(microsecond=made.expires_at.microsecond // 1000 * 1000)
    assert not found.expired()
    assert found.expired(made.expires_at) and found.expired(made.expires_at + dt.timedelta(seconds=1))
    assert not found.expired(made.expires_at - dt.timedelta(seconds=1))


def test_only_the_token_hash_is_stored(store: Store) -> None:
    made = SharedLinks(store).create("record", conversation(store), "# ADR", days=1)
    with store.reading() as db:
        rows = [tuple(map(str, r)) for r in db.execute("select * from shared_links")]
    assert len(rows) == 1 and token_hash(made.token) in rows[0]
    assert not any(made.token in value for value in rows[0])


@pytest.mark.parametrize("token", ["", "short", "A" * 42, "A" * 44, "A" * 42 + "/", "A" * 42 + ".", "é" * 43])
def test_anything_but_a_token_finds_nothing(store: Store, token: str) -> None:
    assert SharedLinks(store).find(token, "chart") is None


def test_a_guess_or_the_wrong_kind_finds_nothing(store: Store) -> None:
    links = SharedLinks(store)
    made = links.create("chart", conversation(store), "{}", days=1)
    other = SharedLinks(store).create("chart", conversation(store, "k2"), "{}", days=1)
    assert made.token != other.token
    assert links.find(made.token, "record") is None
    assert links.find(made.token[:-1] + ("A" if made.token[-1] != "A" else "B"), "chart") is None


def test_another_replica_resolves_the_link(database: str, store: Store) -> None:
    made = SharedLinks(store).create("chart", conversation(store), "payload", days=1)
    other = Store(database)  # a second process on the same database
    try:
        found = SharedLinks(other).find(made.token, "chart")
        assert found is not None and found.payload == "payload"
    finally:
        other.close()


def test_prune_deletes_expired_links_only(store: Store) -> None:
    links = SharedLinks(store)
    cid = conversation(store)
    short = links.create("chart", cid, "a", days=1)
    long = links.create("chart", cid, "b", days=30)
    assert links.prune(dt.datetime.now(dt.UTC)) == 0
    assert links.prune(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)) == 1
    assert links.find(short.token, "chart") is None and links.find(long.token, "chart") is not None


def test_links_are_purged_with_their_conversation(store: Store) -> None:
    links = SharedLinks(store)
    made = links.create("record", conversation(store), "# ADR", days=30)
    assert store.purge((dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(), keep_counts=False) == 1
    assert links.find(made.token, "record") is None
