"""The leads' workflow in Slack: thread summaries (mention or message shortcut), decisions, digests.

Every interaction names a conversation id that a forged payload could change, so each one is checked here
before anything is stored: the conversation exists, belongs to this workspace, the button was clicked on a
message in the conversation's own channel (a modal carries that channel in its private_metadata), the user may
act on it, and the summary or card it was clicked on is still current.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import AdvisorError, InputError, PermissionDeniedError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import leads_blocks as lb
from bot.slack import messages as msg
from bot.slack.access import SlackAccess, SlackLeads
from bot.slack.replies import DM_THREAD, Outgoing, SlackTurn, deliver, queue, reply_thread_of, told_on_failure
from bot.slack.workspace import scope_of
from bot.storage.store import Conversation
from bot.workflows.conversation import ConversationKey
from bot.workflows.digest import parse_period
from bot.workflows.interaction import is_stale_card
from bot.workflows.summary import STATUS_LABELS

log = logging.getLogger(__name__)

SUMMARY_SHORTCUT = "summarize_for_leads"
NOT_THERE = frozenset({"user_not_in_channel", "channel_not_found", "not_in_channel"})  # ephemeral refused: DM instead
# Possessive quantifiers (`*+`): linear on hostile text (no backtracking between adjacent runs of spaces).
_SUMMARY = re.compile(r"^\s*+(?:summary|summari[sz]e)(?:\s++for\s++leads)?\s*+(?:[.!?]\s*+)?$", re.I)
_PERIOD = re.compile(r"^(?:all|\d{1,4}[dw])$", re.I)
_CHANNEL_LINK = re.compile(r"^<#([CGD][A-Z0-9]{2,})(?:\|([^>]*))?>$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")


class UsageError(InputError):
    """A digest argument that can't be used; its message is complete as it is."""


class StaleError(PermissionDeniedError):
    """The summary a decision was made on no longer shows the assessment as it is."""


def is_summary_request(text: str) -> bool:
    """Whether a message asks for the thread's summary ("summary", "summarize for leads")."""
    return bool(_SUMMARY.match(text or ""))


def refusal(exc: AdvisorError) -> str:
    """The message a refused interaction gets (refusals carry their own message; bad input is prefixed)."""
    return msg.ERROR_INPUT.format(error=exc) if isinstance(exc, InputError) else str(exc)


def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    """Tell only the user who clicked (an ephemeral message where they clicked, else a DM from the app; also a DM
    when Slack refuses the ephemeral, e.g. to someone who isn't a member of that channel)."""
    user = bk.user_id((body.get("user") or {}).get("id"))
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    thread = container.get("thread_ts") or message.get("thread_ts")
    try:
        if channel:
            try:
                client.chat_postEphemeral(channel=str(channel), user=user, text=bk.clip(text, 3000), thread_ts=thread)
                return
            except SlackApiError as exc:
                if not user or exc.response is None or exc.response.get("error") not in NOT_THERE:
                    raise
        if user:
            client.chat_postMessage(channel=user, text=bk.clip(text, 3000))
    except Exception as exc:  # the user can't be told; at least the log says so
        log.warning(
            "could not tell %s: %s",
            user,
            exc.response.get("error", "?")
            if isinstance(exc, SlackApiError) and exc.response is not None
            else type(exc).__name__,
        )


@contextmanager
def told_privately(client: WebClient, body: dict[str, Any]) -> Iterator[None]:
    """Turn any failure inside the block into a message only the user who clicked sees (never silence)."""
    try:
        yield
    except AdvisorError as exc:
        tell(client, body, refusal(exc))
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown") if exc.response is not None else "unknown"
        log.error("slack api call failed: %s", error)
        tell(client, body, msg.ERROR_SLACK.format(error=bk.safe(str(error), 100)))
    except Exception:
        log.exception("unexpected error in an interaction")
        tell(client, body, msg.ERROR)


def clicked_channel(body: dict[str, Any]) -> str | None:
    """The channel of the message a button was clicked on; None for a click elsewhere (a modal, the App Home)
    or a payload whose channel fields disagree."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return None
    named = {str(c) for c in (container.get("channel_id"), (body.get("channel") or {}).get("id")) if c}
    return named.pop() if len(named) == 1 else None


def require_channel(conv: Conversation, channel: Any) -> None:
    """PermissionDeniedError unless an interaction came from the conversation's own channel (a button on one of
    its messages, or a modal opened from one): naming a conversation isn't enough to act on it."""
    if not channel or str(channel) != conv.channel:
        raise PermissionDeniedError(msg.OTHER_CHANNEL)


def clicked_card_is_stale(services: Services, conv: Conversation, body: dict[str, Any]) -> bool:
    """Whether a card button was clicked on another message than the conversation's latest card."""
    container = body.get("container") or {}
    clicked = container.get("message_ts") if container.get("type") == "message" else None
    card = services.store.card(conv.id)
    return is_stale_card(str(clicked or ""), str(card["ts"]) if card else None)


def acted_on(
    services: Services,
    leads: SlackLeads,
    client: WebClient,
    body: dict[str, Any],
    context: BoltContext,
    conversation_id: str,
    *,
    card: bool = False,
) -> Conversation | None:
    """The conversation a button names, or None after telling the user why not: unknown id, another
    workspace's conversation, a click that isn't on a message in the conversation's channel, or (with `card`)
    a click on an outdated card, or a user who isn't a member of the assessment's private channel."""
    with told_privately(client, body):
        conv = leads.conversation(conversation_id, scope_of(context))
        require_channel(conv, clicked_channel(body))
        leads.require_can_act(context.user_id or "", conv)
        if card and clicked_card_is_stale(services, conv, body):
            raise PermissionDeniedError(msg.STALE_CARD)
        return conv
    return None


def find_thread_conversation(services: Services, team: str, channel: str, thread: str | None) -> Conversation | None:
    """The assessment living in a thread (or at the top level of a DM), if any."""
    candidates = [thread] if thread else []
    if channel.startswith("D"):
        candidates.append(DM_THREAD)
    for candidate in candidates:
        found = services.store.find_conversation(str(ConversationKey("slack", team, channel, str(candidate))))
        if found is not None:
            return found
    return None


def _summary_message(services: Services, leads: SlackLeads, conv: Conversation, viewer: str) -> dict[str, Any]:
    """Text and blocks of a conversation's summary, with a permalink to its card (or its thread); `viewer` (who
    asked for it, or whose decision refreshed it) goes into the summary's audit entry."""
    cid = conv.id
    summary = leads.core.summary(cid, requester_name=leads.access.display_name(conv.user), viewer=viewer)
    card = services.store.card(cid)
    thread = reply_thread_of(conv)
    if card is not None:
        link = leads.access.message_permalink(str(card["channel"]), str(card["ts"]))
    elif thread:
        link = leads.access.message_permalink(conv.channel, thread)
    else:
        link = leads.access.permalink(conv.channel)
    blocks = lb.summary_blocks(summary, version=conv.version, permalink=link)
    return {"text": lb.summary_text(summary), "blocks": bk.to_dicts(blocks)}


def post(
    services: Services,
    client: WebClient,
    channel: str,
    thread: str | None,
    conversation_id: str | None,
    message: dict[str, Any],
) -> None:
    """Post a message in a thread through the outbox, which retries what Slack doesn't take."""
    queue(services, channel, thread, conversation_id, [Outgoing("message", message)])
    deliver(services, client, channel, thread)


def post_summary(services: Services, leads: SlackLeads, client: WebClient, conv: Conversation, viewer: str) -> None:
    """Post the summary of `conv` in its own thread (only that thread's assessment), as asked by `viewer`."""
    channel, thread = conv.channel, reply_thread_of(conv)
    with told_on_failure(client, channel, thread):
        post(services, client, channel, thread, conv.id, _summary_message(services, leads, conv, viewer))


def summary_for_turn(services: Services, leads: SlackLeads, client: WebClient, turn: SlackTurn) -> None:
    """`@AI Advisor summary` in a thread: that thread's summary, or why there is none (once per message)."""
    if not services.store.mark_seen(f"message:{turn.key.team}:{turn.channel}:{turn.ts}"):
        return
    conv = services.store.find_conversation(str(turn.key))
    if conv is None:
        with told_on_failure(client, turn.channel, turn.reply_thread):
            post(services, client, turn.channel, turn.reply_thread, None, {"text": msg.SUMMARY_NONE})
        return
    post_summary(services, leads, client, conv, turn.user)


def _is_current(services: Services, conv: Conversation, state: dict[str, Any]) -> bool:
    """Whether the summary a lead acted on still shows the assessment's intake version and decision."""
    decided = services.store.decision(conv.id)
    return int(state.get("v") or 0) == conv.version and str(state.get("d") or "") == (
        decided["status"] if decided else ""
    )


def _refresh(
    services: Services,
    leads: SlackLeads,
    client: WebClient,
    conv: Conversation,
    channel: str | None,
    ts: str | None,
    viewer: str,
) -> None:
    """Update a summary message in place with the assessment's current state through the outbox (in order after
    what the thread has queued), then deliver the thread. Only in the assessment's own channel: the location
    comes from the payload, and a forged one must not overwrite other messages."""
    cid, thread = conv.id, reply_thread_of(conv)
    with told_on_failure(client, conv.channel, thread):
        if channel and ts and channel == conv.channel:
            update = Outgoing("update", _summary_message(services, leads, conv, viewer), op="update", target_ts=ts)
            queue(services, channel, thread, cid, [update])
        deliver(services, client, conv.channel, thread)


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to the summary shortcut, the decision buttons and the decision modal."""

    @app.shortcut(SUMMARY_SHORTCUT)
    def on_summarize(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        with told_privately(client, body):
            message = body.get("message") or {}
            channel = context.channel_id or ""
            thread = message.get("thread_ts") or message.get("ts") or body.get("message_ts")
            conv = find_thread_conversation(services, scope_of(context), channel, str(thread) if thread else None)
            if conv is None:
                tell(client, body, msg.SUMMARY_NONE)
                return
            post_summary(services, leads, client, conv, context.user_id or "")

    @app.action(re.compile(r"^decision:(approved|needs_info|rejected)$"))
    def on_decision(
        ack: Ack, body: dict[str, Any], context: BoltContext, action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        status = action["action_id"].split(":", 1)[1]
        state = lb.decoded(action.get("value"))
        user = context.user_id or ""
        container = body.get("container") or {}
        with told_privately(client, body):
            conv = leads.conversation(str(state.get("c") or ""), scope_of(context))
            require_channel(conv, clicked_channel(body))
            leads.require_lead(user, msg.DECISION_NOT_LEAD)
            leads.require_member(user, conv.channel, msg.DECISION_NOT_MEMBER)
            where = {"ch": conv.channel, "ts": str(container.get("message_ts") or "")}
            if not _is_current(services, conv, state):
                _refresh(services, leads, client, conv, where["ch"], where["ts"], user)
                tell(client, body, msg.STALE_SUMMARY)
                return
            client.views_open(trigger_id=body["trigger_id"], view=lb.decision_modal(status, state, where))

    @app.view(lb.DECISION_CALLBACK)
    def on_decision_submit(
        ack: Ack, body: dict[str, Any], context: BoltContext, view: dict[str, Any], client: WebClient
    ) -> None:
        meta = lb.decoded(view.get("private_metadata"))
        status = str(meta.get("s") or "")
        note_state = ((view.get("state") or {}).get("values") or {}).get(lb.NOTE_BLOCK) or {}
        note = str((note_state.get("value") or {}).get("value") or "")
        user = context.user_id or ""

        def refuse(text: str) -> None:
            ack(response_action="errors", errors={lb.NOTE_BLOCK: bk.clip(text, 150)})

        try:
            conv = leads.conversation(str(meta.get("c") or ""), scope_of(context))
            require_channel(conv, meta.get("ch"))
            leads.require_lead(user, msg.DECISION_NOT_LEAD)
            if status not in STATUS_LABELS:
                raise InputError(msg.DECISION_UNKNOWN_STATUS.format(status=bk.safe(status, 40)))
            leads.require_member(user, conv.channel, msg.DECISION_NOT_MEMBER)
            # The decision and the requester's notice are saved together, before Slack is acknowledged: a kill at
            # any point keeps both or neither. The summary is rendered after the ack (it may look names up or ask
            # the model); if the process dies before it is queued, the summary shows the old status until a lead
            # clicks it: that click finds it stale and refreshes it.
            with services.store.transaction():
                if not _is_current(services, conv, meta):
                    raise StaleError(msg.STALE_SUMMARY_MODAL)
                row = leads.core.decide(conv.id, user, status, note, platform="slack", team=scope_of(context))
                queue(
                    services,
                    conv.channel,
                    reply_thread_of(conv),
                    conv.id,
                    [Outgoing("message", {"text": decision_notice(conv, row, user)})],
                )
        except AdvisorError as exc:
            refuse(refusal(exc))
            return
        except Exception:
            log.exception("decision not recorded")
            refuse(msg.ERROR)
            return
        ack()
        with told_privately(client, body):
            _refresh(
                services,
                leads,
                client,
                services.store.get_conversation(conv.id),
                meta.get("ch"),
                meta.get("ts"),
                user,
            )


def decision_notice(conv: Conversation, row: dict[str, Any], lead: str) -> str:
    """What the requester is told in the thread when a lead records a decision."""
    label = STATUS_LABELS[str(row["status"])]
    if row["note"]:
        return msg.DECISION_NOTICE_NOTE.format(
            requester=bk.user_id(conv.user), status=label, lead=bk.user_id(lead), note=bk.safe(row["note"], 2500)
        )
    return msg.DECISION_NOTICE.format(requester=bk.user_id(conv.user), status=label, lead=bk.user_id(lead))


def parse_digest_args(text: str) -> tuple[str | None, str | None, str | None]:
    """`[7d|30d|2w|all] [#channel]` in any order → (period, channel id, channel name if Slack sent it);
    UsageError for anything else."""
    period: str | None = None
    channel: str | None = None
    name: str | None = None
    for word in (text or "").split():
        link = _CHANNEL_LINK.match(word)
        if _PERIOD.match(word) and period is None:
            period = word.lower()
        elif link and channel is None:
            channel, name = link.group(1), link.group(2) or None
        elif _CHANNEL_ID.match(word) and channel is None:
            channel = word
        elif word.startswith("#") and channel is None:
            raise UsageError(msg.DIGEST_CHANNEL_NAME.format(name=bk.safe(word, 80)))
        else:
            raise UsageError(msg.DIGEST_USAGE)
    return period, channel, name


def digest_reply(services: Services, leads: SlackLeads, user: str, team_id: str, text: str) -> dict[str, Any]:
    """`/ai-advisor digest [period] [#channel]` for a lead (a polite refusal for anyone else), ephemeral."""
    try:
        period_text, channel, name = parse_digest_args(text)
        leads.require_lead(user, msg.DIGEST_NOT_LEAD)
        period = parse_period(period_text, default="7d")
        if channel is not None and not leads.access.can_see(user, channel):
            return {"response_type": "ephemeral", "text": msg.DIGEST_HIDDEN_CHANNEL.format(channel=channel)}
        digest = leads.core.digest(
            user, platform="slack", team=team_id, period=period, can_see=leads.access.viewer(user), channel=channel
        )
    except UsageError as exc:
        return {"response_type": "ephemeral", "text": str(exc)}
    except InputError as exc:
        return {"response_type": "ephemeral", "text": msg.ERROR_INPUT.format(error=exc)}
    except AdvisorError as exc:
        return {"response_type": "ephemeral", "text": str(exc)}
    blocks = lb.digest_blocks(digest, digest_links(leads.access), since=period_text or "7d", channel_name=name)
    return {"response_type": "ephemeral", "text": lb.digest_text(digest), "blocks": bk.to_dicts(blocks)}


def digest_links(access: SlackAccess) -> lb.Linker:
    """Permalinks for digest items built from the workspace URL (one `auth.test`, not a call per item)."""
    return lambda channel, thread: access.permalink(channel, None if thread == DM_THREAD else thread)


def respond_digest(services: Services, leads: SlackLeads, context: BoltContext, text: str, respond: Respond) -> None:
    """Answer the digest subcommand through the command's response_url (after the ack)."""
    try:
        reply = digest_reply(services, leads, context.user_id or "", scope_of(context), text)
    except Exception:
        log.exception("digest failed")
        reply = {"response_type": "ephemeral", "text": msg.ERROR}
    respond(**reply)
