"""Durable Teams turns: a typed message is written to the inbox (with its conversation reference) before Teams gets
its answer, then answered from there, as Slack's turns are (bot/storage/inbox.py).

Answering a turn queues its replies in the outbox in the same transaction that removes the turn from the inbox
(bot/teams/delivery.py), so neither the turn nor its replies can be lost in between. The request that brought the
message answers it and sends the replies in the turn. If that process dies first (a replica killed mid-turn, a
crash, a lost database connection), the turn stays in the inbox: on PostgreSQL another replica takes it over (its
conversation lock went with the dead process's connections), on SQLite the next start does, and the replies are
then sent proactively by the outbox worker through the stored conversation reference. A turn cut short part-way is
undone from its snapshot and answered again, so it counts once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from microsoft_agents.activity import Activity

from bot import metrics
from bot.errors import AdvisorError, ConnectionLost
from bot.services import Services
from bot.storage.inbox import Outcome
from bot.teams import delivery
from bot.teams import messages as msg
from bot.teams.delivery import text_reply
from bot.teams.routing import TeamsTurn
from bot.workflows.conversation import ConversationKey, Reply

log = logging.getLogger(__name__)

KIND = "teams"  # the inbox rows of Teams turns
ADOPT_EVERY = 1.0  # seconds between looks for turns nobody is answering (PostgreSQL)
ADOPT_AFTER = 2.0  # seconds a turn waits before another replica may take it (a live one answers its own sooner)


class NotTaken(Exception):
    """A Teams message could not be written down (the database is unreachable): it must not be acknowledged, so
    Teams sends it again."""


@dataclasses.dataclass(frozen=True)
class Addressed:
    """A reply and the conversation it goes to (the stored reference: the outbox may send it proactively, outside
    any request)."""

    reference: dict[str, Any]
    reply: Reply


def payload(turn: TeamsTurn, activity: Activity) -> dict[str, Any]:
    """What the inbox keeps of a message: its turn and where to reply."""
    reference = activity.get_conversation_reference()
    return {
        "key": dataclasses.asdict(turn.key),
        "user": turn.user,
        "text": turn.text,
        "reference": reference.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


class TeamsTurns:
    """Writes Teams turns to the inbox and answers them (in the request, or taken over)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def queue(self, turn: TeamsTurn, activity: Activity) -> int | None:
        """Write the message down with its dedupe key (None: a redelivery); NotTaken when the database refuses."""
        dedupe = [f"teams:{activity.conversation.id}:{activity.id}"] if activity.id else []
        try:
            return self.services.inbox.add(KIND, str(turn.key), payload(turn, activity), dedupe)
        except Exception as exc:
            raise NotTaken(str(exc) or type(exc).__name__) from exc

    def answer(self, conversation_key: str) -> int:
        """Answer the conversation's waiting turns, oldest first, queueing their replies; returns how many."""
        return self.services.inbox.drain(conversation_key, self._work, self._give_up, self._queue_held)

    def adopt(self, older_than: float) -> int:
        """Answer every turn nobody is answering, waiting at least `older_than` seconds; returns how many."""
        return self.services.inbox.resume(
            self._work, self._give_up, self._queue_replies, older_than=older_than, kinds=(KIND,)
        )

    def _queue_replies(self, outcomes: list[Outcome], hold: float = 0.0) -> None:
        """Queue the replies of turns answered together (inside the transaction that removes them from the inbox),
        each to its own conversation, in order."""
        for outcome in outcomes:
            for addressed in outcome.replies:
                delivery.queue(self.services, addressed.reference, [addressed.reply], hold=hold)

    def _queue_held(self, outcomes: list[Outcome]) -> None:
        """`_queue_replies` for turns answered in their own request, which then sends the replies itself."""
        self._queue_replies(outcomes, hold=delivery.IN_TURN_HOLD)

    def _work(self, item: dict[str, Any]) -> Outcome:
        p = item["payload"]
        try:
            reply = self.services.advisor.handle(ConversationKey(**p["key"]), p["user"], p["text"])
        except ConnectionLost:  # not the turn's fault: it stays queued
            raise
        except AdvisorError as exc:
            metrics.TURNS.labels("teams", "rejected").inc()
            return Outcome([Addressed(p["reference"], text_reply(msg.ERROR_INPUT.format(error=exc)))], restore=True)
        except Exception:
            log.exception("unexpected error in Teams turn %s", item["id"])
            metrics.TURNS.labels("teams", "error").inc()
            return Outcome([Addressed(p["reference"], text_reply(msg.ERROR))], restore=True)
        metrics.TURNS.labels("teams", reply.kind).inc()
        return Outcome([Addressed(p["reference"], reply)])

    def _give_up(self, item: dict[str, Any]) -> Outcome:
        """A turn interrupted too many times (it may be what kills the process): tell the user instead."""
        metrics.TURNS.labels("teams", "given_up").inc()
        log.error("Teams turn %s given up after repeated interruptions", item["id"])
        return Outcome([Addressed(item["payload"]["reference"], text_reply(msg.ERROR))])


async def adopt_forever(turns: TeamsTurns, kick: Callable[[], None], stop: asyncio.Event, *, shared: bool) -> None:
    """At start, answer the turns a previous run left; then (on a database replicas share) now and then those a
    replica that died left, until `stop` is set. Their replies are queued; `kick` wakes the sender that sends
    them."""
    older_than = 0.0
    while not stop.is_set():
        try:
            answered = await asyncio.to_thread(turns.adopt, older_than)
            if answered:
                log.info("answered %d Teams turn(s) nobody was answering", answered)
                kick()
        except ConnectionLost as exc:
            log.warning("adopting Teams turns: %s", exc)
        except Exception:
            log.exception("adopting Teams turns failed (retried shortly)")
        if not shared:
            return
        older_than = ADOPT_AFTER
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ADOPT_EVERY)
