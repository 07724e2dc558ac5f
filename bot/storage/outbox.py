"""Crash-safe delivery: messages are queued in the database first, then posted (and retried) by a sender.

A reply is queued in the same transaction that records the turn which produced it, so nothing the advisor said is
lost when the process dies or the platform is down. A queued message is claimed by one thread at a time and posted
in order within its thread; a failed post is retried with exponential backoff (or the platform's Retry-After) by
a background worker and after a restart. Before re-posting a message whose earlier attempt may have got through (a
timeout, a 5xx, a process killed while sending), the sender looks for the message's `uid` in the thread, so each
message is posted exactly once. The platform-specific part (posting, finding, error notices) is a `Sender`.

Rows say which `platform` delivers them: Slack's and Teams' servers may share a database, and each one's worker
delivers (and recovers after a crash) only its own platform's rows; the queue itself knows nothing about either.

An item is a post or an update of an existing message. Updates are idempotent, so a failed one is simply retried
(nothing to look for first). They keep their place in the thread's order, so an update never overtakes the post it
changes. An update of a conversation's card names no message (`target_ts` None): the card's current ts is looked up
in the `cards` table when the update is sent, i.e. after any card post queued before it, and when the conversation
has no card (its post was given up) the update is posted as the card instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot import metrics
from bot.errors import ConnectionLost
from bot.storage.sqlite import insert_row, select_rows, update_row
from bot.storage.store import Store, ago, now

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
NOTICE = "notice"  # the kind of a message that tells the user another message could not be delivered
KEPT_KINDS = frozenset({"questions", "answered"})  # kinds whose message stays stored once sent
# Attachments (a chart to draw and upload) wait for the messages before them, but never hold up the ones after.
UNORDERED_KINDS = ("chart",)


class DeliveryError(Exception):
    """A failed delivery attempt, classified by the sender."""

    def __init__(
        self, error: str, *, retryable: bool, maybe_sent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(error)
        self.error = error
        self.retryable = retryable
        self.maybe_sent = maybe_sent  # the platform may have accepted it (timeout, 5xx): look before re-posting
        self.retry_after = retry_after


@dataclass(frozen=True)
class OutboxItem:
    """One queued message as claimed for an attempt."""

    id: int
    uid: str
    conversation_id: str | None
    channel: str
    thread_ts: str | None
    op: str  # "post" or "update"
    kind: str  # "recommendation", "questions", "message", "update" or "notice"
    target_ts: str | None  # the message an "update" changes (None: the conversation's card, found when sent)
    message: dict[str, Any]
    attempts: int  # including the one in progress
    unsure: bool  # an earlier attempt may have been accepted
    created_at: float  # epoch seconds
    stream_ts: str | None = None  # a streamed post: the message an earlier attempt started streaming
    team_id: str | None = None  # the workspace it goes to (OAuth mode: whose bot token posts it)
    enterprise_id: str | None = None  # ... and that workspace's Enterprise Grid org, if any
    platform: str = "slack"  # whose sender delivers it

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxItem:
        """Build from a database row."""
        created = dt.datetime.fromisoformat(str(row["created_at"])).timestamp()
        return cls(
            id=int(row["id"]),
            uid=str(row["uid"]),
            conversation_id=row["conversation_id"],
            channel=str(row["channel"]),
            thread_ts=row["thread_ts"] or None,
            op=str(row["op"]),
            kind=str(row["kind"]),
            target_ts=row["target_ts"],
            message=json.loads(row["message"]),
            attempts=int(row["attempts"]),
            unsure=bool(row["unsure"]),
            created_at=created,
            stream_ts=row.get("stream_ts") or None,
            team_id=row.get("team_id") or None,
            enterprise_id=row.get("enterprise_id") or None,
            platform=str(row.get("platform") or "slack"),
        )


class Sender(Protocol):
    """The platform side of delivery: it delivers the rows queued for its `platform`."""

    platform: str

    def send(self, item: OutboxItem) -> str:
        """Post or update the message; return its platform id (Slack: ts). Raise DeliveryError on failure."""
        ...

    def find(self, item: OutboxItem) -> str | None:
        """The platform id of the message if an earlier attempt got through, else None."""
        ...

    def failure_notice(self, item: OutboxItem, error: str) -> dict[str, Any] | None:
        """The message telling the user that `item` could not be delivered (None: say nothing)."""
        ...


class Outbox:
    """The persisted queue of outgoing messages (table `outbox`)."""

    def __init__(
        self, store: Store, *, retry_base: float = 1.0, retry_max: float = 300.0, max_attempts: int = 20
    ) -> None:
        self.store = store
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.max_attempts = max_attempts
        self._wakers: list[Callable[[], None]] = []

    def on_pending(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a message becomes due later (a worker waiting for work)."""
        self._wakers.append(wake)

    def _wake(self) -> None:
        for wake in self._wakers:
            wake()

    # --- queueing ---

    def enqueue(
        self,
        channel: str,
        thread_ts: str | None,
        message: dict[str, Any],
        *,
        conversation_id: str | None,
        kind: str = "message",
        op: str = "post",
        target_ts: str | None = None,
        team_id: str | None = None,
        enterprise_id: str | None = None,
        platform: str = "slack",
        hold: float = 0.0,
    ) -> int:
        """Queue a message (joins the caller's transaction, if any); returns its id.

        An update without `target_ts` changes the conversation's card (see the module docstring). `team_id` and
        `enterprise_id` name the workspace (and org) it goes to: the sender posts it with that installation's token.
        `platform` names the sender that delivers it. `hold` keeps it from the worker for that many seconds, for a
        request that sends it itself (`flush(..., fresh=True)`); the worker takes it only if that request fails
        or dies.
        """
        if op not in ("post", "update"):
            raise ValueError(f"unknown outbox operation {op!r}")
        if op == "update" and not target_ts and not conversation_id:
            raise ValueError("an update needs the message it changes, or the conversation whose card it changes")
        with self.store.transaction() as db:
            return insert_row(
                db,
                "outbox",
                {
                    "uid": secrets.token_hex(8),
                    "conversation_id": conversation_id,
                    "channel": channel,
                    "thread_ts": thread_ts or "",
                    "op": op,
                    "kind": kind,
                    "target_ts": target_ts,
                    "message": json.dumps(message, ensure_ascii=False),
                    "state": PENDING,
                    "attempts": 0,
                    "unsure": 0,
                    "next_attempt_at": time.time() + hold if hold > 0 else 0.0,
                    "created_at": now(),
                    "team_id": team_id,
                    "enterprise_id": enterprise_id,
                    "platform": platform,
                },
            )

    def get(self, item_id: int) -> dict[str, Any] | None:
        """A row of the queue, as stored."""
        with self.store.reading() as db:
            rows = select_rows(db, "select * from outbox where id = ?", [item_id])
        return rows[0] if rows else None

    def posted(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message posted at `ts` in `channel` through the outbox: its conversation, kind, the message as posted
        (`original`) and as last queued (`latest`: the newest update aimed at it, sent or still pending). None when
        the outbox never posted it: a click on it names a message the app doesn't know."""
        if not ts:
            return None
        with self.store.transaction() as db:
            post = select_rows(
                db,
                "select * from outbox where channel = ? and op = 'post' and ts = ? order by id desc limit 1",
                [channel, ts],
            )
            if not post:
                return None
            latest = select_rows(
                db,
                "select * from outbox where channel = ? and op = 'update' and target_ts = ? order by id desc limit 1",
                [channel, ts],
            )
        original = json.loads(post[0]["message"])
        return {
            "conversation_id": post[0]["conversation_id"],
            "kind": post[0]["kind"],
            "original": original,
            "latest": json.loads(latest[0]["message"]) if latest else original,
        }

    def record_stream(self, item_id: int, ts: str) -> None:
        """Remember that a message started streaming at `ts` (committed at once): a retry after the stream broke
        off finishes that message instead of posting a second copy."""
        with self.store.transaction() as db:
            db.execute("update outbox set stream_ts = ? where id = ?", [ts, item_id])

    def posting(self, conversation_id: str, kind: str) -> bool:
        """Whether a post of `kind` for the conversation is still on its way (its ts not recorded yet)."""
        with self.store.transaction() as db:
            row = db.execute(
                "select 1 from outbox where conversation_id = ? and op = 'post' and kind = ? and "
                "state in (?, ?) limit 1",
                [conversation_id, kind, PENDING, SENDING],
            ).fetchone()
        return row is not None

    def counts(self, platform: str | None = None) -> dict[str, int]:
        """How many messages (of every platform, or of one) are in each state."""
        where, params = ("where platform = ?", [platform]) if platform else ("", [])
        with self.store.reading() as db:
            sql = f"select state, count(*) from outbox {where} group by state"
            return {str(s): int(n) for s, n in db.execute(sql, params)}

    def counts_by_platform(self) -> dict[tuple[str, str], int]:
        """How many messages are in each state, by (platform, state)."""
        with self.store.reading() as db:
            rows = db.execute("select platform, state, count(*) from outbox group by platform, state")
            return {(str(p or "slack"), str(s)): int(n) for p, s, n in rows}

    def oldest_unsent(self, platform: str | None = None) -> float | None:
        """When the oldest message not posted yet (pending or being sent), of every platform or of one, was queued
        (epoch seconds), if any."""
        where, params = ("and platform = ?", [platform]) if platform else ("", [])
        with self.store.reading() as db:
            # ids grow with created_at: the smallest comes from the (state, …) index without reading any payload
            row = db.execute(
                f"select created_at from outbox where id = (select min(id) from outbox where state in (?, ?) {where})",
                [PENDING, SENDING, *params],
            ).fetchone()
        return dt.datetime.fromisoformat(str(row[0])).timestamp() if row and row[0] is not None else None

    def next_due(self, platform: str = "slack") -> float | None:
        """When the earliest pending message of `platform` is due (epoch seconds), if any."""
        with self.store.reading() as db:
            row = db.execute(
                "select min(next_attempt_at) from outbox where state = ? and platform = ?", [PENDING, platform]
            ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def recover(self, platform: str = "slack") -> int:
        """Messages of `platform` that were being sent by a process that stopped are pending again (and maybe
        posted already, so they are looked for first). Returns how many.

        SQLite (one process): every message being sent, at start-up. PostgreSQL: those of replicas that are gone
        (their advisory lock is free), so a replica calls it at start-up and now and then, and never takes over a
        send that a live replica is making."""
        where = "state = ? and platform = ?"
        params: list[Any] = [SENDING, platform]
        if self.store.shared:
            with self.store.reading() as db:
                owners = [
                    r[0]
                    for r in db.execute(
                        "select distinct claimed_by from outbox where state = ? and platform = ?", [SENDING, platform]
                    )
                ]
            dead = [int(o or 0) for o in owners if not o or not self.store.replica_alive(int(o))]
            if not dead:
                return 0
            where += f" and coalesce(claimed_by, 0) in ({', '.join('?' * len(dead))})"
            params += dead
        with self.store.transaction() as db:
            cursor = db.execute(
                f"update outbox set state = ?, unsure = 1, next_attempt_at = 0 where {where}", [PENDING, *params]
            )
            recovered = int(cursor.rowcount)
        if recovered and self.store.shared:
            log.warning("outbox: took over %d message(s) a stopped replica was sending", recovered)
        return recovered

    def prune(self, older_than_days: float = 7.0) -> int:
        """Forget messages sent or given up more than `older_than_days` ago (`sent_at` is set on both)."""
        with self.store.transaction() as db:
            cursor = db.execute(
                "delete from outbox where state in (?, ?) and coalesce(sent_at, created_at) < ?",
                [SENT, DEAD, ago(older_than_days)],
            )
            return int(cursor.rowcount)

    # --- delivering ---

    def _claim(self, item_id: int, platform: str = "slack", *, fresh: bool = False) -> OutboxItem | None:
        """Mark a due message of `platform` as being sent, unless another thread has it or an earlier one in its
        thread waits. `fresh`: a message never tried yet is due even while held (see `enqueue`).

        The row says `unsure` from here on (a kill mid-send leaves it so); the item keeps the value from before.
        """
        with self.store.transaction() as db:
            # PostgreSQL: a row another replica is claiming right now is skipped, not waited for.
            lock = " for update skip locked" if self.store.shared else ""
            rows = select_rows(db, f"select * from outbox where id = ?{lock}", [item_id])
            if (
                not rows
                or rows[0]["state"] != PENDING
                or rows[0]["platform"] != platform
                or (float(rows[0]["next_attempt_at"] or 0) > time.time() and not (fresh and not rows[0]["attempts"]))
            ):
                return None
            row = rows[0]
            earlier = db.execute(
                "select 1 from outbox where channel = ? and thread_ts = ? and id < ? and state in (?, ?) "
                f"and kind not in ({', '.join('?' * len(UNORDERED_KINDS))}) limit 1",
                [row["channel"], row["thread_ts"], item_id, PENDING, SENDING, *UNORDERED_KINDS],
            ).fetchone()
            if earlier:
                return None
            db.execute(
                "update outbox set state = ?, attempts = attempts + 1, unsure = 1, claimed_by = ? where id = ?",
                [SENDING, self.store.owner, item_id],
            )
        return OutboxItem.from_row({**row, "attempts": int(row["attempts"]) + 1})

    def _resolved(self, item: OutboxItem) -> OutboxItem:
        """The item as it is to be sent now: an update of the conversation's card aimed at where the card is now
        (every card post queued before it has been sent or given up by then), or posted when there is no card."""
        if item.op != "update" or item.target_ts:
            return item
        card = self.store.card(item.conversation_id) if item.conversation_id else None
        if card is None:
            return dataclasses.replace(item, op="post")
        return dataclasses.replace(item, channel=str(card["channel"]), target_ts=str(card["ts"]))

    def deliver(self, item_id: int, sender: Sender, *, fresh: bool = False) -> bool:
        """Attempt one queued message; True when it is delivered (now or by an earlier attempt). `fresh`: as for
        `_claim`."""
        item = self._claim(item_id, sender.platform, fresh=fresh)
        if item is None:
            return False
        was_unsure = item.unsure
        started = time.monotonic()
        outcome = "sent"
        try:
            item = self._resolved(item)
            if item.op == "update":
                outcome = "updated"
            ts = sender.find(item) if was_unsure and item.op == "post" else None
            if ts:
                outcome = "found"
            else:
                ts = sender.send(item)
        except DeliveryError as exc:
            self._failed(item, exc, was_unsure, sender, started)
            return False
        except Exception as exc:  # an unexpected library error: retry later, and look before re-posting
            log.exception("unexpected error delivering outbox message %s", item.id)
            self._failed(
                item, DeliveryError(type(exc).__name__, retryable=True, maybe_sent=True), was_unsure, sender, started
            )
            return False
        self._sent(item, ts)
        metrics.DELIVERIES.labels(outcome).inc()
        log.info(
            "message delivered",
            extra={
                "event": "delivery",
                "outbox_id": item.id,
                "outcome": outcome,
                "conversation_id": item.conversation_id,
                "kind": item.kind,
                "attempts": item.attempts,
                "latency_ms": _ms(started),
            },
        )
        return True

    def _sent(self, item: OutboxItem, ts: str) -> None:
        with self.store.transaction() as db:
            # The payload is no longer needed (and may quote the user): keep only where it went. Question rounds
            # and their answered updates are kept (until pruned or purged with their conversation): a click on
            # one is checked against, and its message rebuilt from, what was posted, never the payload's copy.
            kept = {"state": SENT, "ts": ts, "sent_at": now(), "error": None}
            if item.kind not in KEPT_KINDS:
                kept["message"] = "{}"
            update_row(db, "outbox", item.id, kept)
            if item.kind == "recommendation" and item.op == "post" and item.conversation_id:
                self.store.save_card(item.conversation_id, item.channel, ts)

    def _failed(self, item: OutboxItem, exc: DeliveryError, was_unsure: bool, sender: Sender, started: float) -> None:
        unsure = was_unsure or exc.maybe_sent
        give_up = not exc.retryable or item.attempts >= self.max_attempts
        delay = 0.0
        with self.store.transaction() as db:
            if give_up:
                update_row(
                    db, "outbox", item.id, {"state": DEAD, "unsure": int(unsure), "error": exc.error, "sent_at": now()}
                )
                # The sender decides whether the thread is told (e.g. a cosmetic update's failure is not worth it).
                notice = sender.failure_notice(item, exc.error) if item.kind != NOTICE else None
                if notice is not None:
                    self.enqueue(
                        item.channel,
                        item.thread_ts,
                        notice,
                        conversation_id=item.conversation_id,
                        kind=NOTICE,
                        team_id=item.team_id,
                        enterprise_id=item.enterprise_id,
                        platform=item.platform,
                    )
            else:
                # Retry-After when given (but never sooner than half the base delay), else exponential backoff.
                delay = (
                    max(exc.retry_after, self.retry_base / 2)
                    if exc.retry_after is not None
                    else self.backoff(item.attempts)
                )
                update_row(
                    db,
                    "outbox",
                    item.id,
                    {
                        "state": PENDING,
                        "unsure": int(unsure),
                        "next_attempt_at": time.time() + delay,
                        "error": exc.error,
                    },
                )
        level = logging.ERROR if give_up else logging.WARNING
        metrics.DELIVERIES.labels("dead" if give_up else "retry").inc()
        log.log(
            level,
            "message not delivered: %s",
            exc.error,
            extra={
                "event": "delivery",
                "outbox_id": item.id,
                "conversation_id": item.conversation_id,
                "kind": item.kind,
                "outcome": "dead" if give_up else "retry",
                "attempts": item.attempts,
                "retry_in_s": round(delay, 3),
                "latency_ms": _ms(started),
            },
        )
        self._wake()

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after `attempts` failed attempts: exponential, capped, with jitter."""
        delay = min(self.retry_max, self.retry_base * 2 ** max(0, attempts - 1))
        return delay * (0.5 + random.random() / 2)

    def due(
        self,
        channel: str | None = None,
        thread_ts: str | None = None,
        limit: int = 100,
        *,
        platform: str = "slack",
        fresh: bool = False,
    ) -> list[tuple[int, str]]:
        """(id, kind) of the pending messages of `platform` that are due, oldest first (optionally of one thread);
        with `fresh`, also those never tried that are held for the request that queued them."""
        due = "(next_attempt_at <= ? or attempts = 0)" if fresh else "next_attempt_at <= ?"
        where, params = ["state = ?", due, "platform = ?"], [PENDING, time.time(), platform]
        if channel is not None:
            where += ["channel = ?", "thread_ts = ?"]
            params += [channel, thread_ts or ""]
        with self.store.reading() as db:
            sql = f"select id, kind from outbox where {' and '.join(where)} order by id limit ?"
            return [(int(r[0]), str(r[1])) for r in db.execute(sql, [*params, limit])]

    def flush(
        self,
        sender: Sender,
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
        limit: int = 100,
        defer: frozenset[str] = frozenset(),
        fresh: bool = False,
    ) -> int:
        """Deliver due messages of the sender's platform (of one thread, or all) in order until none is claimable;
        returns how many.

        A message that fails is not tried again within the same call (its retry is the worker's). Messages of the
        `defer` kinds (slow to send, e.g. a chart to draw) are left to the worker, which is woken for them.
        `fresh`: the caller is the request that queued them with a `hold`, so held messages are its to send.
        """
        delivered = 0
        tried: set[int] = set()
        deferred = False
        for _ in range(limit):
            progressed = False
            for item_id, kind in self.due(channel, thread_ts, limit, platform=sender.platform, fresh=fresh):
                if item_id in tried:
                    continue
                tried.add(item_id)
                if kind in defer:
                    deferred = True
                    continue
                if self.deliver(item_id, sender, fresh=fresh):
                    delivered += 1
                    progressed = True
            if not progressed:
                break
        if deferred:
            self._wake()
        return delivered


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


class OutboxWorker:
    """A background thread that delivers due messages, waking when told or when the next one is due."""

    def __init__(self, outbox: Outbox, sender: Sender, *, idle: float = 1.0) -> None:
        self.outbox = outbox
        self.sender = sender
        self.idle = idle
        self._event = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        outbox.on_pending(self.kick)

    def start(self) -> OutboxWorker:
        """Requeue what a previous process left mid-send, then deliver in the background."""
        recovered = self.outbox.recover(self.sender.platform)
        if recovered:
            log.info("outbox: %d message(s) interrupted while sending will be checked and retried", recovered)
        self._thread = threading.Thread(target=self._run, name=f"outbox-worker-{self.sender.platform}", daemon=True)
        self._thread.start()
        return self

    def kick(self) -> None:
        """Look for due messages now."""
        self._event.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._event.clear()
            try:
                if self.outbox.store.shared:  # take over what a replica that died was sending
                    self.outbox.recover(self.sender.platform)
                self.outbox.flush(self.sender)
                due = self.outbox.next_due(self.sender.platform)
            except ConnectionLost as exc:  # the database is away: the next round (after `idle`) tries again
                log.warning("outbox worker: %s", exc)
                due = None
            except Exception:  # keep delivering; the next round retries
                log.exception("outbox worker round failed")
                due = None
            wait = self.idle if due is None else min(self.idle, max(0.0, due - time.time()))
            self._event.wait(wait)

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the thread, then deliver what is due (or becomes due) within `timeout`; returns messages left."""
        self._stop.set()
        self._event.set()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.outbox.flush(self.sender)
                due = self.outbox.next_due(self.sender.platform)
            except Exception:
                log.exception("outbox flush at shutdown failed")
                break
            if due is None or due > deadline:
                break
            time.sleep(min(0.05, max(0.0, due - time.time())) or 0.01)
        return self.outbox.counts(self.sender.platform).get(PENDING, 0)
