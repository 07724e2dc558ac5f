"""Assistant-panel threads (Slack's "Agents & AI Apps"): which DM threads are assistant threads, the context the
user opened them from, and the title they were given. Platform-neutral storage; the Slack adapter wraps it as
Bolt's thread context store (bot/slack/assistant.py)."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.sqlite import select_rows
from bot.storage.store import Store, now

_CONTEXT_KEYS = ("channel_id", "team_id", "enterprise_id")  # what Slack sends; nothing else is kept


class AssistantThreads:
    """The `assistant_threads` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def started(self, channel: str, thread_ts: str, *, team: str, user: str, context: dict[str, Any]) -> bool:
        """Record a new assistant thread; False when it was recorded before (a redelivered event)."""
        stamp = now()
        with self.store.transaction() as db:
            cursor = db.execute(
                "insert into assistant_threads (channel, thread_ts, team, user, context, title, created_at, "
                "updated_at) values (?, ?, ?, ?, ?, '', ?, ?) on conflict (channel, thread_ts) do nothing",
                [channel, thread_ts, team, user, json.dumps(_clean(context)), stamp, stamp],
            )
            return cursor.rowcount == 1

    def get(self, channel: str, thread_ts: str) -> dict[str, Any] | None:
        """The thread's row (context parsed), or None when it is not an assistant thread."""
        with self.store.reading() as db:
            rows = select_rows(
                db, "select * from assistant_threads where channel = ? and thread_ts = ?", [channel, thread_ts]
            )
        if not rows:
            return None
        row = dict(rows[0])
        row["context"] = json.loads(row["context"] or "{}")
        return row

    def set_title(self, channel: str, thread_ts: str, title: str) -> None:
        """Remember the title the thread was given."""
        with self.store.transaction() as db:
            db.execute(
                "update assistant_threads set title = ?, updated_at = ? where channel = ? and thread_ts = ?",
                [title, now(), channel, thread_ts],
            )

    def save_context(self, channel_id: str, thread_ts: str, context: dict[str, Any]) -> None:
        """Store the channel the user is looking at (a thread not seen starting is recorded now)."""
        stamp = now()
        with self.store.transaction() as db:
            db.execute(
                "insert into assistant_threads (channel, thread_ts, team, user, context, title, created_at, "
                "updated_at) values (?, ?, '', '', ?, '', ?, ?) on conflict (channel, thread_ts) do update set "
                "context = excluded.context, updated_at = excluded.updated_at",
                [channel_id, thread_ts, json.dumps(_clean(context)), stamp, stamp],
            )


def _clean(context: dict[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (context or {}).items() if k in _CONTEXT_KEYS and isinstance(v, str) and len(v) < 40}
