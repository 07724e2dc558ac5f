"""Named, ordered schema migrations, recorded in the `_migrations` table (applied once each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its function name is its permanent name."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_conversations(db: sqlite_utils.Database) -> None:
    db.table("conversations").create(
        {
            "id": str, "key": str, "platform": str, "team": str, "channel": str, "thread": str, "user": str,
            "state": str, "asked": str, "asked_steps": str, "expecting": str, "rounds": int, "turns": int,
            "version": int, "created_at": str, "updated_at": str,
        },
        pk="id",
        not_null={"key", "state"},
        defaults={"state": "intake", "asked": "[]", "asked_steps": "[]", "expecting": "[]", "rounds": 0,
                  "turns": 0, "version": 0},
    )  # fmt: skip
    db.table("conversations").create_index(["key"], unique=True)
    db.table("conversations").create_index(["user", "updated_at"])
    db.table("turns").create(
        {"id": int, "conversation_id": str, "n": int, "role": str, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("turns").create_index(["conversation_id", "n"])
    db.table("intake_versions").create(
        {"id": int, "conversation_id": str, "version": int, "values": str, "provenance": str, "reason": str,
         "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )  # fmt: skip
    db.table("intake_versions").create_index(["conversation_id", "version"], unique=True)
    db.table("recommendations").create(
        {"id": int, "conversation_id": str, "intake_version": int, "approach": str, "confidence": float,
         "payload": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )  # fmt: skip
    db.table("recommendations").create_index(["conversation_id", "id"])


@migration
def m002_processed_events(db: sqlite_utils.Database) -> None:
    db.table("processed_events").create({"key": str, "created_at": str}, pk="key")


@migration
def m003_feedback(db: sqlite_utils.Database) -> None:
    db.table("feedback").create(
        {"id": int, "conversation_id": str, "recommendation_id": int, "user": str, "value": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )  # fmt: skip
    db.table("feedback").create_index(["conversation_id", "user"])


@migration
def m004_cards(db: sqlite_utils.Database) -> None:
    # Where a conversation's latest recommendation card was posted, so it can be updated in place.
    db.table("cards").create(
        {"conversation_id": str, "channel": str, "ts": str, "updated_at": str}, pk="conversation_id"
    )


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order; return the names applied now."""
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            fn(db)
            db.table("_migrations").insert({"name": name, "applied_at": dt.datetime.now(dt.UTC).isoformat()})
        applied.append(name)
    return applied
