"""Slack's assistant panel ("Agents & AI Apps") through Bolt's `Assistant` middleware.

A new assistant thread gets a short greeting and suggested prompts; each thread is one conversation (its key is
the DM channel and the thread's ts, as for any DM thread); while a turn runs the thread shows a status instead of
the ⏳ reaction; once the use case is known the thread is named after it. The context the user opened the panel
from (`assistant_thread_context_changed`) is kept in the project's database, not in message metadata.

Turns reach the listener through the same middleware as every message (routing, dedupe, the inbox), so cards,
quick answers and knowledge answers work in the panel as they do in channels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Assistant, BoltContext, BoltRequest, BoltResponse
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore
from slack_bolt.context.set_status import SetStatus
from slack_sdk import WebClient

from bot.advisor import message_kind
from bot.advisor.extract import clean_text
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import summary_for_turn
from bot.slack.priority import AckGate
from bot.slack.replies import Outgoing, SlackTurn, answer_turns, deliver, queue, queue_turn, told_on_failure
from bot.slack.workspace import scope_of
from bot.storage.assistant_threads import AssistantThreads
from bot.workflows.record import short_use_case

log = logging.getLogger(__name__)

GREETING = (
    "Hi! I help decide between fine-tuning, prompt engineering or a hybrid for an AI feature. Describe what you "
    "want to build (the task, labeled data, volume, deadline, team) and I'll ask what's missing, then post a "
    "recommendation card with 3-year costs. Or ask me anything about the topic."
)
SUGGESTED_TITLE = "Try one of these:"
SUGGESTED_PROMPTS = (
    {"title": "Fine-tune a ticket classifier?", "message": "Should we fine-tune our ticket classifier?"},
    {"title": "Cost at 2M requests a month", "message": "What does fine-tuning cost at 2M requests a month?"},
    {"title": "The six-step framework", "message": "Explain the six-step framework"},
    {"title": "When is a hybrid right?", "message": "When is a hybrid of fine-tuning and prompting the right choice?"},
)
STATUS_READING = "reading your answers…"
STATUS_KNOWLEDGE = "checking the knowledge base…"
TITLE_MAX = 60


class ThreadContextStore(AssistantThreadContextStore):
    """Bolt's thread context store, kept in the `assistant_threads` table."""

    def __init__(self, threads: AssistantThreads) -> None:
        self.threads = threads

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        """Store the context (the channel the user is looking at)."""
        self.threads.save_context(channel_id, thread_ts, context)

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        """The stored context, if any."""
        row = self.threads.get(channel_id, thread_ts)
        return AssistantThreadContext(row["context"]) if row and row["context"] else None


def status_for(text: str) -> str:
    """What the thread shows while the turn runs: a question about the topic goes to the knowledge base."""
    cleaned = clean_text(text)
    has_number = any(ch.isdigit() for ch in cleaned)
    if message_kind.classify(cleaned, has_facts=has_number) == "topic_question":
        return STATUS_KNOWLEDGE
    return STATUS_READING


def title_for(use_case: str | None) -> str | None:
    """The thread's title for a use case: its first clause, on one short line."""
    if not use_case or not use_case.strip():
        return None
    return short_use_case(use_case, TITLE_MAX)


@contextmanager
def showing(set_status: SetStatus | None, status: str) -> Iterator[None]:
    """Show `status` in the assistant thread while the block runs (best effort: a status is never worth a
    failed turn). Slack clears it when the reply is posted; it is cleared explicitly too, for a turn that posts
    nothing."""
    if set_status is None:
        yield
        return
    try:
        set_status(status)
    except Exception as exc:
        log.debug("assistant status not set: %s", type(exc).__name__)
    try:
        yield
    finally:
        try:
            set_status("")
        except Exception as exc:
            log.debug("assistant status not cleared: %s", type(exc).__name__)


# The only events Bolt's Assistant middleware acts on (its listeners and its sub-event check).
_ASSISTANT_EVENTS = frozenset({"message", "assistant_thread_started", "assistant_thread_context_changed"})


class _Assistant(Assistant):
    """Bolt's `Assistant`, passing every other request (mentions, actions, commands) straight on: it would try
    each of its listeners' matchers on them first, ~1/8 of a mention's ack (profiled, issue #17)."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event = req.body.get("event") if req.body.get("type") == "event_callback" else None
        if not isinstance(event, dict) or event.get("type") not in _ASSISTANT_EVENTS:
            return next()
        return super().process(req=req, resp=resp, next=next)


def build(services: Services, team: SlackLeads, gate: AckGate | None = None) -> Assistant:
    """The `Assistant` middleware with the advisor's listeners (`gate`: the app's ack gate, if any)."""
    threads = AssistantThreads(services.store)
    assistant = _Assistant(thread_context_store=ThreadContextStore(threads), logger=logging.getLogger(__name__))

    @assistant.thread_started
    def started(payload: dict[str, Any], context: BoltContext, client: WebClient, set_suggested_prompts: Any) -> None:
        thread = payload.get("assistant_thread") or {}
        channel, thread_ts = str(thread.get("channel_id") or ""), str(thread.get("thread_ts") or "")
        user = str(thread.get("user_id") or context.user_id or "")
        if not channel or not thread_ts:  # Slack always names both: a malformed event has no thread to greet
            log.warning("assistant_thread_started without a channel or thread ignored")
            return
        if not threads.started(
            channel, thread_ts, team=scope_of(context), user=user, context=thread.get("context") or {}
        ):
            return  # seen before: greeted already
        queue(services, channel, thread_ts, None, [Outgoing("message", {"text": bk.escape(GREETING)})])
        deliver(services, client, channel, thread_ts)
        try:
            set_suggested_prompts(prompts=list(SUGGESTED_PROMPTS), title=SUGGESTED_TITLE)
        except Exception as exc:
            log.warning("suggested prompts not set: %s", type(exc).__name__)

    @assistant.thread_context_changed
    def context_changed(payload: dict[str, Any]) -> None:
        thread = payload.get("assistant_thread") or {}
        channel, thread_ts = str(thread.get("channel_id") or ""), str(thread.get("thread_ts") or "")
        if channel and thread_ts:
            threads.save_context(channel, thread_ts, thread.get("context") or {})

    def in_assistant_thread(body: dict[str, Any]) -> bool:
        event = body.get("event") or {}
        return threads.get(str(event.get("channel") or ""), str(event.get("thread_ts") or "")) is not None

    # Bolt concatenates `matchers` to a list (its type hint says a single matcher, which would fail there).
    @assistant.user_message(matchers=[in_assistant_thread])  # type: ignore[arg-type]
    def user_message(context: BoltContext, client: WebClient, set_status: SetStatus, set_title: Any) -> None:
        turn: SlackTurn | None = context.get("turn")
        summary: SlackTurn | None = context.get("summary")
        if turn is None:
            if summary is not None:
                summary_for_turn(services, team, client, summary)
            return
        with told_on_failure(client, turn.channel, turn.reply_thread), showing(set_status, status_for(turn.text)):
            if turn.inbox_id is None and queue_turn(services, turn) is None:
                return
            # acks first (`gate`): the turn is safe in the inbox meanwhile
            answer_turns(services, client, str(turn.key), turn.channel, turn.reply_thread, gate)
        name_thread(services, threads, turn, set_title)

    return assistant


def name_thread(services: Services, threads: AssistantThreads, turn: SlackTurn, set_title: Any) -> None:
    """Title the assistant thread after the conversation's use case, once it is known (and when it changes)."""
    thread_ts = turn.reply_thread or ""
    conversation = services.store.find_conversation(str(turn.key))
    row = threads.get(turn.channel, thread_ts)
    if conversation is None or row is None:
        return
    title = title_for(services.store.latest_intake(conversation.id).values.use_case)
    if title is None or title == row["title"]:
        return
    try:
        set_title(title)
    except Exception as exc:
        log.warning("assistant thread title not set: %s", type(exc).__name__)
        return
    threads.set_title(turn.channel, thread_ts, title)
