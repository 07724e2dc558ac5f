"""The SQLite store (sqlite-utils): conversations, turns, intake versions, recommendations, processed events."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake, IntakeValues, Provenance
from bot.errors import NotFoundError
from bot.migrations import migrate
from bot.sqlite import locked_transaction, open_database


def now() -> str:
    """The current UTC time as ISO 8601 (how every timestamp is stored)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Store:
    """One database connection shared by threads; writes are serialised by a lock and run in transactions."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.db = open_database(self.path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self._lock = threading.RLock()
        with self._lock:
            migrate(self.db)

    def transaction(self) -> AbstractContextManager[sqlite_utils.Database]:
        """Run the block atomically (and exclusively within this process)."""
        return locked_transaction(self.db, self._lock)

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    # --- conversations ---

    def find_conversation(self, key: str) -> dict[str, Any] | None:
        """The conversation for a platform key, if any."""
        with self._lock:
            rows = list(self.db.table("conversations").rows_where("key = ?", [key], limit=1))
        return _decode(rows[0]) if rows else None

    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """A conversation by id, or NotFoundError."""
        with self._lock:
            rows = list(self.db.table("conversations").rows_where("id = ?", [conversation_id], limit=1))
        if not rows:
            raise NotFoundError(f"no assessment with id {conversation_id!r}")
        return _decode(rows[0])

    def create_conversation(self, key: str, *, platform: str, team: str, channel: str, thread: str,
                            user: str) -> dict[str, Any]:  # fmt: skip
        """Create (or return the existing) conversation for `key`."""
        with self.transaction() as db:
            existing = self.find_conversation(key)
            if existing:
                return existing
            stamp = now()
            db.table("conversations").insert({
                "id": secrets.token_hex(6), "key": key, "platform": platform, "team": team, "channel": channel,
                "thread": thread, "user": user, "state": "intake", "created_at": stamp, "updated_at": stamp,
            })  # fmt: skip
        found = self.find_conversation(key)
        assert found is not None
        return found

    def update_conversation(self, conversation_id: str, **values: Any) -> None:
        """Update conversation columns (lists are stored as JSON)."""
        encoded = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in values.items()}
        encoded["updated_at"] = now()
        with self.transaction() as db:
            db.table("conversations").update(conversation_id, encoded)

    def conversations_for_user(self, user: str, limit: int = 10) -> list[dict[str, Any]]:
        """A user's most recent conversations."""
        with self._lock:
            rows = self.db.table("conversations").rows_where(
                "user = ?", [user], order_by="updated_at desc", limit=limit
            )
            return [_decode(r) for r in rows]

    # --- turns, intake versions, recommendations ---

    def add_turn(self, conversation_id: str, role: str, text: str) -> int:
        """Append a turn; returns its number within the conversation (1-based)."""
        with self.transaction() as db:
            row = db.execute("select count(*) from turns where conversation_id = ?", [conversation_id]).fetchone()
            n = int(row[0]) + 1 if row else 1
            db.table("turns").insert({"conversation_id": conversation_id, "n": n, "role": role, "text": text,
                                "created_at": now()})  # fmt: skip
        return int(n)

    def turns(self, conversation_id: str) -> list[dict[str, Any]]:
        """All turns of a conversation in order."""
        with self._lock:
            return list(self.db.table("turns").rows_where("conversation_id = ?", [conversation_id], order_by="n"))

    def save_intake(self, conversation_id: str, intake: Intake, reason: str) -> int:
        """Store a new intake version; returns the version number."""
        with self.transaction() as db:
            row = db.execute(
                "select coalesce(max(version), 0) from intake_versions where conversation_id = ?", [conversation_id]
            ).fetchone()
            version = int(row[0]) + 1
            db.table("intake_versions").insert({
                "conversation_id": conversation_id, "version": version,
                "values": intake.values.model_dump_json(),
                "provenance": json.dumps({k: p.model_dump() for k, p in intake.provenance.items()}),
                "reason": reason, "created_at": now(),
            })  # fmt: skip
            db.table("conversations").update(conversation_id, {"version": version, "updated_at": now()})
        return version

    def latest_intake(self, conversation_id: str) -> Intake:
        """The newest intake of a conversation (empty if none)."""
        with self._lock:
            rows = list(self.db.table("intake_versions").rows_where(
                "conversation_id = ?", [conversation_id], order_by="version desc", limit=1))  # fmt: skip
        if not rows:
            return Intake()
        return _intake(rows[0])

    def intake_versions(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every intake version of a conversation, oldest first."""
        with self._lock:
            return list(self.db.table("intake_versions").rows_where(
                "conversation_id = ?", [conversation_id], order_by="version"))  # fmt: skip

    def save_recommendation(self, conversation_id: str, intake_version: int, rec: Recommendation) -> int:
        """Store a recommendation; returns its id."""
        with self.transaction() as db:
            table = db.table("recommendations").insert({
                "conversation_id": conversation_id, "intake_version": intake_version, "approach": rec.approach,
                "confidence": rec.confidence, "payload": rec.model_dump_json(), "created_at": now(),
            })  # fmt: skip
            db.table("conversations").update(conversation_id, {"state": "recommended", "updated_at": now()})
        return int(table.last_pk or 0)

    def latest_recommendation(self, conversation_id: str) -> Recommendation | None:
        """The newest recommendation of a conversation, if any."""
        with self._lock:
            rows = list(self.db.table("recommendations").rows_where(
                "conversation_id = ?", [conversation_id], order_by="id desc", limit=1))  # fmt: skip
        return Recommendation.model_validate_json(rows[0]["payload"]) if rows else None

    # --- delivery semantics ---

    def first_time(self, key: str) -> bool:
        """Record `key` (an event id or message id); False if it was recorded before."""
        with self.transaction() as db:
            if db.execute("select 1 from processed_events where key = ?", [key]).fetchone():
                return False
            db.table("processed_events").insert({"key": key, "created_at": now()})
        return True


    # --- feedback and posted cards ---

    def add_feedback(self, conversation_id: str, user: str, value: str, recommendation_id: int | None = None) -> None:
        """Record a user's feedback (e.g. "up"/"down") on a conversation's recommendation."""
        with self.transaction() as db:
            db.table("feedback").insert({"conversation_id": conversation_id, "recommendation_id": recommendation_id,
                                   "user": user, "value": value, "created_at": now()})  # fmt: skip

    def feedback(self, conversation_id: str) -> list[dict[str, Any]]:
        """All feedback on a conversation, oldest first."""
        with self._lock:
            return list(self.db.table("feedback").rows_where("conversation_id = ?", [conversation_id], order_by="id"))

    def save_card(self, conversation_id: str, channel: str, ts: str) -> None:
        """Remember where the conversation's latest card was posted."""
        with self.transaction() as db:
            db.table("cards").upsert({"conversation_id": conversation_id, "channel": channel, "ts": ts,
                                "updated_at": now()}, pk="conversation_id")  # fmt: skip

    def card(self, conversation_id: str) -> dict[str, Any] | None:
        """Where the conversation's latest card was posted, if anywhere."""
        with self._lock:
            rows = list(self.db.table("cards").rows_where("conversation_id = ?", [conversation_id], limit=1))
        return rows[0] if rows else None

def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in ("asked", "asked_steps", "expecting"):
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    return out


def _intake(row: dict[str, Any]) -> Intake:
    provenance = {k: Provenance(**p) for k, p in json.loads(row["provenance"]).items()}
    return Intake(values=IntakeValues.model_validate_json(row["values"]), provenance=provenance)
