"""The store: migrations, persistence, dedupe."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.advisor.intake import Intake, IntakeValues, Provenance
from bot.errors import NotFoundError
from bot.migrations import MIGRATIONS, migrate
from bot.store import Store


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    names = [row["name"] for row in store.db.table("_migrations").rows]
    assert names == [name for name, _ in MIGRATIONS]
    assert migrate(store.db) == []
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_intake_versions_keep_values_and_provenance(fresh_store: Store) -> None:
    conv = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    intake = Intake(values=IntakeValues(labeled_examples=5), provenance={
        "labeled_examples": Provenance(source="message", turn=1, quote="5 examples")})  # fmt: skip
    assert fresh_store.save_intake(conv["id"], intake, "t1") == 1
    assert fresh_store.save_intake(conv["id"], Intake(), "restart") == 2
    versions = fresh_store.intake_versions(conv["id"])
    assert [v["version"] for v in versions] == [1, 2]
    assert fresh_store.latest_intake(conv["id"]).known() == {}


def test_create_is_idempotent_per_key(fresh_store: Store) -> None:
    a = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    b = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U2")
    assert a["id"] == b["id"]
    with pytest.raises(NotFoundError):
        fresh_store.get_conversation("nope")


def test_first_time_dedupes_across_restart(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    assert Store(path).first_time("Ev1")
    assert not Store(path).first_time("Ev1")


def test_failed_transaction_changes_nothing(fresh_store: Store) -> None:
    conv = fresh_store.create_conversation("k", platform="t", team="", channel="", thread="", user="U")
    with pytest.raises(RuntimeError), fresh_store.transaction() as db:
        db.table("turns").insert({"conversation_id": conv["id"], "n": 1, "role": "user", "text": "x"})
        raise RuntimeError("boom")
    assert fresh_store.turns(conv["id"]) == []
