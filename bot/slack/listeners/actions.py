"""Interactivity: quick-answer buttons, card feedback (👎 asks for a reason), and the "Adjust answers" modal.

Every button names a conversation; `acted_on` refuses unknown ids, other workspaces' conversations, clicks that
aren't on a message in the conversation's channel and clicks on an outdated card before anything is stored. The
modals carry the conversation's channel in their private_metadata, checked again on submit.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.advisor.intake import FIELD_LABELS, FIELD_STEP, STEP_NAMES, Intake
from bot.errors import AdvisorError, OutdatedError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import leads_blocks as lb
from bot.slack import messages as msg
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import acted_on, refusal, require_channel, tell, told_privately
from bot.slack.replies import (
    Outgoing,
    answer_turns,
    card_update,
    chart_for,
    deliver,
    queue,
    queue_quick_answer,
    render,
    reply_thread_of,
    rereview,
    told_on_failure,
)
from bot.slack.workspace import scope_of
from bot.storage.store import Conversation
from bot.workflows.conversation import Reply
from bot.workflows.forms import choices as _choices
from bot.workflows.forms import initial_text, parse_form
from bot.workflows.interaction import VOTES, feedback_reason, vote

log = logging.getLogger(__name__)

ADJUST_CALLBACK = "adjust"


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to quick answers, card buttons, the feedback reason modal and the adjust modal."""

    @app.action(re.compile(r"^answer:"))
    def on_answer(
        ack: Ack, body: dict[str, Any], context: BoltContext, action: dict[str, Any], client: WebClient
    ) -> None:
        # Written to the inbox before the ack, so a crash right after it doesn't lose the answer.
        def find(cid: str) -> Conversation:
            conv = leads.conversation(cid, scope_of(context))
            leads.require_can_act(context.user_id or "", conv)
            return conv

        try:
            item, conv = queue_quick_answer(services, body, action, context.channel_id or "", find)
        except AdvisorError as exc:  # unknown id, another workspace's or channel's conversation, not a question
            ack()
            tell(client, body, refusal(exc))
            return
        except Exception:
            log.exception("quick answer not recorded")
            ack()
            tell(client, body, msg.ERROR)
            return
        ack()
        if item is not None:
            channel, thread = conv.channel, reply_thread_of(conv)
            with told_on_failure(client, channel, thread):
                answer_turns(services, client, conv.key, channel, thread, getattr(app, "ack_gate", None))

    @app.action(re.compile(rf"^feedback:({'|'.join(VOTES)})$"))
    def on_feedback(
        ack: Ack, body: dict[str, Any], context: BoltContext, action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        value = vote(action["action_id"].split(":")[1])
        conv = acted_on(services, leads, client, body, context, str(action.get("value") or ""), card=True)
        if conv is None:
            return
        user = context.user_id or ""
        channel, thread = conv.channel, reply_thread_of(conv)
        with told_privately(client, body):
            services.store.set_feedback(conv.id, user, value)  # one vote per user; a new click replaces it
            if value == "down":
                try:  # the 👎 is stored already; the modal only adds an optional reason
                    client.views_open(
                        trigger_id=body["trigger_id"],
                        view=lb.reason_modal(conv.id, {"ch": channel, "ts": thread or ""}),
                    )
                    return
                except SlackApiError as exc:
                    log.warning("reason modal not opened: %s", exc.response.get("error", "?"))
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=msg.FEEDBACK_THANKS[value])

    @app.view(lb.REASON_CALLBACK)
    def on_reason_submit(
        ack: Ack, body: dict[str, Any], context: BoltContext, view: dict[str, Any], client: WebClient
    ) -> None:
        meta = lb.decoded(view.get("private_metadata"))
        state = ((view.get("state") or {}).get("values") or {}).get(lb.REASON_BLOCK) or {}
        try:
            conv = leads.conversation(str(meta.get("c") or ""), scope_of(context))
            require_channel(conv, meta.get("ch"))
            leads.require_can_act(context.user_id or "", conv)
        except AdvisorError as exc:
            ack(response_action="errors", errors={lb.REASON_BLOCK: bk.clip(refusal(exc), 150)})
            return
        except Exception:
            log.exception("feedback reason not recorded")
            ack(response_action="errors", errors={lb.REASON_BLOCK: bk.clip(msg.ERROR, 150)})
            return
        try:
            reason = feedback_reason("down", str((state.get("value") or {}).get("value") or ""))
        except AdvisorError:
            ack(response_action="errors", errors={lb.REASON_BLOCK: msg.FEEDBACK_REASON_TOO_LONG})
            return
        ack()
        if reason:
            user, channel, thread = context.user_id or "", conv.channel, reply_thread_of(conv)
            with told_on_failure(client, channel, thread):
                services.store.set_feedback(conv.id, user, "down", reason)
                client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=msg.FEEDBACK_REASON_THANKS)

    @app.action("adjust")
    def on_adjust(
        ack: Ack, body: dict[str, Any], context: BoltContext, action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        conv = acted_on(services, leads, client, body, context, str(action.get("value") or ""), card=True)
        if conv is None:
            return
        with told_privately(client, body):
            intake = services.store.latest_intake(conv.id)
            view = adjust_view(conv.id, intake, conv.channel, conv.version)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ADJUST_CALLBACK)
    def on_adjust_submit(
        ack: Ack, body: dict[str, Any], context: BoltContext, view: dict[str, Any], client: WebClient
    ) -> None:
        raw_meta = str(view.get("private_metadata") or "")
        meta = lb.decoded(raw_meta) or {"c": raw_meta}  # a modal opened before its metadata named the channel
        values, errors = parse_adjust(view.get("state", {}).get("values", {}))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = bk.user_id(context.user_id)  # it is shown as <@user>
        try:
            # forged ids, other workspaces' conversations and a modal not opened from the conversation's channel
            conv = leads.conversation(str(meta.get("c") or ""), scope_of(context))
            require_channel(conv, meta.get("ch"))
            leads.require_can_act(user, conv)
            cid, channel, thread = conv.id, conv.channel, reply_thread_of(conv)
            # The card update is queued before Slack is acknowledged, in the adjustment's own transaction (under the
            # conversation's lock, which the advisor holds): a kill after the ack loses nothing, and a turn answered
            # meanwhile can't queue an older card after it. A form filled from older answers would undo newer ones.
            services.advisor.adjust(
                cid,
                user,
                values,
                expected_version=_version(meta) if "v" in meta else None,
                then=lambda reply: _queue_adjusted(services, channel, thread, reply, user),
            )
        except OutdatedError:
            ack(response_action="errors", errors={_first_block(values): bk.clip(msg.ADJUST_STALE, 150)})
            return
        except AdvisorError as exc:
            ack(response_action="errors", errors={_first_block(values): bk.clip(str(exc), 150)})
            return
        except Exception:
            log.exception("adjusted answers not recorded")
            ack(response_action="errors", errors={_first_block(values): bk.clip(msg.ERROR, 150)})
            return
        ack()
        with told_on_failure(client, channel, thread):
            deliver(services, client, channel, thread)


def _version(meta: dict[str, Any]) -> int:
    """The answers' version an adjust form was filled from (-1, never current, when the metadata is garbled)."""
    try:
        return int(meta["v"])
    except (TypeError, ValueError):
        return -1


def _queue_adjusted(services: Services, channel: str, thread: str | None, reply: Reply, user: str) -> None:
    queue(
        services,
        channel,
        thread,
        reply.conversation_id,
        adjusted(reply, user) + chart_for(services, reply) + rereview(services, reply.conversation_id),
    )


def adjusted(reply: Reply, user: str) -> list[Outgoing]:
    """What an "Adjust answers" submission posts: the card updated in place and a note saying who changed it (or
    the advisor's reply as it is, when the answers no longer make a recommendation)."""
    if reply.kind != "recommendation" or reply.recommendation is None:
        return [render(reply)]
    updated = Outgoing("message", {"text": msg.ADJUST_UPDATED.format(user=bk.user_id(user))})
    return [card_update(reply), updated]


def adjust_view(conversation_id: str, intake: Intake, channel: str, version: int | None = None) -> View:
    """A modal with one input per intake field, grouped by the six steps, prefilled with the known values; its
    private_metadata names the conversation, its channel and the answers' version it was filled from (all checked
    again on submit: a form filled from older answers would silently undo the newer ones)."""
    values = intake.values.model_dump()
    blocks: list[Block] = []
    for step, step_name in STEP_NAMES.items():
        blocks.append(bk.section(msg.ADJUST_STEP.format(step=step, name=step_name)))
        for name in [f for f, s in FIELD_STEP.items() if s == step]:
            blocks.append(_input(name, values.get(name)))
    meta = {"c": conversation_id, "ch": channel} | ({"v": version} if version is not None else {})
    return View(
        type="modal",
        callback_id=ADJUST_CALLBACK,
        private_metadata=lb.compact(meta),
        title=PlainTextObject(text=msg.ADJUST_TITLE),
        submit=PlainTextObject(text=msg.ADJUST_SUBMIT),
        close=PlainTextObject(text=msg.MODAL_CANCEL),
        blocks=blocks,
    )


def _input(name: str, value: Any) -> InputBlock:
    label = FIELD_LABELS.get(name, name)
    choices = _choices(name)
    element: Any
    if choices:
        options = [Option(value=json.dumps(v), label=lbl) for lbl, v in choices]
        initial = next((o for o, (_, v) in zip(options, choices, strict=True) if v == value), None)
        element = StaticSelectElement(
            action_id="value", options=options, initial_option=initial, placeholder=msg.ADJUST_UNKNOWN
        )
    else:
        initial_value = initial_text(value) or None
        element = PlainTextInputElement(
            action_id="value", initial_value=initial_value, multiline=name == "use_case", max_length=500
        )
    return InputBlock(block_id=name, label=label, element=element, optional=True)


def parse_adjust(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The modal's values by field, and inline errors by block (field) for anything that isn't valid.

    Parsed by the platform-neutral form (bot/workflows/forms.py, as Teams' input card is): numbers as people type them,
    and a dropdown value that isn't one of the field's options (a forged payload) is an error, not a crash.
    """
    raw: dict[str, Any] = {}
    for name, actions in state.items():
        element = (actions or {}).get("value") if isinstance(actions, dict) else None
        if not isinstance(element, dict):
            raw[name] = None
        elif "selected_option" in element:
            selected = element.get("selected_option")
            raw[name] = selected.get("value") if isinstance(selected, dict) else None
        else:
            raw[name] = element.get("value")
    values, errors = parse_form(raw)
    return values, {name: bk.clip(error, 150) for name, error in errors.items()}


def _first_block(values: dict[str, Any]) -> str:
    return next(iter(values), "use_case")
