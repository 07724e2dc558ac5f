"""Global middleware: ignore noise, route messages to conversations, drop duplicates, log requests.

Listeners can rely on `context["turn"]` for conversation events; nothing else reaches them.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot import metrics
from bot.services import Services
from bot.slack.blocks import USER_ID
from bot.slack.listeners.leads import is_summary_request
from bot.slack.markup import plain_text
from bot.slack.replies import TOP_LEVEL, SlackTurn, queue_turn, reply_thread_of
from bot.slack.workspace import scope_of
from bot.workflows.conversation import ConversationKey

log = logging.getLogger(__name__)

CONVERSATION_EVENTS = frozenset({"app_mention", "message"})
# Other events with a listener of their own; they pass the conversation routing untouched.
OTHER_EVENTS = frozenset(
    {
        "app_home_opened",
        "assistant_thread_started",
        "assistant_thread_context_changed",
        "app_uninstalled",  # OAuth mode: the installation is forgotten (Bolt's token revocation listeners)
        "tokens_revoked",
    }
)
# Message subtypes that are still a person talking; edits, deletions, joins, bot messages etc. are ignored.
USER_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})

Next = Callable[[], BoltResponse | None]
Middleware = Callable[..., BoltResponse | None]
# What a middleware run by `in_order` may ask for (by parameter name), as Bolt names them.
STEP_ARGUMENTS = frozenset({"body", "request", "context", "next"})


def in_order(*steps: Middleware) -> Middleware:
    """One global middleware that runs `steps` in order, with Bolt's semantics: each step gets the arguments its
    parameters name and its own `next`; a step that returns without calling `next` ends the chain with what it
    returned (Bolt answers 404 to a None then, as it would for the step alone).

    Why not one `app.use` each: Bolt builds every middleware's arguments (client, say, respond, …) on every request,
    and for six middlewares that was about a third of an ack's CPU under the profiler."""
    compiled: list[tuple[Middleware, tuple[str, ...]]] = []
    for step in steps:
        names = tuple(inspect.signature(step).parameters)
        unknown = set(names) - STEP_ARGUMENTS
        if unknown:
            raise ValueError(
                f"middleware {step.__name__} asks for {sorted(unknown)}; in_order passes {sorted(STEP_ARGUMENTS)}"
            )
        compiled.append((step, names))

    def run(body: dict[str, Any], request: BoltRequest, context: BoltContext, next: Next) -> BoltResponse | None:
        for step, names in compiled:
            called = False

            def step_next() -> None:
                nonlocal called
                called = True

            given = {"body": body, "request": request, "context": context, "next": step_next}
            returned = step(**{name: given[name] for name in names})
            if not called:
                return returned
        return next()

    return run


def _ignored() -> BoltResponse:
    return BoltResponse(status=200, body="")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _scrubbed(item)
    elif isinstance(value, list):
        value[:] = [_scrubbed(item) for item in value]
    return value


def sanitize(body: dict[str, Any], next: Next) -> BoltResponse | None:
    """Replace lone UTF-16 surrogates (JSON may escape them, e.g. "\\ud800") in the whole request, in place: no
    UTF-8 store or API can hold them, and every later step would fail on them."""
    _scrubbed(body)
    return next()


def log_requests(body: dict[str, Any], request: BoltRequest, next: Next) -> BoltResponse | None:
    """One structured line per request (no secrets, no message text)."""
    event = body.get("event") or {}
    retry = request.headers.get("x-slack-retry-num") or [""]
    metrics.EVENTS_RECEIVED.labels("slack").inc()
    log.info(
        "slack request type=%s event=%s event_id=%s command=%s action=%s retry=%s",
        body.get("type") or ("command" if "command" in body else "?"),
        event.get("type"),
        body.get("event_id"),
        body.get("command"),
        ",".join(a.get("action_id", "") for a in body.get("actions") or []),
        retry[0],
    )
    return next()


def ignore_noise(body: dict[str, Any], context: BoltContext, next: Next) -> BoltResponse | None:
    """Acknowledge and drop events that are not a person talking: bots (us included), edits, deletions,
    and event types the app doesn't handle."""
    if body.get("type") != "event_callback":
        return next()
    event = body.get("event") or {}
    if event.get("type") in OTHER_EVENTS:
        return next()
    if event.get("type") not in CONVERSATION_EVENTS:
        return _ignored()
    if event.get("subtype") not in USER_SUBTYPES or event.get("bot_id") or event.get("bot_profile"):
        return _ignored()
    user = event.get("user")
    if not user or user == context.bot_user_id:
        return _ignored()
    if not isinstance(user, str) or not USER_ID.fullmatch(user):
        log.warning("event from a malformed user id ignored")  # Slack sends U…/W… ids: a forged payload
        return _ignored()
    return next()


def route_conversations(services: Services) -> Callable[..., BoltResponse | None]:
    """Middleware that puts the conversation `SlackTurn` into the context, or drops channel chatter."""

    def route(body: dict[str, Any], context: BoltContext, next: Next) -> BoltResponse | None:
        if body.get("type") != "event_callback" or (body.get("event") or {}).get("type") in OTHER_EVENTS:
            return next()
        turn = route_event(body.get("event") or {}, scope_of(context), context.bot_user_id, services)
        if turn is None:
            return _ignored()
        if is_summary_request(turn.text):
            context["summary"] = turn  # a request for the thread's summary: not a turn of the conversation
            return next()
        context["turn"] = turn
        return next()

    return route


def route_event(event: dict[str, Any], team: str, bot_user_id: str | None, services: Services) -> SlackTurn | None:
    """Which conversation an event in workspace `team` (Bolt's `context.team_id`: the installing workspace, also
    in a Slack Connect channel) continues, if any.

    Mentions start or continue the thread's conversation; DMs always talk to the advisor (each project in a
    thread of its own); replies in a channel thread continue it only when the thread already has a conversation.
    """
    channel, ts, thread_ts = str(event.get("channel") or ""), str(event.get("ts") or ""), event.get("thread_ts")
    if not channel or not ts:
        return None
    raw = str(event.get("text") or "")
    text = plain_text(raw)  # the core reads plain text: mentions (the bot's too) and links are Slack's to undo
    user = str(event["user"])
    if event.get("type") == "app_mention":
        thread = str(thread_ts or ts)
        return SlackTurn(ConversationKey("slack", team, channel, thread), user, text, channel, ts, thread)
    if event.get("channel_type") == "im":
        if thread_ts:
            return SlackTurn(
                ConversationKey("slack", team, channel, str(thread_ts)), user, text, channel, ts, str(thread_ts)
            )
        # A top-level DM: a description opens a thread under itself; questions and thanks are answered where they
        # are; answers and follow-ups continue the user's latest assessment in its thread.
        key = services.advisor.route_top_level(ConversationKey("slack", team, channel, ts), user, text)
        if key is None:
            return SlackTurn(ConversationKey("slack", team, channel, TOP_LEVEL), user, text, channel, ts, None)
        conv = services.store.find_conversation(str(key))
        reply_thread = reply_thread_of(conv) if conv is not None else key.thread
        return SlackTurn(key, user, text, channel, ts, reply_thread)
    if not thread_ts:
        return None  # channel chatter
    if bot_user_id and f"<@{bot_user_id}" in raw:
        return None  # the app_mention event for the same message handles it
    key = ConversationKey("slack", team, channel, str(thread_ts))
    if services.store.find_conversation(str(key)) is None:
        return None
    return SlackTurn(key, user, text, channel, ts, str(thread_ts))


def dedupe(services: Services) -> Callable[..., BoltResponse | None]:
    """Middleware that drops redeliveries and writes each new turn to the inbox before Slack is acknowledged.

    A redelivery is the same event_id (Slack's retries), the same message (seen through two events) or the same
    trigger_id (a replayed command or interaction); all are persisted, so they hold across restarts. The turn and
    its dedupe keys are written in one transaction: a process killed before it commits is not acknowledged (Slack
    retries), one killed after it leaves the turn in the inbox for the next start-up.
    """

    inbox = services.inbox  # its own connection: the ack never waits for the store's lock

    def check(body: dict[str, Any], context: BoltContext, next: Next) -> BoltResponse | None:
        if body.get("type") != "event_callback":
            trigger = body.get("trigger_id")
            if trigger and not inbox.mark_seen(f"trigger:{trigger}"):
                log.info("replayed request (trigger_id seen before) ignored")
                metrics.EVENTS_DEDUPED.labels("slack").inc()
                return _ignored()
            return next()
        turn: SlackTurn | None = context.get("turn")
        keys = [f"event:{body['event_id']}"] if body.get("event_id") else []
        if turn is None:
            if keys and not inbox.mark_seen(keys[0]):
                metrics.EVENTS_DEDUPED.labels("slack").inc()
                return _ignored()
            return next()
        keys.append(f"message:{turn.key.team}:{turn.channel}:{turn.ts}")
        queued = queue_turn(services, turn, keys)
        if queued is None:
            log.info("duplicate event %s (message %s in %s) ignored", body.get("event_id"), turn.ts, turn.channel)
            metrics.EVENTS_DEDUPED.labels("slack").inc()
            return _ignored()
        context["turn"] = queued
        return next()

    return check
