"""Unguessable, expiring links to files the bot serves from its own endpoint (the `shared_links` table).

A link is a random token (256 bits, URL-safe); only its SHA-256 is stored, so reading the database gives no working
link. The row holds what to serve (a payload whose meaning belongs to its `kind`) and when the link expires. Rows
live in the shared database, so any replica can serve a link another one made; they belong to their conversation
(purged with it) and are deleted by housekeeping once expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from bot.storage.sqlite import select_rows
from bot.storage.store import Store

TOKEN_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) produces: anything else is not a link of ours


@dataclass(frozen=True)
class Link:
    """A link just made: the token (shown once, never stored) and when it stops working."""

    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Shared:
    """What a link points to."""

    kind: str
    conversation_id: str
    payload: str
    expires_at: dt.datetime

    def expired(self, at: dt.datetime | None = None) -> bool:
        """Whether the link no longer works at `at` (default: now)."""
        return (at or dt.datetime.now(dt.UTC)) >= self.expires_at


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_token(text: str) -> bool:
    """Whether `text` has the shape of a token (checked before any lookup)."""
    return _TOKEN.fullmatch(text) is not None


class SharedLinks:
    """Make and resolve links in the `shared_links` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, kind: str, conversation_id: str, payload: str, *, days: float) -> Link:
        """A new link to `payload` (of `kind`, belonging to `conversation_id`) that works for `days`."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        created = dt.datetime.now(dt.UTC)
        expires = created + dt.timedelta(days=days)
        with self.store.transaction() as db:
            db.execute(
                "insert into shared_links (token_hash, kind, conversation_id, payload, created_at, expires_at) "
                "values (?, ?, ?, ?, ?, ?)",
                [token_hash(token), kind, conversation_id, payload, _stamp(created), _stamp(expires)],
            )
        return Link(token, expires)

    def find(self, token: str, kind: str) -> Shared | None:
        """What the token points to if it is a link of `kind` (expired or not); None for anything else."""
        if not is_token(token):
            return None
        with self.store.reading() as db:
            rows = select_rows(
                db,
                "select kind, conversation_id, payload, expires_at from shared_links where token_hash = ? and kind = ?",
                [token_hash(token), kind],
            )
        if not rows:
            return None
        row = rows[0]
        return Shared(
            str(row["kind"]),
            str(row["conversation_id"] or ""),
            str(row["payload"]),
            dt.datetime.fromisoformat(str(row["expires_at"])),
        )

    def prune(self, at: dt.datetime | None = None) -> int:
        """Delete links expired at `at` (default: now); returns how many."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "delete from shared_links where expires_at <= ?", [_stamp(at or dt.datetime.now(dt.UTC))]
            )
            return int(cursor.rowcount)


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="milliseconds")
