"""Adaptive Cards (schema 1.5) for Teams: the recommendation card, question rounds and the "Adjust answers" form.

Cards are built with `adaptive_cards` models. Anything that can carry user text goes into a `TextRun`, which
Teams renders verbatim (no markdown: a typed `[link](…)` or `**` stays text). Every card is fitted under Teams'
28 KB message limit by re-rendering with shorter text and fewer list items until its JSON fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from bot.advisor import tco
from bot.advisor.engine import APPROACH_NAMES, LEAN_NAMES, Recommendation
from bot.advisor.intake import FIELD_LABELS, FIELD_STEP, STEP_NAMES, Intake
from bot.advisor.questions import Question
from bot.advisor.report import tco_comparison, tco_headline, tco_sources
from bot.teams import messages as msg
from bot.workflows.forms import NUMBER_FIELDS, choices, initial_text
from bot.workflows.interaction import REASON_MAX

CARD_VERSION = "1.5"
CARD_BUDGET = 26 * 1024  # under Teams' 28 KB message limit: the rest is the activity around the card (ids, names)
MAX_ACTIONS = 6  # Teams shows at most six buttons in a row
REASON = "reason"  # the 👎 form's input (at most interaction.REASON_MAX characters)

# Verbs of Action.Submit data; the adapter routes on them.
ANSWER, FEEDBACK, ADJUST, ADJUST_SUBMIT, DECIDE = "answer", "feedback", "adjust", "adjust_submit", "decide"
EXPORT_RECORD = "record"

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class ChartImage:
    """The cost chart of one card version: the URL Teams loads it from, and what it shows, in words."""

    url: str
    alt: str


@dataclass(frozen=True)
class Limits:
    """How much user-derived text a rendering may carry: characters per string and items per list."""

    chars: int
    items: int


# Tried in order until the card fits; the last is small enough for any input (each string is then at most
# 40 characters, i.e. under 500 bytes even when every character is an escaped surrogate pair).
LEVELS = (Limits(500, 12), Limits(200, 8), Limits(80, 5), Limits(40, 3))


def clean(text: str) -> str:
    """Text without control characters or lone surrogates (neither survives JSON transports intact)."""
    return _UNSAFE.sub("", text)


def clip(text: str, limit: int) -> str:
    """`text` cleaned and shortened to at most `limit` characters, with an ellipsis when cut."""
    text = clean(text)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def card_bytes(card: dict[str, Any]) -> int:
    """The card's size on the wire (JSON with non-ASCII escaped, as the connector client sends it)."""
    return len(json.dumps(card))


def run(text: str, **style: Any) -> ac.TextRun:
    """A run of text inside a paragraph, shown verbatim (never markdown)."""
    return ac.TextRun(text=text, **style)


def para(*runs: ac.TextRun, **element: Any) -> ac.RichTextBlock:
    """A paragraph of text runs (rendered verbatim, wrapping)."""
    return ac.RichTextBlock(inlines=list(runs), **element)


def line(text: str, limit: int, **style: Any) -> ac.RichTextBlock:
    """One paragraph of user-derived text, clipped (a dash when empty)."""
    return para(run(clip(text, limit) or "—", **style))


def heading(text: str) -> ac.TextBlock:
    """A section heading (our own words only: TextBlock renders markdown)."""
    return ac.TextBlock(text=text, weight=act.FontWeight.BOLDER, wrap=True, spacing=act.Spacing.MEDIUM)


def bullets(items: Iterable[str], lim: Limits) -> list[ac.RichTextBlock]:
    """A bulleted list of user-derived items, clipped in count and length."""
    return [para(run(msg.BULLET.format(item=clip(item, lim.chars)))) for item in list(items)[: lim.items]]


def submit(title: str, data: dict[str, Any], *, style: act.ActionStyle | None = None) -> ac.ActionSubmit:
    """An Action.Submit button; `data` comes back as the activity's value when it is clicked."""
    return ac.ActionSubmit(title=clip(title, 40), data=data, style=style)


def to_dict(card: ac.AdaptiveCard) -> dict[str, Any]:
    """The card as JSON-ready data."""
    return dict(json.loads(card.to_json()))


def fitted(render: Callable[[Limits], ac.AdaptiveCard]) -> dict[str, Any]:
    """The first rendering, from the most to the least generous limits, whose JSON fits the budget."""
    out: dict[str, Any] = {}
    for lim in LEVELS:
        out = to_dict(render(lim))
        if card_bytes(out) <= CARD_BUDGET:
            return out
    return out  # the smallest level is bounded well below the budget


def _card(body: list[Any], actions: Sequence[Any] = (), fallback: str = "") -> ac.AdaptiveCard:
    return ac.AdaptiveCard(
        version=CARD_VERSION,
        body=body,
        actions=list(actions)[:MAX_ACTIONS] or None,
        fallback_text=clip(fallback, 200) or None,
    )


def card_text(rec: Recommendation) -> str:
    """The card's notification (fallback) text."""
    return msg.CARD_FALLBACK.format(approach=APPROACH_NAMES[rec.approach], confidence=rec.confidence)


def recommendation_card(
    rec: Recommendation, conversation_id: str, notes: Sequence[str] = (), chart: ChartImage | None = None
) -> dict[str, Any]:
    """The recommendation: verdict, confidence, the six steps, cost (with the chart, when there is one), risks, next
    steps, case study, sources."""

    def render(lim: Limits) -> ac.AdaptiveCard:
        name = APPROACH_NAMES[rec.approach]
        body: list[Any] = [
            ac.Container(
                style=act.ContainerStyle.EMPHASIS,
                bleed=True,
                items=[
                    para(
                        run(
                            msg.CARD_TITLE.format(approach=name, confidence=rec.confidence),
                            size=act.FontSize.LARGE,
                            weight=act.FontWeight.BOLDER,
                        )
                    ),
                    line(rec.verdict, lim.chars * 2),
                ],
            ),
            para(
                run(msg.CARD_CONFIDENCE.format(confidence=rec.confidence), weight=act.FontWeight.BOLDER),
                run(clip(rec.confidence_reason, lim.chars), is_subtle=True),
            ),
        ]
        if rec.factors:
            body.append(heading(msg.STEPS_HEADING))
            for f in rec.factors[:6]:
                lean = LEAN_NAMES.get(f.leans, f.leans)
                body.append(
                    para(
                        run(
                            msg.STEP_LEANS.format(step=f.step, name=clip(f.name, min(60, lim.chars)), leans=lean),
                            weight=act.FontWeight.BOLDER,
                        ),
                        run(clip(f.said, lim.chars), italic=True),
                    )
                )
        for gate in rec.gates[: lim.items]:
            body.append(
                para(
                    run(msg.GATE.format(step=gate.step), weight=act.FontWeight.BOLDER, color=act.Colors.ATTENTION),
                    run(clip(msg.GATE_REASON.format(reason=gate.reason, would_change=gate.would_change), lim.chars)),
                )
            )
        body += [
            heading(msg.COST_HEADING.format(horizon=tco.horizon_label(rec.tco.horizon_months).capitalize())),
            line(tco_headline(rec), lim.chars * 2),
            line(tco_comparison(rec), lim.chars * 2),
            line(tco_sources(rec), lim.chars * 2),
        ]
        if chart is not None:
            body.append(ac.Image(url=chart.url, alt_text=chart.alt, size=act.ImageSize.STRETCH))
        if rec.risks:
            body += [heading(msg.RISKS_HEADING), *bullets(rec.risks, lim)]
        if rec.next_steps:
            body += [heading(msg.NEXT_STEPS_HEADING), *bullets(rec.next_steps, lim)]
        if rec.case_studies:
            case = rec.case_studies[0]
            body += [
                heading(msg.CASE_STUDY_HEADING),
                para(
                    run(msg.LABEL.format(label=clip(case.name, lim.chars)), weight=act.FontWeight.BOLDER),
                    run(clip(case.takeaway, lim.chars)),
                ),
            ]
        if rec.citations:
            sources = msg.SOURCE_SEPARATOR.join(
                msg.SOURCE.format(source=c.source, section=c.section) for c in rec.citations[: lim.items]
            )
            body.append(
                line(msg.SOURCES.format(sources=sources), lim.chars * 2, is_subtle=True, size=act.FontSize.SMALL)
            )
        body += [line(n, lim.chars, is_subtle=True, italic=True) for n in notes[: lim.items]]
        body.append(line(msg.CARD_FOOTER, 200, is_subtle=True, size=act.FontSize.SMALL))
        body.append(line(msg.CARD_ID.format(id=conversation_id), 200, is_subtle=True, size=act.FontSize.SMALL))
        if rec.wording == "offline" and rec.llm_usage:  # a configured model failed: say the wording is offline
            body.append(line(msg.CARD_OFFLINE_WORDING, 200, is_subtle=True, size=act.FontSize.SMALL))
        actions = [
            submit(msg.ADJUST_TITLE, {"verb": ADJUST, "c": conversation_id}, style=act.ActionStyle.POSITIVE),
            submit(msg.FEEDBACK_BUTTONS["up"], {"verb": FEEDBACK, "c": conversation_id, "v": "up"}),
            _vote_down(conversation_id),
            submit(msg.RECORD_BUTTON, {"verb": EXPORT_RECORD, "c": conversation_id}),
        ]
        return _card(body, actions, card_text(rec))

    return fitted(render)


def _vote_down(conversation_id: str) -> ac.ActionShowCard:
    """👎 opens a small form under the card: an optional reason, sent with the vote."""
    form = ac.AdaptiveCard(
        version=CARD_VERSION,
        body=[
            ac.InputText(
                id=REASON,
                label=msg.FEEDBACK_REASON_LABEL,
                placeholder=msg.FEEDBACK_REASON_PLACEHOLDER,
                is_multiline=True,
                max_length=REASON_MAX,
            ),
        ],
        actions=[submit(msg.FEEDBACK_REASON_SUBMIT, {"verb": FEEDBACK, "c": conversation_id, "v": "down"})],
    )
    return ac.ActionShowCard(title=msg.FEEDBACK_BUTTONS["down"], card=form)


def questions_card(
    intro: str, questions: Sequence[Question], conversation_id: str, notes: Sequence[str] = ()
) -> dict[str, Any]:
    """A question round: each question with its quick-answer buttons; free-text answers are accepted too."""

    def render(lim: Limits) -> ac.AdaptiveCard:
        body: list[Any] = [line(intro, lim.chars, weight=act.FontWeight.BOLDER)] if intro else []
        for i, q in enumerate(questions, 1):
            body.append(
                para(
                    run(msg.QUESTION.format(number=i, question=clip(q.text, lim.chars)), weight=act.FontWeight.BOLDER),
                    spacing=act.Spacing.MEDIUM,
                )
            )
            if q.hint:
                body.append(line(q.hint, lim.chars, is_subtle=True))
            if q.quick_answers:
                body.append(
                    ac.ActionSet(
                        actions=[
                            submit(a.label, {"verb": ANSWER, "c": conversation_id, "f": q.field, "v": a.value})
                            for a in q.quick_answers[:MAX_ACTIONS]
                        ]
                    )
                )
        body += [line(n, lim.chars, is_subtle=True, italic=True) for n in notes[: lim.items]]
        body.append(line(msg.FREE_TEXT_HINT, 200, is_subtle=True, size=act.FontSize.SMALL))
        return _card(body, fallback=intro or msg.QUESTIONS_FALLBACK)

    return fitted(render)


def _input(name: str, value: Any) -> Any:
    label = FIELD_LABELS.get(name, name)
    options = choices(name)
    if options:
        known = value is not None and any(value == v and type(value) is type(v) for _, v in options)
        return ac.InputChoiceSet(
            id=name,
            label=label,
            style=act.ChoiceInputStyle.COMPACT,
            choices=[
                ac.InputChoice(title=msg.ADJUST_UNKNOWN, value=""),
                *[ac.InputChoice(title=t, value=json.dumps(v)) for t, v in options],
            ],
            value=json.dumps(value) if known else "",
        )
    limit = 500 if name == "use_case" else 100
    placeholder = msg.NUMBER_PLACEHOLDER if name in NUMBER_FIELDS else None
    # The stored value in full: a clipped prefill would silently change the answer when the form is submitted.
    return ac.InputText(
        id=name,
        label=label,
        value=clean(initial_text(value))[:limit] or None,
        is_multiline=name == "use_case",
        max_length=limit,
        placeholder=placeholder,
    )


def adjust_card(conversation_id: str, intake: Intake) -> dict[str, Any]:
    """The "Adjust answers" form: one input per intake field, grouped by the six steps, prefilled.

    Not fitted like the other cards: its only free text is the use case (at most 500 characters) and the
    industry (100), so even fully escaped it stays far below the limit, and it must never be shortened.
    """
    values = intake.values.model_dump()
    body: list[Any] = [
        ac.TextBlock(text=msg.ADJUST_TITLE, size=act.FontSize.LARGE, weight=act.FontWeight.BOLDER),
        ac.TextBlock(text=msg.ADJUST_INTRO, wrap=True, is_subtle=True),
    ]
    for step, step_name in STEP_NAMES.items():
        body.append(heading(msg.ADJUST_STEP.format(step=step, name=step_name)))
        body += [_input(name, values.get(name)) for name, s in FIELD_STEP.items() if s == step]
    return to_dict(
        _card(
            body,
            [submit(msg.ADJUST_SUBMIT, {"verb": ADJUST_SUBMIT, "c": conversation_id}, style=act.ActionStyle.POSITIVE)],
            msg.ADJUST_TITLE,
        )
    )
