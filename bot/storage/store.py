"""The store: conversations, turns, intake versions, recommendations, processed events, leads' data.

On a SQLite file (sqlite-utils; one process) by default, or on PostgreSQL (`DATABASE_URL=postgresql://…`) for any
number of replicas: the same statements on both (bot/storage/postgres.py translates), the few that differ chosen by
`self.dialect`, and each conversation's lock an advisory lock every replica sees.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.advisor.engine import Recommendation
from bot.advisor.intake import Intake, IntakeValues, Provenance
from bot.errors import InputError, NotFoundError
from bot.storage.migrations import migrate
from bot.storage.sqlite import (
    Database,
    insert_row,
    locked_transaction,
    open_database,
    select_rows,
    sqlite_utils,
    unusable_database,
    update_row,
)
from bot.text import strip_controls

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
MAX_FEEDBACK_REASONS = 3  # shown per assessment in summaries and digests


def now() -> str:
    """The current UTC time as ISO 8601 (how every timestamp is stored)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def ago(days: float, *, at: dt.datetime | None = None) -> str:
    """The stored-timestamp form of `days` before `at` (default: now), for "older than" queries."""
    return ((at or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Conversation:
    """One assessment as stored (table `conversations`): where it lives, and where its intake dialogue stands."""

    id: str
    key: str  # the platform key (str of a ConversationKey); "…#n" once archived
    platform: str
    team: str  # the workspace (Slack team id, Teams tenant id)
    channel: str
    thread: str
    user: str  # who started it
    state: str = "intake"  # "intake", then "recommended" once a card was given
    asked: list[str] = field(default_factory=list)  # fields asked (or answered without a number)
    asked_steps: list[int] = field(default_factory=list)
    expecting: list[str] = field(default_factory=list)  # what a short reply answers (fields, confirm/what-if entries)
    rounds: int = 0  # question rounds asked
    turns: int = 0  # user turns
    version: int = 0  # the latest intake version (0: none yet)
    approach: str | None = None  # the latest recommendation's approach
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def new(cls, key: str, *, platform: str, team: str, channel: str, thread: str, user: str) -> Conversation:
        """A conversation not stored yet, with a fresh id (store it with `Store.insert_conversation`)."""
        stamp = now()
        return cls(
            id=secrets.token_hex(6),
            key=key,
            platform=platform,
            team=team,
            channel=channel,
            thread=thread,
            user=user,
            created_at=stamp,
            updated_at=stamp,
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Conversation:
        """A conversation from its stored row (JSON lists decoded, NULL counters as 0)."""
        return cls(
            id=str(row["id"]),
            key=str(row["key"]),
            platform=str(row.get("platform") or ""),
            team=str(row.get("team") or ""),
            channel=str(row.get("channel") or ""),
            thread=str(row.get("thread") or ""),
            user=str(row.get("user") or ""),
            state=str(row.get("state") or "intake"),
            asked=[str(f) for f in _json_list(row.get("asked"))],
            asked_steps=[int(n) for n in _json_list(row.get("asked_steps"))],
            expecting=[str(e) for e in _json_list(row.get("expecting"))],
            rounds=int(row.get("rounds") or 0),
            turns=int(row.get("turns") or 0),
            version=int(row.get("version") or 0),
            approach=row.get("approach"),
            created_at=str(row.get("created_at") or ""),
            updated_at=str(row.get("updated_at") or ""),
        )


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        decoded = json.loads(value)
        return list(decoded) if isinstance(decoded, list) else []
    return list(value or [])


class Store:
    """One database connection shared by threads; writes are serialised by a lock and run in transactions.

    `path` is a SQLite file (or ":memory:") or a PostgreSQL URL (postgresql://…).
    """

    def __init__(self, path: Path | str, *, synchronous: str = "normal") -> None:
        self.path = str(path)
        self.synchronous = synchronous
        self.dialect = "postgres" if self.path.startswith(POSTGRES_SCHEMES) else "sqlite"  # psycopg: only then
        with unusable_database(self.path):
            self.db: Database = self._open()
        self._lock = threading.RLock()
        self._others: list[tuple[Database, threading.RLock]] = []
        # SQLite: one process, so per-conversation locks are in-process. PostgreSQL: advisory locks every replica
        # sees, and this process's id (held as an advisory lock for its lifetime, so others can tell it is alive).
        self._conversation_locks: defaultdict[str, threading.RLock] = defaultdict(threading.RLock)
        self._conversation_guard = threading.Lock()
        self.owner = 0
        self._advisory: Any = None
        with self._lock:
            with unusable_database(self.path):
                migrate(self.db)
            if self.dialect == "postgres":
                from bot.storage.postgres import LOCK_REPLICA, AdvisoryLocks

                self.owner = secrets.randbelow(2**31 - 1) + 1
                self.db.execute("select pg_advisory_lock(?, ?)", [LOCK_REPLICA, self.owner])
                self.db.on_reconnect = self._hold_replica_lock  # type: ignore[union-attr]
                self._advisory = AdvisoryLocks(self.path)

    def _hold_replica_lock(self, db: Database) -> None:
        """After a reconnection (PostgreSQL): hold a replica lock again, under a new id. The old id's lock went with
        the old connection, so whatever this process was sending under it (a send the break interrupted, or whose
        `sent` the break kept from being written) is taken over as a dead replica's would be: looked for, then
        posted only if it is not there."""
        from bot.storage.postgres import LOCK_REPLICA

        while True:
            owner = secrets.randbelow(2**31 - 1) + 1
            if db.execute("select pg_try_advisory_lock(?, ?)", [LOCK_REPLICA, owner]).fetchone()[0]:
                self.owner = owner
                return

    def _open(self) -> Database:
        if self.dialect == "postgres":
            try:
                from bot.storage.postgres import PgDatabase
            except ImportError:
                raise InputError("DATABASE_URL needs psycopg: pip install 'ai-advisor[postgres]'") from None
            return PgDatabase(self.path)
        db = open_database(self.path, synchronous=self.synchronous)
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @property
    def shared(self) -> bool:
        """Whether other processes may use this database at the same time (PostgreSQL replicas)."""
        return self.dialect == "postgres"

    def conversation_lock(self, key: str, *, wait: bool = True) -> AbstractContextManager[bool]:
        """Hold the lock that serialises turns of the conversation at `key` (re-entrant per thread): in this process
        on SQLite, across every replica on PostgreSQL. Yields False (lock not taken) only with `wait=False` when
        someone else holds it."""
        if self._advisory is not None:
            return self._advisory.hold(key, wait=wait)
        with self._conversation_guard:
            lock = self._conversation_locks[key]
        return _held(lock, wait)

    def named_lock(self, name: str) -> AbstractContextManager[bool]:
        """Hold a lock by name for the block, as `conversation_lock` does (in this process on SQLite, across every
        replica on PostgreSQL); for work other than a conversation's turns (e.g. refreshing a token)."""
        return self.conversation_lock(name)

    def replica_alive(self, owner: int) -> bool:
        """Whether the process whose `owner` id this is still holds the database (PostgreSQL; always True on
        SQLite, where the only process is this one)."""
        if self.dialect != "postgres" or owner == self.owner:
            return True
        from bot.storage.postgres import LOCK_REPLICA

        with self._lock:
            free = bool(self.db.execute("select pg_try_advisory_lock(?, ?)", [LOCK_REPLICA, owner]).fetchone()[0])
            if free:
                self.db.execute("select pg_advisory_unlock(?, ?)", [LOCK_REPLICA, owner])
        return not free

    def transaction(self) -> AbstractContextManager[Any]:
        """Run the block atomically (and exclusively within this process)."""
        return locked_transaction(self.db, self._lock)

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """Run read-only statements under the connection's lock, without a write transaction (which would take
        SQLite's write lock, and make the ack path's inbox writes wait, just to read)."""
        with self._lock:
            yield self.db

    def close(self) -> None:
        """Close the connection, and the ones `connection()` handed out."""
        if self._advisory is not None:
            self._advisory.close()
        for db, lock in self._others:
            with lock:
                db.conn.close()
        # Under the lock: a thread still using the connection (a worker that outlived its stop timeout) then gets
        # sqlite3's "closed database" error, instead of the connection closing under a running statement (a crash).
        with self._lock:
            self.db.conn.close()

    def connection(self) -> tuple[Database, threading.RLock]:
        """A connection of its own, with its own lock, for a hot path that must not queue behind this one's lock
        (the Slack ack's inbox write). An in-memory database exists only in this connection: it is shared then."""
        if self.path == ":memory:":
            return self.db, self._lock
        self._others.append((self._open(), threading.RLock()))
        return self._others[-1]

    # --- conversations ---

    def find_conversation(self, key: str) -> Conversation | None:
        """The conversation for a platform key, if any."""
        with self._lock:
            rows = select_rows(self.db, "select * from conversations where key = ? limit 1", [key])
        return Conversation.from_row(rows[0]) if rows else None

    def get_conversation(self, conversation_id: str) -> Conversation:
        """A conversation by id, or NotFoundError."""
        with self._lock:
            rows = select_rows(self.db, "select * from conversations where id = ? limit 1", [conversation_id])
        if not rows:
            raise NotFoundError(f"no assessment with id {conversation_id!r}")
        return Conversation.from_row(rows[0])

    def create_conversation(
        self, key: str, *, platform: str, team: str, channel: str, thread: str, user: str
    ) -> Conversation:
        """Create (or return the existing) conversation for `key`."""
        with self.transaction() as db:
            existing = self.find_conversation(key)
            if existing:
                return existing
            conv = Conversation.new(key, platform=platform, team=team, channel=channel, thread=thread, user=user)
            # Another replica may create it meanwhile (the key is unique): keep whichever came first.
            _insert_or_ignore(db, "conversations", "key", _conversation_row(conv))
        found = self.find_conversation(key)
        assert found is not None
        return found

    def insert_conversation(self, conv: Conversation) -> None:
        """Store a new conversation (its key must be free)."""
        with self.transaction() as db:
            insert_row(db, "conversations", _conversation_row(conv))

    def archive_conversation(self, conversation_id: str) -> None:
        """Move a conversation off its platform key, so the next message there starts a new one; everything it
        holds (turns, intakes, recommendations, decisions, feedback) stays, under its id."""
        with self.transaction() as db:
            conv = self.get_conversation(conversation_id)
            prefix = conv.key + "#"
            archived = db.execute(
                "select count(*) from conversations where substr(key, 1, ?) = ?", [len(prefix), prefix]
            ).fetchone()[0]
            update_row(db, "conversations", conversation_id, {"key": f"{prefix}{archived + 1}", "updated_at": now()})

    def update_conversation(self, conversation_id: str, **values: Any) -> None:
        """Update conversation columns (lists are stored as JSON)."""
        encoded = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in values.items()}
        encoded["updated_at"] = now()
        with self.transaction() as db:
            update_row(db, "conversations", conversation_id, encoded)

    def latest_conversation(self, platform: str, team: str, channel: str, user: str) -> Conversation | None:
        """The user's most recently active conversation in a channel (or DM), leaving out archived ones (their key
        ends in `#n`, see `archive_conversation`)."""
        newest = "rowid" if self.dialect == "sqlite" else "created_at"  # ties on updated_at: the newer row
        with self._lock:
            rows = select_rows(
                self.db,
                'select * from conversations where platform = ? and team = ? and channel = ? and "user" = ? '
                f"and key not like '%#%' order by updated_at desc, {newest} desc limit 1",
                [platform, team, channel, user],
            )
        return Conversation.from_row(rows[0]) if rows else None

    def conversations_for_user(self, user: str, limit: int = 10) -> list[Conversation]:
        """A user's most recent conversations."""
        with self._lock:
            rows = select_rows(
                self.db, 'select * from conversations where "user" = ? order by updated_at desc limit ?', [user, limit]
            )
            return [Conversation.from_row(r) for r in rows]

    # --- turns, intake versions, recommendations ---

    def add_turn(self, conversation_id: str, role: str, text: str, *, n: int | None = None) -> int:
        """Append a turn; returns its number within the conversation (1-based). `n`: that number, when the caller
        knows it (it counted the turns under the conversation's lock); else the stored turns are counted."""
        with self.transaction() as db:
            if n is None:
                row = db.execute("select count(*) from turns where conversation_id = ?", [conversation_id]).fetchone()
                n = int(row[0]) + 1 if row else 1
            insert_row(
                db,
                "turns",
                {
                    "conversation_id": conversation_id,
                    "n": n,
                    "role": role,
                    "text": strip_controls(text),
                    "created_at": now(),
                },
            )
        return int(n)

    def turn_count(self, conversation_id: str) -> int:
        """How many turns (user and bot) a conversation's transcript has."""
        with self._lock:
            row = self.db.execute("select count(*) from turns where conversation_id = ?", [conversation_id]).fetchone()
        return int(row[0]) if row else 0

    def turns(self, conversation_id: str) -> list[dict[str, Any]]:
        """All turns of a conversation in order."""
        with self._lock:
            return select_rows(self.db, "select * from turns where conversation_id = ? order by n", [conversation_id])

    def save_intake(self, conversation_id: str, intake: Intake, reason: str, *, touch: bool = True) -> int:
        """Store a new intake version; returns the version number. The conversation's `version` is set too, unless
        `touch` is False (the caller sets it in the same transaction, with its other changes to the row)."""
        with self.transaction() as db:
            row = db.execute(
                "select coalesce(max(version), 0) from intake_versions where conversation_id = ?", [conversation_id]
            ).fetchone()
            version = int(row[0]) + 1
            insert_row(
                db,
                "intake_versions",
                {
                    "conversation_id": conversation_id,
                    "version": version,
                    "values": json.dumps(_stripped(intake.values.model_dump(mode="json"))),
                    "provenance": json.dumps({k: _stripped(p.model_dump()) for k, p in intake.provenance.items()}),
                    "reason": reason,
                    "created_at": now(),
                },
            )
            if touch:
                update_row(db, "conversations", conversation_id, {"version": version, "updated_at": now()})
        return version

    def latest_intake(self, conversation_id: str) -> Intake:
        """The newest intake of a conversation (empty if none)."""
        with self._lock:
            rows = select_rows(
                self.db,
                "select * from intake_versions where conversation_id = ? order by version desc limit 1",
                [conversation_id],
            )
        if not rows:
            return Intake()
        return _intake(rows[0])

    def intake_versions(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every intake version of a conversation, oldest first."""
        with self._lock:
            return select_rows(
                self.db, "select * from intake_versions where conversation_id = ? order by version", [conversation_id]
            )

    def save_recommendation(
        self, conversation_id: str, intake_version: int, rec: Recommendation, *, touch: bool = True
    ) -> int:
        """Store a recommendation; returns its id. The conversation's `state` and `approach` are set too, unless
        `touch` is False (the caller sets them in the same transaction, with its other changes to the row)."""
        with self.transaction() as db:
            rec_id = insert_row(
                db,
                "recommendations",
                {
                    "conversation_id": conversation_id,
                    "intake_version": intake_version,
                    "approach": rec.approach,
                    "confidence": rec.confidence,
                    "payload": rec.model_dump_json(),
                    "created_at": now(),
                },
            )
            if touch:
                update_row(
                    db,
                    "conversations",
                    conversation_id,
                    {"state": "recommended", "approach": rec.approach, "updated_at": now()},
                )
        return rec_id

    def latest_recommendation(self, conversation_id: str) -> Recommendation | None:
        """The newest recommendation of a conversation, if any."""
        with self._lock:
            rows = select_rows(
                self.db,
                "select payload from recommendations where conversation_id = ? order by id desc limit 1",
                [conversation_id],
            )
        return Recommendation.model_validate_json(rows[0]["payload"]) if rows else None

    # --- delivery semantics ---

    def mark_seen(self, key: str) -> bool:
        """Record `key` (an event id or message id) as seen; True when it is new, False if it was seen before."""
        with self.transaction() as db:
            return _insert_or_ignore(db, "processed_events", "key", {"key": key, "created_at": now()})

    def forget_processed(self, before: str) -> int:
        """Delete dedupe keys recorded before `before` (ISO time); returns how many."""
        with self.transaction() as db:
            return int(db.execute("delete from processed_events where created_at < ?", [before]).rowcount)

    # --- feedback and posted cards ---

    def feedback(self, conversation_id: str) -> list[dict[str, Any]]:
        """All feedback on a conversation, oldest first."""
        with self._lock:
            return select_rows(
                self.db, "select * from feedback where conversation_id = ? order by id", [conversation_id]
            )

    def set_feedback(
        self, conversation_id: str, user: str, value: str, reason: str = "", recommendation_id: int | None = None
    ) -> str | None:
        """Set a user's one vote on a conversation (replacing their earlier one) and audit it with the optional
        reason (action "feedback": previous vote, new vote, note). Returns the previous vote, if any."""
        with self.transaction() as db:
            row = db.execute(
                'select value from feedback where conversation_id = ? and "user" = ? order by id desc limit 1',
                [conversation_id, user],
            ).fetchone()
            previous = str(row[0]) if row else None
            db.execute('delete from feedback where conversation_id = ? and "user" = ?', [conversation_id, user])
            stamp = now()
            insert_row(
                db,
                "feedback",
                {
                    "conversation_id": conversation_id,
                    "recommendation_id": recommendation_id,
                    "user": user,
                    "value": value,
                    "reason": strip_controls(reason),
                    "created_at": stamp,
                },
            )
            insert_row(
                db,
                "audit",
                {
                    "conversation_id": conversation_id,
                    "user": user,
                    "action": "feedback",
                    "previous": previous,
                    "value": value,
                    "note": strip_controls(reason),
                    "created_at": stamp,
                },
            )
        return previous

    def save_card(self, conversation_id: str, channel: str, ts: str) -> None:
        """Remember where the conversation's latest card was posted."""
        with self.transaction() as db:
            db.execute(
                "insert into cards (conversation_id, channel, ts, updated_at) values (?, ?, ?, ?) "
                "on conflict (conversation_id) do update set channel = excluded.channel, ts = excluded.ts, "
                "updated_at = excluded.updated_at",
                [conversation_id, channel, ts, now()],
            )

    def card(self, conversation_id: str) -> dict[str, Any] | None:
        """Where the conversation's latest card was posted, if anywhere."""
        with self._lock:
            rows = select_rows(self.db, "select * from cards where conversation_id = ? limit 1", [conversation_id])
        return rows[0] if rows else None

    # --- model call budget (per UTC day, shared by every process using this database) ---

    def take_llm_call(self, day: str, limit: int) -> bool:
        """Count one model call on `day` ('YYYY-MM-DD', UTC) unless `limit` were already made; False then."""
        if limit <= 0:
            return False
        with self.transaction() as db:
            # One statement, so replicas counting at the same moment never go past the limit together.
            row = db.execute(
                "insert into llm_calls (day, calls, tokens) values (?, 1, 0) "
                "on conflict (day) do update set calls = llm_calls.calls + 1 where llm_calls.calls < ? "
                "returning calls",
                [day, limit],
            ).fetchone()
        return row is not None

    def add_llm_tokens(self, day: str, tokens: int) -> None:
        """Add estimated tokens (prompt + completion) to `day`'s count."""
        with self.transaction() as db:
            db.execute(
                "insert into llm_calls (day, calls, tokens) values (?, 0, ?) "
                "on conflict (day) do update set tokens = llm_calls.tokens + excluded.tokens",
                [day, tokens],
            )

    def llm_calls(self, day: str) -> dict[str, int]:
        """Model calls and estimated tokens recorded for `day`."""
        with self._lock:
            row = self.db.execute("select calls, tokens from llm_calls where day = ?", [day]).fetchone()
        return {"calls": int(row[0]), "tokens": int(row[1])} if row else {"calls": 0, "tokens": 0}

    # --- decisions, audit, digests, retention ---

    def decision(self, conversation_id: str) -> dict[str, Any] | None:
        """The current decision on a conversation, if a lead made one."""
        with self._lock:
            rows = select_rows(self.db, "select * from decisions where conversation_id = ? limit 1", [conversation_id])
        return rows[0] if rows else None

    def record_decision(self, conversation_id: str, user: str, status: str, note: str) -> dict[str, Any]:
        """Set the decision and append an audit record with the previous value, atomically."""
        note = strip_controls(note)
        with self.transaction() as db:
            previous = self.decision(conversation_id)
            stamp = now()
            # The intake version the lead saw: once the answers change, the decision needs re-review.
            version = self.get_conversation(conversation_id).version
            row = {
                "conversation_id": conversation_id,
                "status": status,
                "note": note,
                "user": user,
                "updated_at": stamp,
                "intake_version": version,
            }
            db.execute(
                'insert into decisions (conversation_id, status, note, "user", updated_at, intake_version) '
                "values (?, ?, ?, ?, ?, ?) on conflict (conversation_id) do update set status = excluded.status, "
                'note = excluded.note, "user" = excluded."user", updated_at = excluded.updated_at, '
                "intake_version = excluded.intake_version",
                list(row.values()),
            )
            insert_row(
                db,
                "audit",
                {
                    "conversation_id": conversation_id,
                    "user": user,
                    "action": "decision",
                    "previous": previous["status"] if previous else None,
                    "value": status,
                    "note": note,
                    "created_at": stamp,
                },
            )
        return row

    def add_audit(self, conversation_id: str, user: str, action: str, value: str, note: str = "") -> None:
        """Append an audit record (e.g. which templates a posted summary used)."""
        with self.transaction() as db:
            insert_row(
                db,
                "audit",
                {
                    "conversation_id": conversation_id,
                    "user": user,
                    "action": action,
                    "previous": None,
                    "value": value,
                    "note": note,
                    "created_at": now(),
                },
            )

    def audit(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every audit record of a conversation, oldest first."""
        with self._lock:
            return select_rows(self.db, "select * from audit where conversation_id = ? order by id", [conversation_id])

    def assessments(
        self,
        *,
        platform: str | None = None,
        team: str | None = None,
        since: str | None = None,
        channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Conversations with their latest recommendation, decision and feedback counts, newest first.

        One query (with the JSON fields the digest needs pulled out by SQLite) so an export over hundreds of
        assessments does not decode every stored recommendation.
        """
        where, params = _assessment_filters(platform=platform, team=team, since=since, channel=channel)
        sql = f"""
            select {_assessment_columns(self.dialect)} {_ASSESSMENT_FROM}
            where {where}
            order by c.created_at desc, c.id
        """
        return self._assessment_rows(sql, [MAX_FEEDBACK_REASONS, *params])

    def assessment_channels(
        self, *, platform: str, team: str | None, since: str | None, channel: str | None = None
    ) -> list[str]:
        """The distinct channels with assessments matching the filters (a digest asks who may see each)."""
        where, params = _assessment_filters(platform=platform, team=team, since=since, channel=channel)
        with self._lock:
            return [
                str(r[0])
                for r in self.db.execute(
                    f"select distinct c.channel from conversations c where {where} order by 1", params
                )
            ]

    def newest_assessments(
        self,
        *,
        platform: str,
        team: str | None,
        since: str | None,
        channel: str | None,
        channels: Sequence[str] | None,
        per_approach: int,
    ) -> tuple[dict[str, int], list[dict[str, Any]]]:
        """For a digest, counted and paged in SQL: how many assessments per approach ("in_progress" for none yet)
        in `channel` and `channels` (None: any), and the newest `per_approach` of each, newest first, as
        `assessments` rows. Both read the (platform, team, created_at, approach, channel) index without touching the
        table, and only the listed rows' details are looked up."""
        where, params = _assessment_filters(
            platform=platform, team=team, since=since, channel=channel, channels=channels
        )
        with self._lock:
            counts = {
                str(approach or "in_progress"): int(n)
                for approach, n in self.db.execute(
                    f"select c.approach, count(*) from conversations c where {where} group by 1", params
                )
            }
            ids: list[str] = []
            for approach in counts:
                which, value = (
                    ("c.approach is null", []) if approach == "in_progress" else ("c.approach = ?", [approach])
                )
                ids += [
                    str(r[0])
                    for r in self.db.execute(
                        f"select c.id from conversations c where {where} and {which} "
                        "order by c.created_at desc, c.id limit ?",
                        [*params, *value, per_approach],
                    )
                ]
        rows = self._assessments_by_id(ids)
        rows.sort(key=lambda r: r["id"])
        rows.sort(key=lambda r: r["created_at"], reverse=True)  # newest first, ties by id (as `assessments`)
        return counts, rows

    def recent_decisions(
        self,
        *,
        platform: str,
        team: str | None,
        since: str | None,
        channel: str | None,
        channels: Sequence[str] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """The latest decided assessments in `channel` and `channels` (None: any), latest decision first, as
        `assessments` rows."""
        where, params = _assessment_filters(
            platform=platform, team=team, since=since, channel=channel, channels=channels
        )
        with self._lock:
            ids = [
                str(r[0])
                for r in self.db.execute(
                    # CROSS JOIN keeps SQLite from scanning every conversation for the (few) decided ones (PostgreSQL
                    # plans joins itself, and takes no ON after CROSS JOIN).
                    f"select c.id from decisions d {'join' if self.dialect == 'postgres' else 'cross join'} "
                    "conversations c on c.id = d.conversation_id "
                    f"where {where} "
                    "order by d.updated_at desc, c.id limit ?",
                    [*params, limit],
                )
            ]
        order = {cid: n for n, cid in enumerate(ids)}
        return sorted(self._assessments_by_id(ids), key=lambda r: order[r["id"]])

    def _assessments_by_id(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """`assessments` rows of the given conversations (the columns are worked out for these rows only)."""
        if not ids:
            return []
        sql = f"""
            select {_assessment_columns(self.dialect)} {_ASSESSMENT_FROM}
            where c.id in ({", ".join("?" * len(ids))})
        """
        return self._assessment_rows(sql, [MAX_FEEDBACK_REASONS, *ids])

    def _assessment_rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        with self._lock:
            rows = select_rows(self.db, sql, params)
        for row in rows:
            row["reasons"] = json.loads(row["reasons"] or "[]")
        return rows

    def feedback_reasons(self, conversation_id: str) -> list[str]:
        """The latest reasons users gave with their feedback, newest first."""
        with self._lock:
            rows = self.db.execute(
                "select reason from feedback where conversation_id = ? and reason != '' order by id desc limit ?",
                [conversation_id, MAX_FEEDBACK_REASONS],
            )
            return [str(r[0]) for r in rows]

    def purge(self, before: str, *, keep_counts: bool) -> int:
        """Delete every conversation last updated before `before` (ISO time) with everything stored about it.

        With `keep_counts`, the number of recommendations per month and approach is kept first, anonymised.
        Returns how many conversations were deleted. Deleted content is overwritten, not only unlinked, whatever
        SQLite was built with (`secure_delete` on this connection), and the write-ahead log is checkpointed and
        truncated afterwards so no copy of the deleted pages stays in it.
        """
        with self._lock:
            if self.dialect == "postgres":  # deleted rows' space is reclaimed by (auto)vacuum
                return self._purge(before, keep_counts=keep_counts)
            self.db.execute("PRAGMA secure_delete = ON")
            deleted = self._purge(before, keep_counts=keep_counts)
            if deleted:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def _purge(self, before: str, *, keep_counts: bool) -> int:
        with self.transaction() as db:
            ids = [r[0] for r in db.execute("select id from conversations where updated_at < ?", [before])]
            if not ids:
                return 0
            db.execute("create temp table if not exists purge_ids (id text primary key)")
            db.execute("delete from purge_ids")
            for conversation_id in ids:
                db.execute("insert into purge_ids values (?)", [conversation_id])
            if keep_counts:
                counted = db.execute("""
                    select substr(c.created_at, 1, 7), r.approach, count(*) from conversations c
                    join recommendations r on r.id = (select max(id) from recommendations
                                                      where conversation_id = c.id)
                    where c.id in (select id from purge_ids) group by 1, 2""").fetchall()
                for month, approach, count in counted:
                    db.execute(
                        """insert into purged_counts (month, approach, count) values (?, ?, ?)
                                  on conflict (month, approach) do update
                                  set count = purged_counts.count + excluded.count""",
                        [month, approach, count],
                    )
            # Every table that belongs to a conversation, including ones added by later migrations.
            for table in _table_names(db):
                if table != "conversations" and "conversation_id" in _columns(db, table):
                    db.execute(f"delete from [{table}] where conversation_id in (select id from purge_ids)")
            db.execute("delete from conversations where id in (select id from purge_ids)")
            db.execute("delete from purge_ids")
        return len(ids)

    def purged_counts(self) -> list[dict[str, Any]]:
        """The anonymised counts kept by `purge`."""
        with self._lock:
            return select_rows(self.db, "select * from purged_counts order by month, approach")


def _stripped(values: dict[str, Any]) -> dict[str, Any]:
    """Values as stored: strings from users without control characters."""
    return {k: strip_controls(v) if isinstance(v, str) else v for k, v in values.items()}


# Where an assessment row comes from: the conversation, its latest recommendation and its decision.
_ASSESSMENT_FROM = """
    from conversations c
    left join recommendations r on r.id = (select max(id) from recommendations where conversation_id = c.id)
    left join decisions d on d.conversation_id = c.id"""
# The columns of an assessment row (the first parameter is how many feedback reasons to list); JSON is read by the
# database: `{crossover}` and `{reasons}` are each engine's spelling.
_ASSESSMENT_COLUMNS = """
    c.id, c.platform, c.team, c.channel, c.thread, c."user", c.state, c.created_at, c.updated_at,
    c.version, d.intake_version as decided_version,
    r.approach, r.confidence, {crossover} as crossover,
    d.status as decision, d."user" as decided_by, d.updated_at as decided_at,
    (select count(*) from feedback f where f.conversation_id = c.id and f.value = 'up') as up,
    (select count(*) from feedback f where f.conversation_id = c.id and f.value = 'down') as down,
    (select {reasons} from (
        select reason from feedback f where f.conversation_id = c.id and f.reason != ''
        order by f.id desc limit ?) as latest) as reasons"""
_JSON = {
    "sqlite": {
        "crossover": "json_extract(r.payload, '$.tco.crossover_monthly_requests')",
        "reasons": "json_group_array(reason)",
    },
    "postgres": {
        "crossover": "(r.payload::jsonb #>> '{tco,crossover_monthly_requests}')::double precision",
        "reasons": "json_agg(reason)::text",
    },
}


def _assessment_columns(dialect: str) -> str:
    return _ASSESSMENT_COLUMNS.format(**_JSON[dialect])


@contextmanager
def _held(lock: threading.RLock, wait: bool) -> Iterator[bool]:
    """Hold an in-process lock for the block (yielding False at once, with `wait=False`, when it is taken)."""
    if not lock.acquire(blocking=wait):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _conversation_row(conv: Conversation) -> dict[str, Any]:
    """A new conversation's row (the columns its first insert sets)."""
    return {
        "id": conv.id,
        "key": conv.key,
        "platform": conv.platform,
        "team": conv.team,
        "channel": conv.channel,
        "thread": conv.thread,
        "user": conv.user,
        "state": conv.state,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
    }


def _insert_or_ignore(db: Database, table: str, key: str, row: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique `key` exists; whether it was inserted."""
    columns = ", ".join(f"[{name}]" for name in row)
    marks = ", ".join("?" * len(row))
    sql = f"insert into [{table}] ({columns}) values ({marks}) on conflict ([{key}]) do nothing"
    return bool(db.execute(sql, list(row.values())).rowcount == 1)


def _table_names(db: Database) -> list[str]:
    return db.table_names()


def _columns(db: Database, table: str) -> list[str]:
    if isinstance(db, sqlite_utils.Database):
        return list(db.table(table).columns_dict)
    return db.columns(table)


def _assessment_filters(
    *,
    platform: str | None = None,
    team: str | None = None,
    since: str | None = None,
    channel: str | None = None,
    channels: Sequence[str] | None = None,
) -> tuple[str, list[Any]]:
    """The where clause (on conversations `c`) and its parameters for the given filters."""
    filters = {"c.platform = ?": platform, "c.team = ?": team, "c.created_at >= ?": since, "c.channel = ?": channel}
    where = ["1 = 1", *(clause for clause, value in filters.items() if value is not None)]
    params: list[Any] = [value for value in filters.values() if value is not None]
    if channels is not None:
        where.append(f"c.channel in ({', '.join('?' * len(channels))})" if channels else "1 = 0")
        params += list(channels)
    return " and ".join(where), params


def _intake(row: dict[str, Any]) -> Intake:
    provenance = {k: Provenance(**p) for k, p in json.loads(row["provenance"]).items()}
    return Intake(values=IntakeValues.model_validate_json(row["values"]), provenance=provenance)
