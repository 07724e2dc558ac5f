"""Block Kit for the Slack app: the recommendation card, question rounds, TCO and status replies.

Everything is built with `slack_sdk.models.blocks`; every string that can carry user text is escaped and clipped
to its Block Kit limit when the block is built. `to_dicts` serialises them as slack_sdk does, minus its validators
at every level (the tests check the two agree, validators and all).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.basic_objects import EMPTY_ALLOWED_TYPE_AND_PROPERTY_LIST as _EMPTY_ALLOWED
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.metadata import Metadata

from bot.advisor import tco
from bot.advisor.engine import APPROACH_NAMES, LEAN_NAMES, Recommendation
from bot.advisor.questions import Question
from bot.advisor.report import tco_comparison, tco_headline, tco_sources
from bot.slack import messages as msg

MAX_BLOCKS = 50
HEADER_MAX = 150
TEXT_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
MESSAGE_TEXT_MAX = 3000  # the notification text; Slack allows 40,000 but a fallback should be short
EVENT_TYPE = "advisor_recommendation"

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")


def escape(text: str) -> str:
    """Escape Slack's control characters so user text can't form mentions (`<!channel>`, `<@U1>`) or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_NOT_ID = re.compile(r"[^A-Z0-9]")
USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")


def user_id(value: object) -> str:
    """A user id as it may appear inside `<@…>`: only Slack's id characters survive, so a forged id can never
    carry a broadcast (`<!channel>`), a link or mrkdwn into a message."""
    return _NOT_ID.sub("", str(value or ""))[:32]


def clip(text: str, limit: int) -> str:
    """Shorten `text` to at most `limit` characters with an ellipsis, never cutting an escape in half."""
    if len(text) <= limit:
        return text
    cut = _PARTIAL_ENTITY.sub("", text[: limit - 1])
    return cut + "…"


def safe(text: str, limit: int) -> str:
    """Escaped and clipped user-derived text."""
    return clip(escape(text), limit)


def section(text: str) -> SectionBlock:
    """A mrkdwn section, clipped to the section limit (escape user text before)."""
    return SectionBlock(text=MarkdownTextObject(text=clip(text, TEXT_MAX) if text.strip() else "—"))


def bullets(title: str, items: Iterable[str]) -> SectionBlock:
    """A section: a mrkdwn title line (ours, not escaped) and one escaped bullet per item."""
    lines = [title] + [f"• {escape(item)}" for item in items]
    return section("\n".join(lines))


def context(parts: Sequence[str]) -> ContextBlock:
    """A context block of mrkdwn parts (escape user text before); empty parts are left out."""
    elements = [MarkdownTextObject(text=clip(p, FIELD_MAX)) for p in parts if p.strip()][:CONTEXT_ELEMENTS_MAX]
    return ContextBlock(elements=elements or [MarkdownTextObject(text="—")])


def button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    """A button with its label and value clipped to Block Kit's limits."""
    return ButtonElement(
        text=PlainTextObject(text=clip(label, BUTTON_TEXT_MAX), emoji=True),
        action_id=action_id,
        value=value[:BUTTON_VALUE_MAX],
        style=style,
    )


def card_blocks(rec: Recommendation, conversation_id: str, notes: Sequence[str] = ()) -> list[Block]:
    """The recommendation card: verdict, the six steps, cost, risks, next steps, case study, sources, actions."""
    name = APPROACH_NAMES[rec.approach]
    header = msg.CARD_HEADER.format(approach=name, confidence=rec.confidence)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(header, HEADER_MAX))),
        section(escape(rec.verdict)),
        context([msg.CARD_CONFIDENCE.format(confidence=rec.confidence, reason=escape(rec.confidence_reason))]),
        DividerBlock(),
    ]
    fields = []
    for f in rec.factors[:FIELDS_MAX]:
        head = f"*{f.step}. {escape(f.name)}* → {LEAN_NAMES.get(f.leans, f.leans)}"
        fields.append(MarkdownTextObject(text=clip(f"{head}\n_{escape(f.said)}_", FIELD_MAX)))
    if fields:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=msg.CARD_STEPS), fields=fields))
    for gate in rec.gates:
        blocks.append(
            section(
                msg.CARD_GATE.format(step=gate.step, reason=escape(gate.reason), would_change=escape(gate.would_change))
            )
        )
    blocks.append(
        section(
            msg.CARD_TCO.format(
                horizon=tco.horizon_label(rec.tco.horizon_months).capitalize(),
                headline=escape(tco_headline(rec)),
                comparison=escape(tco_comparison(rec)),
            )
        )
    )
    blocks.append(context([escape(tco_sources(rec))]))
    if rec.risks:
        blocks.append(bullets(msg.CARD_RISKS, rec.risks))
    if rec.next_steps:
        blocks.append(bullets(msg.CARD_NEXT_STEPS, rec.next_steps))
    if rec.case_studies:
        c = rec.case_studies[0]
        blocks.append(section(msg.CARD_STORY.format(name=escape(c.name), takeaway=escape(c.takeaway))))
    if rec.citations:
        sources = "; ".join(f"{escape(c.source)} § {escape(c.section)}" for c in rec.citations)
        blocks.append(context([msg.CARD_SOURCES.format(sources=sources)]))
    if notes:
        blocks.append(context([f"_{escape(n)}_" for n in notes]))
    # Only when a model is configured: it says the model's wording fell back to the offline template.
    offline = [msg.CARD_OFFLINE_WORDING] if rec.wording == "offline" and rec.llm_usage else []
    blocks.append(context([msg.CARD_FOOTER, msg.CARD_ID.format(id=escape(conversation_id)), *offline]))
    blocks.append(
        ActionsBlock(
            block_id="card_actions",
            elements=[
                button(msg.CARD_ADJUST, "adjust", conversation_id, style="primary"),
                button("👍", "feedback:up", conversation_id),
                button("👎", "feedback:down", conversation_id),
                button(msg.CARD_RECORD, "record", conversation_id),
            ],
        )
    )
    return blocks[: MAX_BLOCKS - 1] + blocks[-1:] if len(blocks) > MAX_BLOCKS else blocks


def card_text(rec: Recommendation) -> str:
    """The card's notification (fallback) text."""
    return msg.CARD_FALLBACK.format(approach=APPROACH_NAMES[rec.approach], confidence=rec.confidence)


def card_metadata(rec: Recommendation, conversation_id: str, recommendation_id: int | None = None) -> Metadata:
    """Message metadata other tools (and the leads' digest) read from the card."""
    return Metadata(
        event_type=EVENT_TYPE,
        event_payload={
            "approach": rec.approach,
            "confidence": rec.confidence,
            "conversation_id": conversation_id,
            "recommendation_id": recommendation_id,
            "tco_crossover_monthly_requests": rec.tco.crossover_monthly_requests,
            "monthly_requests": rec.tco.monthly_requests,
            "cheapest": rec.tco.cheapest,
        },
    )


def answer_value(conversation_id: str, value: Any) -> str:
    """A quick-answer button's value: the conversation and the answer, as compact JSON."""
    return json.dumps({"c": conversation_id, "v": value}, separators=(",", ":"))


def question_blocks(
    text_intro: str, questions: Sequence[Question], conversation_id: str, notes: Sequence[str] = ()
) -> list[Block]:
    """A question round: each question with its quick-answer buttons; free-text answers are accepted too."""
    blocks: list[Block] = []
    if text_intro:
        blocks.append(section(escape(text_intro)))
    for i, q in enumerate(questions, 1):
        hint = f"\n_{escape(q.hint)}_" if q.hint else ""
        blocks.append(section(f"*{i}. {escape(q.text)}*{hint}"))
        if q.quick_answers:
            blocks.append(
                ActionsBlock(
                    block_id=f"q:{q.field}",
                    elements=[
                        button(a.label, f"answer:{q.field}:{n}", answer_value(conversation_id, a.value))
                        for n, a in enumerate(q.quick_answers[:25])
                    ],
                )
            )
    if notes:
        blocks.append(context([f"_{escape(n)}_" for n in notes]))
    blocks.append(context([msg.FREE_TEXT_HINT]))
    return blocks[:MAX_BLOCKS]


def text_blocks(text: str) -> list[Block]:
    """A plain reply as one section (the text is ours, but may quote the user, so it is escaped)."""
    return [section(escape(text))]


def tco_blocks(est: tco.TcoEstimate) -> list[Block]:
    """An ephemeral cost estimate over the horizon (3 years by default)."""
    vol = tco.format_volume(est.monthly_requests) + (msg.TCO_ASSUMED if est.volume_assumed else "")
    fields = [
        MarkdownTextObject(
            text=msg.TCO_APPROACH.format(
                approach=APPROACH_NAMES[name],
                one_time=tco.format_usd(cost.one_time_usd),
                monthly=tco.format_usd(cost.monthly_usd),
                months=f"{est.horizon_months:g}",
                total=tco.format_usd(cost.total_usd),
            )
        )
        for name, cost in est.approaches.items()
    ]
    statement = tco.crossover_statement(est)
    return [
        section(msg.TCO_HEADER.format(horizon=tco.horizon_label(est.horizon_months).capitalize(), volume=vol)),
        SectionBlock(fields=fields[:FIELDS_MAX]),
        section(escape(statement)),
        section(escape(tco.models_line(est))),
        section(escape(tco.shapes_line(est))),
        context([escape(n) for n in est.notes if n != statement]),  # the notes end with the same statement
    ]


def answered_blocks(original: Sequence[dict[str, Any]], field: str, line: str) -> list[dict[str, Any]]:
    """A question message with the answered question's buttons replaced by who answered what."""
    out: list[dict[str, Any]] = []
    for block in original:
        if block.get("block_id") == f"q:{field}":
            out.append(ContextBlock(elements=[MarkdownTextObject(text=clip(line, FIELD_MAX))]).to_dict())
        else:
            out.append(block)
    return out


def to_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Serialise blocks: exactly what slack_sdk's `to_dict` gives, without re-running its validators.

    `to_dict` runs every validator of an object (found by reflection) and then serialises it, again for each nested
    object; that was half of what rendering a card cost. The limits those validators check are kept where the
    blocks are built (every string is clipped to its limit), and tests/slack/test_blocks.py checks that this gives
    what `to_dict`, validators and all, gives for cards, question rounds and messages, hostile text included.
    """
    return [_plain(b) for b in blocks]


def _plain(obj: JsonObject) -> dict[str, Any]:
    if type(obj).to_dict is not JsonObject.to_dict:  # an object with its own serialisation (e.g. an Option)
        return obj.to_dict()
    kind = getattr(obj, "type", None)
    out: dict[str, Any] = {}
    for key in _keys(obj):
        value = obj.get_object_attribute(key)
        if value is None or (_sized(value) and not value and {"type": kind, "property": key} not in _EMPTY_ALLOWED):
            continue
        out[key] = _plain_value(value)
    return out


# Each class's attribute names, sorted: slack_sdk's `attributes` is a constant of the class, but built as a union of
# its bases' sets on every access (~20 objects per card).
_KEYS: dict[type, tuple[str, ...]] = {}


def _keys(obj: JsonObject) -> tuple[str, ...]:
    keys = _KEYS.get(type(obj))
    if keys is None:
        keys = _KEYS[type(obj)] = tuple(sorted(obj.attributes))
    return keys


def _plain_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    if isinstance(value, JsonObject):
        return _plain(value)
    if callable(getattr(value, "to_dict", None)):
        return {k: _plain_value(v) for k, v in value.to_dict().items()}
    return value


def _sized(value: Any) -> bool:
    return getattr(value, "__len__", None) is not None
