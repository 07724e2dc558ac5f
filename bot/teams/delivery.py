"""Teams' side of crash-safe delivery (bot/storage/outbox.py): the advisor's replies are queued as outbox rows and
sent from there, in the request that brought the message or, later, proactively.

A row holds the reply (the advisor's `Reply`, rendered when it is sent, or a leads' card or text already made: a
summary, a digest, a decision's refreshed summary) and the conversation reference to send it to (service URL,
conversation and tenant ids, bot and user accounts: never a secret). The card's cost chart link is
made when the card is sent, so the database never holds a working link (only its hash, bot/storage/links.py).

Teams has no idempotency key and a bot cannot read a conversation's history, so a send cannot be looked for
afterwards (`find` finds nothing): a row is claimed, sent, and marked sent at once, and only a process that dies
between the connector's answer and that mark (the same few milliseconds as Slack's) sends the row again after
recovery, i.e. the reply shows twice rather than never. 429 (after its Retry-After), 408 and 5xx answers and lost
connections are retried with the outbox's backoff; other 4xx answers are final: the row is recorded as dead and
logged, and the conversation is told once (bot/storage/outbox.py's failure notice).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from microsoft_agents.activity import ConversationReference
from microsoft_agents.hosting.core import ClaimsIdentity, TurnContext

from bot.errors import ConnectionLost
from bot.services import Services
from bot.storage.outbox import DeliveryError, OutboxItem
from bot.teams import messages as msg
from bot.teams.files import chart_image
from bot.teams.replies import render
from bot.teams.send import card_activity, send, text_activity
from bot.workflows.conversation import Reply
from bot.workflows.summary import STATUS_LABELS, stale_decision

log = logging.getLogger(__name__)

PLATFORM = "teams"  # the outbox rows Teams' sender delivers
SEND_TIMEOUT = 60.0  # seconds one attempt may take before it counts as a lost connection
# How long replies queued by a live request are its own to send in the turn (Teams expects them there; in
# expectReplies mode they travel in the HTTP response): the worker, woken by any commit, would otherwise sometimes
# claim them first and send them proactively. Past it, the worker sends what the request could not.
IN_TURN_HOLD = 10.0
_RETRYABLE_4XX = frozenset({408, 429})

# Runs `send` with a TurnContext of the conversation a reference names; returns the posted activity's id.
Within = Callable[[dict[str, Any], Callable[[TurnContext], Awaitable[str]]], Coroutine[Any, Any, str]]


def text_reply(text: str, conversation_id: str = "") -> Reply:
    """A plain message (an error told to the user, a notice)."""
    return Reply(kind="message", conversation_id=conversation_id, text=text)


def reference_of(context: TurnContext) -> dict[str, Any]:
    """Where replies to the context's activity go, as a row keeps it."""
    reference = context.activity.get_conversation_reference()
    return reference.model_dump(mode="json", by_alias=True, exclude_none=True)


def queue(services: Services, reference: dict[str, Any], replies: list[Reply], *, hold: float = 0.0) -> list[int]:
    """Queue replies for the conversation `reference` names (joins the caller's transaction, if any), each
    conversation's followed by the lead's re-review notice when the answers changed after their decision. `hold`:
    the request answering now sends them itself (`Outbox.enqueue`); the worker gets them only after that."""
    ids: list[int] = []
    conversations: list[str] = []
    with services.store.transaction():
        for reply in replies:
            ids.append(_enqueue_reply(services, reference, reply, hold))
            if reply.conversation_id and reply.conversation_id not in conversations:
                conversations.append(reply.conversation_id)
        for cid in conversations:
            decided = stale_decision(services.store, cid)
            if decided is not None:
                label = STATUS_LABELS.get(str(decided["status"]), str(decided["status"]))
                notice = text_reply(msg.REREVIEW.format(status=label), cid)
                ids.append(_enqueue_reply(services, reference, notice, hold))
    return ids


def _enqueue(
    services: Services, reference: dict[str, Any], body: dict[str, Any], conversation_id: str, kind: str, hold: float
) -> int:
    """One row for the conversation `reference` names: `body` is {"reply": …} (the advisor's) or {"made": …}."""
    return services.outbox.enqueue(
        str(reference["conversation"]["id"]),
        None,
        {"reference": reference, **body},
        conversation_id=conversation_id or None,
        kind=kind,
        platform=PLATFORM,
        hold=hold,
    )


def _enqueue_reply(services: Services, reference: dict[str, Any], reply: Reply, hold: float) -> int:
    body = {"reply": reply.model_dump(mode="json")}
    return _enqueue(services, reference, body, reply.conversation_id, reply.kind, hold)


def queue_card(
    services: Services,
    reference: dict[str, Any],
    card: dict[str, Any],
    summary: str,
    *,
    conversation_id: str = "",
    replace: str | None = None,
    hold: float = 0.0,
) -> int:
    """Queue a card made outside the advisor's replies (the leads' summary and digest cards). `replace`: the posted
    card it updates in place (a fresh card is posted if Teams won't edit that one)."""
    made = {"card": card, "summary": summary, "replace": replace}
    kind = "update" if replace else "message"
    return _enqueue(services, reference, {"made": made}, conversation_id, kind, hold)


def queue_text(
    services: Services, reference: dict[str, Any], text: str, *, conversation_id: str = "", hold: float = 0.0
) -> int:
    """Queue a plain message made outside the advisor's replies (a leads' notice)."""
    return _enqueue(services, reference, {"made": {"text": text}}, conversation_id, "message", hold)


async def send_queued(services: Services, context: TurnContext) -> None:
    """Send what the outbox holds for this conversation, now, in this turn.

    Deliberately the outbox's own path (claim, send with this request's context, mark sent), not a direct send
    beside it: a row is then never sent both here and by the worker, one that fails here is retried by the
    worker with backoff (proactively), and replies still arrive in the turn as Teams expects (in expectReplies
    mode, in the response itself). Rows behind an earlier one still waiting for its retry are left to the
    worker, in order.
    """
    sender = TeamsSender(services, asyncio.get_running_loop(), in_turn(context))
    conversation = str(context.activity.conversation.id)
    try:
        await asyncio.to_thread(services.outbox.flush, sender, channel=conversation, thread_ts=None, fresh=True)
    except ConnectionLost as exc:  # the rows stay queued: the worker sends them once the database is back
        log.warning("Teams replies deferred: %s", exc)


def classify(exc: BaseException) -> DeliveryError:
    """A failed connector call as a DeliveryError: 429/408/5xx and lost connections are retried, other 4xx not."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        error = f"http_{exc.status}"
        if exc.status == 429:
            return DeliveryError(error, retryable=True, retry_after=_retry_after(exc.headers))
        if exc.status >= 500 or exc.status in _RETRYABLE_4XX:
            return DeliveryError(error, retryable=True, maybe_sent=True)
        return DeliveryError(error, retryable=False)
    if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError | concurrent.futures.TimeoutError):
        return DeliveryError(f"connection_{type(exc).__name__}", retryable=True, maybe_sent=True)
    return DeliveryError(type(exc).__name__, retryable=True, maybe_sent=True)


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("retry-after") or 1.0))
    except (TypeError, ValueError):  # an HTTP date, or nonsense: a second is a safe guess
        return 1.0


def in_turn(context: TurnContext) -> Within:
    """Send in the request being answered (its context: Teams' expectReplies mode gets the reply in the response)."""

    async def within(_: dict[str, Any], send: Callable[[TurnContext], Awaitable[str]]) -> str:
        return await send(context)

    return within


def proactive(adapter: Any, app_id: str) -> Within:
    """Send into the stored conversation as the bot `app_id` ("" in anonymous mode), outside any request."""

    async def within(stored: dict[str, Any], send: Callable[[TurnContext], Awaitable[str]]) -> str:
        continuation = ConversationReference.model_validate(stored).get_continuation_activity()
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            # Caught here: the adapter would hand it to its turn-error handler, which tells the user, not us.
            try:
                outcome["id"] = await send(context)
            except Exception as exc:
                outcome["error"] = exc

        if app_id:
            await adapter.continue_conversation(app_id, continuation, callback)
        else:  # anonymous mode (no app registration): nothing to sign with, as for replies in a request
            await adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation, callback)
        if "error" in outcome:
            raise outcome["error"]
        return str(outcome.get("id", ""))

    return within


class TeamsSender:
    """Sends Teams outbox rows through `within` (in a request, or proactively) on the server's event `loop`.

    `send` is called from the outbox's threads (never the loop's): it reads the database there, then waits for the
    connector calls it runs on the loop.
    """

    platform = PLATFORM

    def __init__(
        self, services: Services, loop: asyncio.AbstractEventLoop, within: Within, *, timeout: float = SEND_TIMEOUT
    ) -> None:
        self.services = services
        self.loop = loop
        self.within = within
        self.timeout = timeout

    def send(self, item: OutboxItem) -> str:
        """Post the reply; a recommendation replaces the conversation's card in place when there is one (and says
        so). Returns the posted (or replaced) activity's id ("" when the channel gave none)."""
        if "made" in item.message:
            return self._send_made(item, item.message["made"])
        reply = Reply.model_validate(item.message["reply"])
        chart = None
        if reply.kind == "recommendation" and reply.recommendation is not None:  # each card version links its own
            chart = chart_image(self.services, reply.conversation_id, reply.recommendation.tco)
        rendered = render(reply, chart)
        target = None
        if reply.kind == "recommendation" and rendered.card is not None:
            posted = self.services.store.card(reply.conversation_id)
            if posted and posted["channel"] == item.channel and posted["ts"]:
                target = str(posted["ts"])

        async def deliver(context: TurnContext) -> str:
            if target is not None and rendered.card is not None:
                try:
                    await context.update_activity(card_activity(rendered.card, rendered.summary, activity_id=target))
                except Exception as exc:
                    failure = classify(exc)
                    if failure.retryable:  # Teams is busy: the whole row is retried, never a second card
                        raise
                    # deleted, or too old to edit: a fresh card instead
                    log.info("card %s could not be updated (%s); posting it again", target, failure.error)
                else:
                    await send(context, text_activity(msg.CARD_UPDATED))
                    return target
            return await send(context, rendered.activity()) or ""

        return self._run(item, deliver)

    def _send_made(self, item: OutboxItem, made: dict[str, Any]) -> str:
        """A card or text made by the caller; a card with `replace` updates that posted card in place."""
        card, target = made.get("card"), made.get("replace")

        async def deliver(context: TurnContext) -> str:
            if card is None:
                return await send(context, text_activity(str(made.get("text") or ""))) or ""
            if target:
                try:
                    await context.update_activity(card_activity(card, str(made["summary"]), activity_id=target))
                    return str(target)
                except Exception as exc:
                    if classify(exc).retryable:  # Teams is busy: the row is retried, never a second card
                        raise
                    log.info("card %s could not be updated (%s); posting it again", target, type(exc).__name__)
            return await send(context, card_activity(card, str(made["summary"]))) or ""

        return self._run(item, deliver)

    def _run(self, item: OutboxItem, deliver: Callable[[TurnContext], Awaitable[str]]) -> str:
        future = asyncio.run_coroutine_threadsafe(self.within(item.message["reference"], deliver), self.loop)
        try:
            return future.result(self.timeout)
        except Exception as exc:
            future.cancel()
            raise classify(exc) from exc

    def find(self, item: OutboxItem) -> str | None:
        """Nothing to look in: a bot can't read a Teams conversation's messages (see the module docstring)."""
        return None

    def failure_notice(self, item: OutboxItem, error: str) -> dict[str, Any] | None:
        """Tell the conversation that a reply could not be delivered (never silence)."""
        reference = item.message.get("reference")
        if not reference:
            return None
        notice = text_reply(msg.UNDELIVERED.format(error=error), item.conversation_id or "")
        return {"reference": reference, "reply": notice.model_dump(mode="json")}
