"""Crash-safe intake: user turns are written down before the platform is acknowledged, and answered from here.

Answering a turn snapshots its conversation (the conversation row and how many turns, intake versions and
recommendations it has), runs the advisor, then queues the replies in the outbox in the same transaction that
removes the turn. A process killed part-way leaves the turn and its snapshot behind: on the next run the
conversation is put back as it was and the turn is answered again, so every answer counts exactly once and
the replies are queued once.

Turns of one conversation are answered one at a time, oldest first. Turns that arrive while one is being answered
(two people answering at the same moment) join it: they are answered in order and committed together, so the
adapter can say one coherent next step instead of a reply per turn (see `QueueReplies`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.errors import ConnectionLost
from bot.storage.group_commit import GroupCommit
from bot.storage.sqlite import Database, insert_row, prompt_transaction, select_rows, update_row
from bot.storage.store import Store, ago, now

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 3  # a turn that kills the process this often is given up (told to the user), not retried forever
MAX_GROUP = 20  # turns answered together at most (bounds the work a crash makes redo)
# The rows one turn adds to a conversation; anything else (feedback, decisions, delivery) is left alone.
TURN_TABLES = ("turns", "intake_versions", "recommendations")


@dataclass
class Outcome:
    """What answering a turn produced: the `replies` to send (the adapter's own type), and whether to `restore`
    the conversation as it was before the turn (it failed, and the replies tell the user instead)."""

    replies: list[Any] = field(default_factory=list)
    restore: bool = False


Work = Callable[[dict[str, Any]], Outcome]
# Queues the replies of turns answered together, oldest first (runs inside the inbox's transaction).
QueueReplies = Callable[[list[Outcome]], None]


class Inbox:
    """The persisted queue of received turns (table `inbox`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # `add` runs on the ack path: its own connection and lock, so an ack never waits for the store's lock while
        # listener threads or the outbox worker hold it (SQLite still orders the writes; each is one short commit).
        self._intake_db, self._intake_lock = store.connection()
        if self._intake_db is not store.db and store.dialect == "sqlite":
            self._intake_db.execute("PRAGMA busy_timeout = 0")  # prompt_transaction waits, in finer steps
        # Concurrent acks commit together (bot/storage/group_commit.py). Not on a connection shared with the store:
        # there, a write could join a transaction another thread has open and be acknowledged before it commits.
        self._intake = (
            GroupCommit(lambda: prompt_transaction(self._intake_db, self._intake_lock))
            if self._intake_db is not store.db
            else None
        )

    def _write(self, write: Callable[[Database], T]) -> T:
        """Run `write` on the ack path's connection in a transaction (with other acks' writes, when it has its own)."""
        if self._intake is not None:
            return self._intake.run(write)
        with prompt_transaction(self._intake_db, self._intake_lock) as db:
            return write(db)

    def add(self, kind: str, conversation_key: str, payload: dict[str, Any], dedupe: Iterable[str] = ()) -> int | None:
        """Write a received turn down with its `dedupe` keys; None (no turn written) when any key was seen before.

        The keys are recorded either way, so a redelivery under a new event id is recognised next time too.
        """
        stamp = now()
        keys = list(dedupe)

        def write(db: Database) -> int | None:
            fresh = [_record_key(db, key, stamp) for key in keys]
            if not all(fresh):
                return None
            return insert_row(
                db,
                "inbox",
                {
                    "conversation_key": conversation_key,
                    "kind": kind,
                    "payload": json.dumps(payload),
                    "state": "pending",
                    "attempts": 0,
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )

        return self._write(write)

    def mark_seen(self, key: str) -> bool:
        """Record a dedupe key (a replayed command's trigger_id, an ignored event's id) on the ack path's own
        connection; True when it is new, False when it was recorded before (as `Store.mark_seen`)."""
        stamp = now()
        return self._write(lambda db: _record_key(db, key, stamp))

    def unfinished(self, conversation_key: str | None = None) -> list[dict[str, Any]]:
        """Turns not answered yet, oldest first (of one conversation, or all)."""
        where, params = ("where conversation_key = ?", [conversation_key]) if conversation_key else ("", [])
        with self.store.reading() as db:
            rows = select_rows(db, f"select * from inbox {where} order by id", params)
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows

    def waiting(self) -> int:
        """How many turns are not answered yet."""
        with self.store.reading() as db:
            return int(db.execute("select count(*) from inbox").fetchone()[0])

    def drain(self, conversation_key: str, work: Work, give_up: Work, queue_replies: QueueReplies) -> int:
        """Answer the conversation's unanswered turns in order with `work`; returns how many were answered.

        `give_up` answers a turn that was interrupted too often (it must not run the advisor again);
        `queue_replies` queues the replies of each group of turns answered together.
        """
        answered = 0
        with self.store.conversation_lock(conversation_key):
            while True:
                pending = self.unfinished(conversation_key)
                if not pending:
                    return answered
                done, more = self._answer_group(pending[0], work, give_up, queue_replies)
                answered += done
                # A group ends when its last look found no turn left (then a turn written since is its own
                # caller's to answer: that caller waits for this lock, then reads the inbox) or at MAX_GROUP.
                if not more:
                    return answered

    def resume(
        self,
        work: Work,
        give_up: Work,
        queue_replies: QueueReplies,
        *,
        older_than: float = 0.0,
        kinds: Sequence[str] = (),
    ) -> int:
        """Answer every turn nobody is answering: left by a previous process, or (PostgreSQL) by a replica that
        died. A conversation whose lock someone holds is skipped: its holder answers its turns. With `older_than`
        (seconds), only conversations with a turn received or started at least that long ago: the ones a live
        process is about to answer are left to it. With `kinds`, only turns of those kinds (one platform's: a
        database may hold Slack's and Teams' turns, each answered by its own server)."""
        before = ago(older_than / 86400) if older_than else now()
        where, params = "updated_at <= ?", [before]
        if kinds:
            where += f" and kind in ({', '.join('?' * len(kinds))})"
            params += list(kinds)
        with self.store.reading() as db:
            keys = [
                str(r[0])
                for r in db.execute(
                    f"select conversation_key from inbox where {where} group by 1 order by min(id)", params
                )
            ]
        answered = 0
        for key in keys:
            with self.store.conversation_lock(key, wait=False) as mine:
                if not mine:
                    continue
                if not answered:
                    log.info("inbox: answering turns left unanswered (conversation %s first)", key[:12])
                answered += self.drain(key, work, give_up, queue_replies)
        return answered

    def _answer_group(
        self, first: dict[str, Any], work: Work, give_up: Work, queue_replies: QueueReplies
    ) -> tuple[int, bool]:
        """Answer `first` and every turn of its conversation that arrives meanwhile; queue their replies together.
        Returns how many were answered, and whether turns were left waiting (the group was full).

        Each turn is marked started with the snapshot from before the group, so a crash anywhere undoes the whole
        group, which is then answered again.
        """
        key = str(first["conversation_key"])
        with self.store.transaction() as db:
            if first["snapshot"]:
                log.warning("inbox: turn %s was interrupted; undoing its partial effects", first["id"])
                _restore(db, json.loads(first["snapshot"]))
            group_snapshot = _snapshot(db, key)
            # The first turn starts from the group's snapshot: marked started in the same transaction.
            attempts = _mark_started(db, first, group_snapshot)
        before = group_snapshot
        outcomes: list[Outcome] = []
        done: list[int] = []
        item: dict[str, Any] | None = first
        more = False
        while item is not None:
            outcomes.append(self._run({**item, "attempts": attempts}, work, give_up, before))
            done.append(int(item["id"]))
            later = [r for r in self.unfinished(key) if int(r["id"]) not in done]
            item = later[0] if later and len(done) < MAX_GROUP else None
            more = bool(later) and item is None
            if item is not None:
                with self.store.transaction() as db:
                    before = _snapshot(db, key)
                    attempts = _mark_started(db, item, group_snapshot)
        with self.store.transaction() as db:
            queue_replies(outcomes)
            db.execute(f"delete from inbox where id in ({', '.join('?' * len(done))})", done)
        return len(done), more

    def _run(self, item: dict[str, Any], work: Work, give_up: Work, before: dict[str, Any]) -> Outcome:
        """One turn's outcome; a failed turn's partial effects are undone at once (the group goes on)."""
        if item["attempts"] > MAX_ATTEMPTS:
            log.error("inbox: turn %s failed %d times; giving up", item["id"], item["attempts"] - 1)
            outcome = give_up(item)
        else:
            try:
                outcome = work(item)
            except ConnectionLost:  # not the turn's fault: it stays queued, and is undone and answered again later
                raise
            except Exception:  # work tells the user itself; this is a bug in it: undo, and drop the turn
                log.exception("inbox: answering turn %s failed", item["id"])
                outcome = Outcome(restore=True)
        if outcome.restore:
            with self.store.transaction() as db:
                _restore(db, before)
        return outcome


def _record_key(db: Database, key: str, stamp: str) -> bool:
    """Record a dedupe key in `processed_events`; False when it was there already."""
    return bool(
        db.execute(
            "insert into processed_events (key, created_at) values (?, ?) on conflict (key) do nothing", [key, stamp]
        ).rowcount
        == 1
    )


def _mark_started(db: Database, item: dict[str, Any], group_snapshot: dict[str, Any]) -> int:
    """Mark a turn started, with the snapshot a crash puts its group back to; returns its attempts so far."""
    attempts = int(item["attempts"]) + 1
    update_row(
        db,
        "inbox",
        item["id"],
        {"state": "started", "snapshot": json.dumps(group_snapshot), "attempts": attempts, "updated_at": now()},
    )
    return attempts


# The newest row of each of TURN_TABLES of a conversation, in one statement.
_MARKS = "select " + ", ".join(
    f"(select coalesce(max(id), 0) from [{t}] where conversation_id = ?)" for t in TURN_TABLES
)


def _snapshot(db: Database, key: str) -> dict[str, Any]:
    rows = select_rows(db, "select * from conversations where key = ? limit 1", [key])
    if not rows:
        return {"key": key, "conversation": None}
    conv = rows[0]
    newest = db.execute(_MARKS, [conv["id"]] * len(TURN_TABLES)).fetchone()
    return {"key": key, "conversation": conv, "marks": dict(zip(TURN_TABLES, newest, strict=True))}


def _restore(db: Database, snapshot: dict[str, Any]) -> None:
    """Put a conversation back as the snapshot found it (deleting it if it did not exist then)."""
    rows = select_rows(db, "select * from conversations where key = ? limit 1", [snapshot["key"]])
    before = snapshot["conversation"]
    if before is not None and (not rows or rows[0]["id"] != before["id"]):
        # The turn archived the conversation and started a new project under its key: drop the new one, and the
        # old one takes its key back below.
        for row in rows:
            for table in TURN_TABLES:
                db.execute(f"delete from [{table}] where conversation_id = ?", [row["id"]])
            db.execute("delete from conversations where id = ?", [row["id"]])
        rows = [before]
    if not rows:
        return
    cid = rows[0]["id"]
    marks = snapshot.get("marks") or {}
    for table in TURN_TABLES:
        db.execute(f"delete from [{table}] where conversation_id = ? and id > ?", [cid, marks.get(table, 0)])
    if before is None:
        db.execute("delete from conversations where id = ?", [cid])
    else:
        update_row(db, "conversations", cid, {k: v for k, v in before.items() if k != "id"})
