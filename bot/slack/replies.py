"""Posting the advisor's replies into Slack threads, with progress indicators and errors told to the user."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.advisor.conversation import ConversationKey, Reply
from bot.errors import AdvisorError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import messages as msg

log = logging.getLogger("bot.slack")

DM_THREAD = "dm"  # the conversation key's thread for top-level messages in a direct message


@dataclass(frozen=True)
class Turn:
    """One user message routed to a conversation: where it lives and where to answer."""

    key: ConversationKey
    user: str
    text: str
    channel: str
    ts: str
    reply_thread: str | None


def reply_thread_of(conversation: dict[str, Any]) -> str | None:
    """The thread to answer in for a stored conversation (None: top level of a DM)."""
    thread = conversation.get("thread")
    return None if thread in (None, "", DM_THREAD) else str(thread)


@contextmanager
def told_on_failure(client: WebClient, channel: str, thread_ts: str | None) -> Iterator[None]:
    """Turn any failure inside the block into a clear message in the thread (never silence, never a traceback)."""
    try:
        yield
    except AdvisorError as exc:
        _say(client, channel, thread_ts, msg.ERROR_INPUT.format(error=exc))
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.error("slack api call failed after retries: %s (channel=%s thread=%s)", error, channel, thread_ts)
        _say(client, channel, thread_ts, msg.ERROR_SLACK.format(error=error))
    except Exception:
        log.exception("unexpected error while answering (channel=%s thread=%s)", channel, thread_ts)
        _say(client, channel, thread_ts, msg.ERROR)


def _say(client: WebClient, channel: str, thread_ts: str | None, text: str) -> None:
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=bk.clip(bk.escape(text), 3000))
    except Exception as exc:  # the user can't be told; at least the log says so
        log.error("could not tell the user about a failure in %s: %s", channel, type(exc).__name__)


@contextmanager
def working(client: WebClient, channel: str, ts: str) -> Iterator[None]:
    """Show progress with a reaction on the user's message while the block runs (best effort)."""
    added = False
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=msg.WORKING_REACTION)
        added = True
    except Exception as exc:
        log.debug("progress reaction not added: %s", exc)
    try:
        yield
    finally:
        if added:
            try:
                client.reactions_remove(channel=channel, timestamp=ts, name=msg.WORKING_REACTION)
            except Exception as exc:
                log.debug("progress reaction not removed: %s", exc)


def post_reply(services: Services, client: WebClient, channel: str, thread_ts: str | None, reply: Reply) -> str:
    """Post the advisor's reply (card, questions or message) in the thread; returns the message ts."""
    if reply.kind == "recommendation" and reply.recommendation is not None:
        rec = reply.recommendation
        resp = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=bk.card_text(rec),
            blocks=bk.to_dicts(bk.card_blocks(rec, reply.conversation_id, reply.notes)),
            metadata=bk.card_metadata(rec, reply.conversation_id, reply.recommendation_id),
        )  # fmt: skip
        services.store.save_card(reply.conversation_id, channel, str(resp["ts"]))
        return str(resp["ts"])
    if reply.kind == "questions":
        first, _, _ = reply.text.partition("\n")
        intro = "" if first.startswith("1. ") else first
        blocks = bk.question_blocks(intro, reply.questions, reply.conversation_id, reply.notes)
    else:
        blocks = bk.text_blocks(reply.text)
    resp = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=bk.clip(bk.escape(reply.text), 3000),
                                   blocks=bk.to_dicts(blocks))  # fmt: skip
    return str(resp["ts"])


def run_turn(services: Services, client: WebClient, turn: Turn) -> None:
    """Hand one user message to the advisor and post its reply, showing progress meanwhile."""
    with told_on_failure(client, turn.channel, turn.reply_thread), working(client, turn.channel, turn.ts):
        reply = services.advisor.handle(turn.key, turn.user, turn.text)
        post_reply(services, client, turn.channel, turn.reply_thread, reply)
