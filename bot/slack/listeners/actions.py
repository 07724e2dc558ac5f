"""Interactivity: quick-answer buttons, card feedback, and the "Adjust answers" modal."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, get_args

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.advisor.intake import FIELD_LABELS, FIELD_STEP, STEP_NAMES, Intake, IntakeValues
from bot.advisor.questions import question_bank
from bot.errors import AdvisorError
from bot.services import Services
from bot.slack import blocks as bk
from bot.slack import messages as msg
from bot.slack.replies import post_reply, reply_thread_of, told_on_failure

log = logging.getLogger("bot.slack")

ADJUST_CALLBACK = "adjust"
NUMBER_FIELDS: dict[str, type] = {"labeled_examples": int, "monthly_requests": int, "budget_usd": float,
                                  "deadline_weeks": float}  # fmt: skip
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


def register(app: App, services: Services) -> None:
    """Listen to quick answers, card buttons and the adjust modal."""

    @app.action(re.compile(r"^answer:"))
    def on_answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        field = action["action_id"].split(":")[1]
        data = json.loads(action.get("value") or "{}")
        conv = services.store.get_conversation(str(data.get("c")))
        channel, thread = str(conv["channel"]), reply_thread_of(conv)
        message = body.get("message") or {}
        # One answer per question message: a double click or a second person's click is ignored.
        if not services.store.first_time(f"answer:{channel}:{message.get('ts')}:{field}"):
            return
        with told_on_failure(client, channel, thread):
            reply = services.advisor.answer(conv["id"], body["user"]["id"], field, data.get("v"))
            if message.get("blocks"):
                question = question_bank()[field]
                label = next((a.label for a in question.quick_answers if a.value == data.get("v")), str(data.get("v")))
                line = msg.ANSWERED.format(question=bk.escape(question.text), answer=bk.escape(label),
                                           user=body["user"]["id"])  # fmt: skip
                client.chat_update(channel=channel, ts=message["ts"], text=message.get("text") or line,
                                   blocks=bk.answered_blocks(message["blocks"], field, line))  # fmt: skip
            post_reply(services, client, channel, thread, reply)

    @app.action(re.compile(r"^feedback:(up|down)$"))
    def on_feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        value = action["action_id"].split(":")[1]
        conv = services.store.get_conversation(str(action.get("value")))
        user = body["user"]["id"]
        with told_on_failure(client, str(conv["channel"]), reply_thread_of(conv)):
            services.store.add_feedback(conv["id"], user, value)
            client.chat_postEphemeral(channel=str(conv["channel"]), user=user, thread_ts=reply_thread_of(conv),
                                      text=msg.FEEDBACK_THANKS[value])  # fmt: skip

    @app.action("adjust")
    def on_adjust(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        conv = services.store.get_conversation(str(action.get("value")))
        with told_on_failure(client, str(conv["channel"]), reply_thread_of(conv)):
            intake = services.store.latest_intake(conv["id"])
            client.views_open(trigger_id=body["trigger_id"], view=adjust_view(conv["id"], intake))

    @app.view(ADJUST_CALLBACK)
    def on_adjust_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        cid = str(view.get("private_metadata") or "")
        values, errors = parse_adjust(view.get("state", {}).get("values", {}))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        user = body["user"]["id"]
        try:
            reply = services.advisor.adjust(cid, user, values)
        except AdvisorError as exc:
            ack(response_action="errors", errors={_first_block(values): bk.clip(str(exc), 150)})
            return
        ack()
        conv = services.store.get_conversation(cid)
        channel, thread = str(conv["channel"]), reply_thread_of(conv)
        with told_on_failure(client, channel, thread):
            card = services.store.card(cid)
            if card is None or reply.recommendation is None:
                post_reply(services, client, channel, thread, reply)
                return
            rec = reply.recommendation
            client.chat_update(channel=card["channel"], ts=card["ts"], text=bk.card_text(rec),
                               blocks=bk.to_dicts(bk.card_blocks(rec, cid, reply.notes)),
                               metadata=bk.card_metadata(rec, cid, reply.recommendation_id))  # fmt: skip
            client.chat_postMessage(channel=channel, thread_ts=thread, text=msg.ADJUST_UPDATED.format(user=user))


def _choices(name: str) -> list[tuple[str, Any]]:
    """The options of an enum or yes/no field (empty for numbers and free text)."""
    args = [a for a in get_args(IntakeValues.model_fields[name].annotation) if a is not type(None)]
    if args == [bool]:
        return [("Yes", True), ("No", False)]
    literal = [v for a in args for v in get_args(a)]
    return [(str(v).replace("_", " ").capitalize(), v) for v in literal]


def adjust_view(conversation_id: str, intake: Intake) -> View:
    """A modal with one input per intake field, grouped by the six steps, prefilled with the known values."""
    values = intake.values.model_dump()
    blocks: list[Block] = []
    for step, step_name in STEP_NAMES.items():
        blocks.append(bk.section(f"*Step {step}: {step_name}*"))
        for name in [f for f, s in FIELD_STEP.items() if s == step]:
            blocks.append(_input(name, values.get(name)))
    return View(type="modal", callback_id=ADJUST_CALLBACK, private_metadata=conversation_id,
                title=PlainTextObject(text=msg.ADJUST_TITLE), submit=PlainTextObject(text=msg.ADJUST_SUBMIT),
                close=PlainTextObject(text="Cancel"), blocks=blocks)  # fmt: skip


def _input(name: str, value: Any) -> InputBlock:
    label = FIELD_LABELS.get(name, name)
    choices = _choices(name)
    element: Any
    if choices:
        options = [Option(value=json.dumps(v), label=lbl) for lbl, v in choices]
        initial = next((o for o, (_, v) in zip(options, choices, strict=True) if v == value), None)
        element = StaticSelectElement(action_id="value", options=options, initial_option=initial,
                                      placeholder="Unknown")  # fmt: skip
    else:
        initial_value = None if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
        element = PlainTextInputElement(action_id="value", initial_value=initial_value,
                                        multiline=name == "use_case", max_length=500)  # fmt: skip
    return InputBlock(block_id=name, label=label, element=element, optional=True)


def parse_number(text: str, kind: type) -> float | int:
    """A number as people type it: "20,000", "20k", "1.5M", "$300k"; ValueError otherwise."""
    t = text.strip().lower().replace(",", "").replace("_", "").replace("$", "").replace(" ", "")
    factor = 1.0
    if t and t[-1] in _SUFFIX:
        factor, t = _SUFFIX[t[-1]], t[:-1]
    number = float(t) * factor
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return round(number) if kind is int else number


def parse_adjust(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The modal's values by field, and inline errors by block for anything that isn't valid."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, actions in state.items():
        if name not in IntakeValues.model_fields:
            continue
        element = (actions or {}).get("value") or {}
        if "selected_option" in element:
            selected = element.get("selected_option")
            values[name] = json.loads(selected["value"]) if selected else None
            continue
        raw = element.get("value")
        if raw is None or not str(raw).strip():
            values[name] = None
        elif name in NUMBER_FIELDS:
            try:
                values[name] = parse_number(str(raw), NUMBER_FIELDS[name])
            except ValueError:
                errors[name] = msg.NOT_A_NUMBER
        else:
            values[name] = str(raw).strip()
    if not errors:
        try:
            IntakeValues.model_validate({k: v for k, v in values.items() if v is not None})
        except Exception as exc:  # pydantic's ValidationError: map each problem to its field
            for err in getattr(exc, "errors", list)():
                field = str(err["loc"][0]) if err.get("loc") else ""
                if field in state:
                    errors[field] = bk.clip(str(err["msg"]), 150)
    return values, errors


def _first_block(values: dict[str, Any]) -> str:
    return next(iter(values), "use_case")
