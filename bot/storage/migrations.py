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
            "id": str,
            "key": str,
            "platform": str,
            "team": str,
            "channel": str,
            "thread": str,
            "user": str,
            "state": str,
            "asked": str,
            "asked_steps": str,
            "expecting": str,
            "rounds": int,
            "turns": int,
            "version": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"key", "state"},
        defaults={
            "state": "intake",
            "asked": "[]",
            "asked_steps": "[]",
            "expecting": "[]",
            "rounds": 0,
            "turns": 0,
            "version": 0,
        },
    )
    db.table("conversations").create_index(["key"], unique=True)
    db.table("conversations").create_index(["user", "updated_at"])
    db.table("turns").create(
        {"id": int, "conversation_id": str, "n": int, "role": str, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("turns").create_index(["conversation_id", "n"])
    db.table("intake_versions").create(
        {
            "id": int,
            "conversation_id": str,
            "version": int,
            "values": str,
            "provenance": str,
            "reason": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("intake_versions").create_index(["conversation_id", "version"], unique=True)
    db.table("recommendations").create(
        {
            "id": int,
            "conversation_id": str,
            "intake_version": int,
            "approach": str,
            "confidence": float,
            "payload": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
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
    )
    db.table("feedback").create_index(["conversation_id", "user"])


@migration
def m004_cards(db: sqlite_utils.Database) -> None:
    # Where a conversation's latest recommendation card was posted, so it can be updated in place.
    db.table("cards").create(
        {"conversation_id": str, "channel": str, "ts": str, "updated_at": str}, pk="conversation_id"
    )


@migration
def m005_decisions_and_audit(db: sqlite_utils.Database) -> None:
    # A lead's current decision per conversation, and every change to it (who, when, what, previous value).
    db.table("decisions").create(
        {"conversation_id": str, "status": str, "note": str, "user": str, "updated_at": str},
        pk="conversation_id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("audit").create(
        {
            "id": int,
            "conversation_id": str,
            "user": str,
            "action": str,
            "previous": str,
            "value": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
    )
    db.table("audit").create_index(["conversation_id", "id"])
    db.table("conversations").create_index(["platform", "team", "created_at"])
    # Anonymised counts kept by `purge` (approach by month) when transcripts are deleted.
    db.table("purged_counts").create({"month": str, "approach": str, "count": int}, pk=("month", "approach"))


@migration
def m006_llm_calls(db: sqlite_utils.Database) -> None:
    # Model calls and estimated tokens per UTC day, so the daily budget holds across restarts.
    db.table("llm_calls").create(
        {"day": str, "calls": int, "tokens": int}, pk="day", defaults={"calls": 0, "tokens": 0}
    )


@migration
def m007_outbox(db: sqlite_utils.Database) -> None:
    # Messages waiting to be posted (or updated) on a platform, queued in the same transaction as the turn that
    # produced them. `uid` tags the posted message so a retry can see whether an earlier attempt got through;
    # `unsure` says an earlier attempt may have been accepted (timeout, 5xx, process killed while sending).
    db.table("outbox").create(
        {
            "id": int,
            "uid": str,
            "conversation_id": str,
            "channel": str,
            "thread_ts": str,
            "op": str,
            "kind": str,
            "target_ts": str,
            "message": str,
            "state": str,
            "attempts": int,
            "unsure": int,
            "next_attempt_at": float,
            "ts": str,
            "error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"uid", "channel", "op", "kind", "message", "state"},
        defaults={"state": "pending", "attempts": 0, "unsure": 0, "next_attempt_at": 0.0},
    )
    db.table("outbox").create_index(["uid"], unique=True)
    db.table("outbox").create_index(["state", "next_attempt_at"])
    db.table("outbox").create_index(["channel", "thread_ts", "id"])


@migration
def m008_inbox(db: sqlite_utils.Database) -> None:
    # User turns received but not yet answered, written before the platform is acknowledged. `snapshot` holds the
    # conversation as it was when answering started, so a turn interrupted part-way is undone and answered again.
    db.table("inbox").create(
        {
            "id": int,
            "conversation_key": str,
            "kind": str,
            "payload": str,
            "state": str,
            "snapshot": str,
            "attempts": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"conversation_key", "kind", "payload", "state"},
        defaults={"state": "pending", "attempts": 0},
    )
    db.table("inbox").create_index(["conversation_key", "id"])


@migration
def m009_feedback_reason(db: sqlite_utils.Database) -> None:
    # The optional reason a user gives with a 👎 (or 👍), kept on their one vote.
    db.table("feedback").add_column("reason", str, not_null_default="")


@migration
def sec_outbox_posted_index(db: sqlite_utils.Database) -> None:
    # A click names the message it was on: find that message (and its latest update) by where it was posted.
    db.table("outbox").create_index(["channel", "ts"], if_not_exists=True)
    db.table("outbox").create_index(["channel", "target_ts"], if_not_exists=True)


@migration
def sec_decision_version(db: sqlite_utils.Database) -> None:
    # The intake version a lead's decision was made on: once the facts change, the decision needs re-review.
    db.table("decisions").add_column("intake_version", int)


@migration
def perf_conversation_approach(db: sqlite_utils.Database) -> None:
    # The approach of the conversation's latest recommendation (NULL while in intake), kept with the conversation
    # so a digest counts and pages through one covering index instead of looking up each conversation's latest
    # recommendation (Store.save_recommendation sets it in the same transaction).
    db.table("conversations").add_column("approach", str)
    db.execute(
        "update conversations set approach = (select r.approach from recommendations r where r.id = "
        "(select max(id) from recommendations where conversation_id = conversations.id))"
    )
    # Covering for the digest's counts and pages, all time or from a date (`created_at` ranges).
    db.table("conversations").create_index(["platform", "team", "created_at", "approach", "channel"])


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
