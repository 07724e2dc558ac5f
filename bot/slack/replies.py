"""Answering in Slack threads: turns come from the inbox, replies go through the outbox (crash-safe both ways).

A turn is written to the inbox before Slack is acknowledged (middleware), answered here under its conversation's
lock, and its replies are queued in the outbox in the same transaction that removes it from the inbox. The
replies are then posted from this thread at once; whatever fails is retried by the outbox worker.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.advisor.questions import question_bank
from bot.errors import AdvisorError, ConnectionLost, InputError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import messages as msg
from bot.slack.charts import CHART, chart_outgoing
from bot.slack.delivery import ClientFor, SlackSender, no_retry
from bot.slack.least_privilege import with_mention_hint
from bot.slack.priority import AckGate
from bot.slack.progress import progress_reactions
from bot.slack.streaming import streamable
from bot.slack.workspace import Workspace, current
from bot.storage.inbox import Outcome
from bot.storage.outbox import NOTICE
from bot.storage.store import Conversation
from bot.workflows.conversation import ConversationKey, Reply
from bot.workflows.interaction import QuickAnswer, quick_answer
from bot.workflows.summary import STATUS_LABELS, stale_decision

log = logging.getLogger(__name__)

POSTED_WAIT = 1.0  # seconds a click may wait for its question message's ts to be recorded
DM_THREAD = "dm"  # the thread of the one conversation a DM's top-level messages shared before DMs had threads
TOP_LEVEL = "top"  # the inbox key's thread for top-level DM messages that belong to no assessment
ANSWERING = "answering"  # a question answered: its message is rebuilt from stored state when queued ...
ANSWERED = "answered"  # ... as this update (kept stored, like the question round it changes)


@dataclass(frozen=True)
class SlackTurn:
    """One user message routed to a conversation: where it lives and where to answer."""

    key: ConversationKey
    user: str
    text: str
    channel: str
    ts: str
    reply_thread: str | None
    inbox_id: int | None = None  # set once the turn is written to the inbox


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: a post in the thread, or an update of an existing message."""

    kind: str
    message: dict[str, Any]
    op: str = "post"
    target_ts: str | None = None


@dataclass(frozen=True)
class Addressed:
    """An outgoing message with where it goes: an inbox turn's reply."""

    channel: str
    thread_ts: str | None
    conversation_id: str | None
    outgoing: Outgoing
    workspace: Workspace | None = None  # where the turn came from (None: the conversation's workspace)


def reply_thread_of(conversation: Conversation) -> str | None:
    """The thread to answer in for a stored conversation (None: top level of a DM)."""
    thread = conversation.thread
    return None if thread in ("", DM_THREAD) else thread


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


# --- rendering ---


def render(reply: Reply) -> Outgoing:
    """The Slack message for an advisor reply: the card (with its metadata), a question round, or text."""
    if reply.kind == "recommendation" and reply.recommendation is not None:
        rec = reply.recommendation
        return Outgoing(
            "recommendation",
            {
                "text": bk.card_text(rec),
                "blocks": bk.to_dicts(bk.card_blocks(rec, reply.conversation_id, reply.notes)),
                "metadata": bk.card_metadata(rec, reply.conversation_id, reply.recommendation_id).to_dict(),
            },
        )
    if reply.kind == "questions":
        blocks = bk.question_blocks(reply.intro, reply.questions, reply.conversation_id, reply.notes)
        kind = "questions"
    else:
        blocks = bk.text_blocks(reply.text)
        kind = "message"
    return Outgoing(kind, {"text": bk.clip(bk.escape(reply.text), bk.MESSAGE_TEXT_MAX), "blocks": bk.to_dicts(blocks)})


def chart_for(services: Services, reply: Reply) -> list[Outgoing]:
    """The cost chart upload that goes with a new card version (none for other replies, or with charts off)."""
    message = chart_outgoing(reply) if services.settings.advisor_slack_charts else None
    return [] if message is None else [Outgoing(CHART, message)]


def card_update(reply: Reply) -> Outgoing:
    """A recommendation as an update of the conversation's card: the outbox finds the card when it sends the
    update (after any card post queued before it), and posts it as the card when there is none."""
    if reply.kind != "recommendation" or reply.recommendation is None:
        raise ValueError("only a recommendation updates the card")
    return dataclasses.replace(render(reply), op="update", target_ts=None)


def notice(text: str) -> Outgoing:
    """A plain message telling the user something went wrong."""
    return Outgoing(NOTICE, {"text": bk.clip(bk.escape(text), bk.MESSAGE_TEXT_MAX)})


# --- delivery ---


def queue(
    services: Services,
    channel: str,
    thread_ts: str | None,
    conversation_id: str | None,
    outgoing: list[Outgoing],
    workspace: Workspace | None = None,
) -> list[int]:
    """Queue messages for the thread (inside the caller's transaction, if any), addressed to `workspace` (default:
    the request's, else the conversation's): the sender posts them with that workspace's bot token."""
    where = workspace or current() or _conversation_workspace(services, conversation_id)
    return [
        services.outbox.enqueue(
            channel,
            thread_ts,
            o.message,
            conversation_id=conversation_id,
            kind=o.kind,
            op=o.op,
            target_ts=o.target_ts,
            team_id=where.team_id if where else None,
            enterprise_id=where.enterprise_id if where else None,
        )
        for o in outgoing
    ]


def _conversation_workspace(services: Services, conversation_id: str | None) -> Workspace | None:
    """The workspace a stored conversation is scoped to, without its org: the last resort, for messages of turns
    received before inbox items kept their workspace (single-workspace mode, where the bot token posts them)."""
    if not conversation_id:
        return None
    try:
        return Workspace(services.store.get_conversation(conversation_id).team or None)
    except AdvisorError:
        return None


def payload_workspace(payload: dict[str, Any]) -> Workspace | None:
    """The workspace an inbox item was received from (items written before it was kept: None)."""
    found = payload.get("workspace")
    if not isinstance(found, dict):
        return None
    return Workspace(found.get("team_id") or None, found.get("enterprise_id") or None)


def _workspace_payload() -> dict[str, str | None] | None:
    where = current()
    return None if where is None else {"team_id": where.team_id, "enterprise_id": where.enterprise_id}


def deliver(services: Services, client: WebClient, channel: str, thread_ts: str | None) -> int:
    """Post what is due in the thread now, in order, with the request's client (authorized for the thread's
    workspace); anything that fails is left to the outbox worker."""
    sender = SlackSender(no_retry(client), services.outbox.record_stream)
    # Charts are drawn by the outbox worker: drawing one here would hold up the next turns.
    return services.outbox.flush(sender, channel=channel, thread_ts=thread_ts, defer=frozenset({CHART}))


def post_reply(services: Services, client: WebClient, channel: str, thread_ts: str | None, reply: Reply) -> str:
    """Queue the advisor's reply (card, questions or message) for the thread and post it; returns the message ts
    ("" when Slack didn't take it yet: the outbox worker retries)."""
    ids = queue(services, channel, thread_ts, reply.conversation_id, [render(reply)])
    deliver(services, client, channel, thread_ts)
    row = services.outbox.get(ids[-1])
    return str(row["ts"]) if row and row.get("ts") else ""


# --- turns ---


def turn_payload(turn: SlackTurn) -> dict[str, Any]:
    """What the inbox keeps of a message turn."""
    return {
        "key": dataclasses.asdict(turn.key),
        "user": turn.user,
        "text": turn.text,
        "channel": turn.channel,
        "ts": turn.ts,
        "reply_thread": turn.reply_thread,
        "workspace": _workspace_payload(),
    }


def queue_turn(services: Services, turn: SlackTurn, dedupe: list[str] | None = None) -> SlackTurn | None:
    """Write the turn to the inbox (None when a dedupe key was seen before: a redelivery)."""
    item = services.inbox.add("message", str(turn.key), turn_payload(turn), dedupe or [])
    return None if item is None else dataclasses.replace(turn, inbox_id=item)


def run_turn(services: Services, client: WebClient, turn: SlackTurn, gate: AckGate | None = None) -> None:
    """Answer one user message (writing it to the inbox first if it isn't there yet), showing progress when it
    takes a while (`gate`: the app's, which schedules the turn's work behind the acks)."""
    progress = progress_reactions(services.settings.advisor_slack_progress_after)
    with told_on_failure(client, turn.channel, turn.reply_thread), progress.showing(client, turn.channel, turn.ts):
        if turn.inbox_id is None and queue_turn(services, turn) is None:
            return
        try:
            answer_turns(services, client, str(turn.key), turn.channel, turn.reply_thread, gate)
        except ConnectionLost as exc:  # the turn is in the inbox: answered (by any replica) once the database is back
            log.warning("turn deferred: %s (channel=%s thread=%s)", exc, turn.channel, turn.reply_thread)


def queue_quick_answer(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    channel: str,
    find: Callable[[str], Conversation] | None = None,
) -> tuple[int | None, Conversation]:
    """Write a quick-answer click in `channel` to the inbox; returns the item (None for a repeated click) and the
    conversation.

    `find` looks the named conversation up (raising if it may not be acted on; default: by id). InputError when
    the payload doesn't name a question of a conversation in the channel it came from.
    """
    parts = str(action.get("action_id") or "").split(":")
    try:
        data = json.loads(action.get("value") or "{}")
    except ValueError:
        raise InputError(msg.ANSWER_MALFORMED) from None
    if len(parts) < 2 or not isinstance(data, dict) or parts[1] not in question_bank():
        raise InputError(msg.ANSWER_MALFORMED)
    conv = (find or services.store.get_conversation)(str(data.get("c") or ""))
    try:
        chosen = quick_answer(parts[1], data.get("v"))
    except InputError:
        raise InputError(msg.ANSWER_NOT_OFFERED) from None
    if channel != conv.channel:
        raise InputError(msg.ANSWER_OTHER_CHANNEL)
    message = body.get("message") or {}
    field = chosen.field
    # The button must be on a question message the app posted for this very assessment, asking this field:
    # naming an assessment and a channel isn't enough (a click on one assessment's question can't answer another's).
    message_ts = str(message.get("ts") or (body.get("container") or {}).get("message_ts") or "")
    posted = _posted(services, conv.channel, message_ts, conv.id)
    if (
        posted is None
        or posted["conversation_id"] != conv.id
        or posted["kind"] != "questions"
        or f"q:{field}" not in _block_ids(posted["original"])
    ):
        raise InputError(msg.ANSWER_OTHER_MESSAGE)
    user = bk.user_id((body.get("user") or {}).get("id"))  # it is shown as <@user>
    payload = {
        "conversation_id": conv.id,
        "user": user,
        "field": field,
        "value": chosen.value,
        "label": chosen.label,
        "channel": conv.channel,
        "reply_thread": reply_thread_of(conv),
        "message_ts": message_ts,
        "workspace": _workspace_payload(),
    }
    # One answer per question message: a double click or a second person's click is dropped.
    item = services.inbox.add("answer", conv.key, payload, [f"answer:{conv.channel}:{message_ts}:{field}"])
    return item, conv


def answer_turns(
    services: Services,
    client: WebClient,
    conversation_key: str,
    channel: str,
    thread_ts: str | None,
    gate: AckGate | None = None,
) -> None:
    """Answer the conversation's unanswered turns in order, then post the replies (`gate`: the app's; each turn's
    work waits for the acks in flight and a free slot, bot/slack/priority.py; the posting does not)."""
    answering = gate.answering if gate is not None else nullcontext

    def work(item: dict[str, Any]) -> Outcome:
        with answering():
            return run_item(services, item)

    services.inbox.drain(
        conversation_key,
        work,
        lambda item: give_up(services, item),
        lambda outcomes: queue_replies(services, outcomes),
    )
    deliver(services, client, channel, thread_ts)


TURN_KINDS = ("message", "answer")  # Slack's inbox rows (a shared database may hold Teams' too)


def resume(services: Services, client: WebClient | ClientFor, *, older_than: float = 0.0) -> int:
    """After a restart (or, on a shared database, now and then): answer the turns nobody is answering, received or
    started at least `older_than` seconds ago; post what is due (`client`: the bot's, or each item's workspace's)."""
    answered = services.inbox.resume(
        lambda item: run_item(services, item),
        lambda item: give_up(services, item),
        lambda outcomes: queue_replies(services, outcomes),
        older_than=older_than,
        kinds=TURN_KINDS,
    )
    sender = SlackSender(no_retry(client) if isinstance(client, WebClient) else client, services.outbox.record_stream)
    services.outbox.flush(sender)
    return answered


def coherent(replies: list[Addressed]) -> list[Addressed]:
    """The replies of turns answered together, without the ones a later reply makes stale: a question round
    followed by another round or a card, and a card followed by a newer card. Messages, notices and updates stay."""
    kept = []
    for i, reply in enumerate(replies):
        later = {r.outgoing.kind for r in replies[i + 1 :] if r.conversation_id == reply.conversation_id}
        kind = reply.outgoing.kind
        if (kind == "questions" and later & {"questions", "recommendation"}) or (
            kind in ("recommendation", CHART) and kind in later
        ):
            continue
        kept.append(reply)
    return kept


def queue_replies(services: Services, outcomes: list[Outcome]) -> None:
    """Queue the replies of inbox turns answered together (called inside the inbox's transaction)."""
    threads: dict[str, tuple[str, str | None, Workspace | None]] = {}
    for reply in coherent([r for outcome in outcomes for r in outcome.replies]):
        outgoing: Outgoing | None = reply.outgoing
        if outgoing is not None and outgoing.kind == ANSWERING:
            outgoing = _rebuilt(services, reply.channel, outgoing)
        if outgoing is not None:
            queue(services, reply.channel, reply.thread_ts, reply.conversation_id, [outgoing], reply.workspace)
        if reply.conversation_id:
            threads[reply.conversation_id] = (reply.channel, reply.thread_ts, reply.workspace)
    for cid, (channel, thread, workspace) in threads.items():
        queue(services, channel, thread, cid, rereview(services, cid), workspace)


def rereview(services: Services, conversation_id: str) -> list[Outgoing]:
    """The lead's notice, once per decision, when the answers changed after it: the decision now needs re-review
    (summaries, digests, the App Home and the export say so too)."""
    decided = stale_decision(services.store, conversation_id)
    if decided is None:
        return []
    text = msg.REREVIEW_NOTICE.format(
        lead=bk.user_id(decided["user"]), status=STATUS_LABELS.get(str(decided["status"]), str(decided["status"]))
    )
    return [Outgoing("message", {"text": text})]


def run_item(services: Services, item: dict[str, Any]) -> Outcome:
    """Run one inbox turn (a message or a quick answer) through the advisor; the replies are queued when the inbox
    finishes the group (`queue_replies`)."""
    p = item["payload"]
    started = time.monotonic()
    channel, thread = str(p["channel"]), p.get("reply_thread")
    conversation_id: str | None = p.get("conversation_id")
    outcome: str
    restore = False
    try:
        if item["kind"] == "answer":
            chosen = _stored_answer(p)
            reply = services.advisor.take_quick_answer(p["conversation_id"], p["user"], chosen)
            if services.settings.advisor_slack_least_privilege:
                reply = with_mention_hint(reply, channel)
            outgoing = [*_answered_update(p, chosen), render(reply), *chart_for(services, reply)]
        elif p["key"]["thread"] == TOP_LEVEL:  # a DM message that belongs to no assessment (middleware routes)
            reply = services.advisor.answer_outside(p["text"])
            outgoing = [render(reply)]
            if services.settings.advisor_slack_streaming:  # a knowledge answer, streamed where there is a thread
                outgoing = [streamable(o, str(p["user"]), str(p["key"]["team"])) for o in outgoing]
        else:
            reply = services.advisor.handle(ConversationKey(**p["key"]), p["user"], p["text"])
            if services.settings.advisor_slack_least_privilege:  # follow-ups in a channel thread need a mention
                reply = with_mention_hint(reply, channel)
            outgoing = [render(reply), *chart_for(services, reply)]
            if services.settings.advisor_slack_streaming:  # prose is streamed to the one who asked
                outgoing = [streamable(o, str(p["user"]), str(p["key"]["team"])) for o in outgoing]
        conversation_id, outcome = reply.conversation_id, reply.kind
    except ConnectionLost:  # not the turn's fault: the inbox keeps it for another attempt
        raise
    except AdvisorError as exc:
        outgoing, outcome, restore = [notice(msg.ERROR_INPUT.format(error=exc))], "rejected", True
    except Exception:
        log.exception("unexpected error while answering (channel=%s thread=%s)", channel, thread)
        outgoing, outcome, restore = [notice(msg.ERROR)], "error", True
    metrics.TURNS.labels("slack", outcome).inc()
    log.info(
        "turn answered",
        extra={
            "event": "turn",
            "platform": "slack",
            "kind": item["kind"],
            "conversation_id": conversation_id,
            "inbox_id": item["id"],
            "outcome": outcome,
            "latency_ms": round((time.monotonic() - started) * 1000, 1),
            "queued_ms": _since(item["created_at"]),
            "attempts": item["attempts"],
            "text": p.get("text"),
        },
    )
    where = payload_workspace(p)
    return Outcome([Addressed(channel, thread, conversation_id or None, o, where) for o in outgoing], restore=restore)


def give_up(services: Services, item: dict[str, Any]) -> Outcome:
    """A turn interrupted too many times (it may be what crashes the process): tell the user instead."""
    p = item["payload"]
    metrics.TURNS.labels("slack", "given_up").inc()
    log.error(
        "turn given up",
        extra={
            "event": "turn",
            "platform": "slack",
            "inbox_id": item["id"],
            "outcome": "given_up",
            "conversation_id": p.get("conversation_id"),
        },
    )
    where = payload_workspace(p)
    return Outcome(
        [Addressed(str(p["channel"]), p.get("reply_thread"), p.get("conversation_id"), notice(msg.ERROR), where)]
    )


def _stored_answer(p: dict[str, Any]) -> QuickAnswer:
    """The quick answer an inbox item holds: checked (`quick_answer`) before it was written, so not again; an item
    written before the label was kept is labelled from its question."""
    question = question_bank()[p["field"]]
    label = p.get("label") or next((a.label for a in question.quick_answers if a.value == p["value"]), p["value"])
    return QuickAnswer(question, p["value"], str(label))


def _answered_update(p: dict[str, Any], chosen: QuickAnswer) -> list[Outgoing]:
    """Replace the clicked question's buttons by who answered what (on the question message itself). Only the line
    is made here; the message is rebuilt from what the app posted when the reply is queued (`_rebuilt`), never
    from the blocks a payload carried."""
    if not p.get("message_ts"):
        return []
    line = msg.ANSWERED.format(
        question=bk.escape(chosen.question.text), answer=bk.escape(chosen.label), user=bk.user_id(p["user"])
    )
    return [Outgoing(ANSWERING, {"field": chosen.field, "line": line}, op="update", target_ts=str(p["message_ts"]))]


def _rebuilt(services: Services, channel: str, answered: Outgoing) -> Outgoing | None:
    """The question message as the app last queued it (this group's earlier answers included), with one more
    question answered; None when the app never posted that message."""
    posted = services.outbox.posted(channel, str(answered.target_ts or ""))
    if posted is None:
        return None
    latest, field, line = posted["latest"], answered.message["field"], answered.message["line"]
    return Outgoing(
        ANSWERED,
        {"text": latest.get("text") or line, "blocks": bk.answered_blocks(latest.get("blocks") or [], field, line)},
        op="update",
        target_ts=answered.target_ts,
    )


def _posted(services: Services, channel: str, ts: str, conversation_id: str) -> dict[str, Any] | None:
    """The question message at `ts`, waiting (at most POSTED_WAIT seconds) while the conversation has a question
    round on its way: Slack shows a message a moment before its ts is written down, and a click can come in between."""
    deadline = time.monotonic() + POSTED_WAIT
    while True:
        posted = services.outbox.posted(channel, ts)
        if (
            posted is not None
            or time.monotonic() > deadline
            or not services.outbox.posting(conversation_id, "questions")
        ):
            return posted
        time.sleep(0.02)


def _block_ids(message: dict[str, Any]) -> set[str]:
    return {str(b.get("block_id")) for b in message.get("blocks") or [] if isinstance(b, dict)}


def _since(stamp: str) -> float | None:
    try:
        created = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return round((dt.datetime.now(dt.UTC) - created).total_seconds() * 1000, 1)
