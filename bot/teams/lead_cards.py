"""Adaptive Cards for leads: an assessment's summary (with decision buttons) and a period's digest."""

from __future__ import annotations

from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from bot.advisor.digest import Digest, DigestItem
from bot.advisor.engine import APPROACH_NAMES
from bot.advisor.summary import STATUS_LABELS, ThreadSummary
from bot.teams.cards import (
    CARD_VERSION,
    DECIDE,
    Limits,
    bullets,
    clip,
    fitted,
    heading,
    line,
    para,
    submit,
)

DECISION_STYLES = {"approved": act.ActionStyle.POSITIVE, "rejected": act.ActionStyle.DESTRUCTIVE}
NOTE_MAX = 500
DIGEST_GROUPS = {**APPROACH_NAMES, "in_progress": "Intake in progress"}


def _run(text: str, **style: Any) -> ac.TextRun:
    return ac.TextRun(text=text, **style)


def summary_card(summary: ThreadSummary, requester_name: str | None = None) -> dict[str, Any]:
    """One assessment for a lead: the six steps, recommendation, cost, risks, open questions, decision."""
    requester = requester_name or summary.requester

    def render(lim: Limits) -> ac.AdaptiveCard:
        body: list[Any] = [
            para(_run("Assessment summary", size=act.FontSize.LARGE, weight=act.FontWeight.BOLDER)),
            line(f"{summary.conversation_id} · requested by {clip(requester, lim.chars)} · "
                 f"{summary.created_at[:10]}", 200, is_subtle=True),
            line(summary.prose, lim.chars * 2),
        ]  # fmt: skip
        if summary.approach:
            body.append(para(_run("Recommendation: ", weight=act.FontWeight.BOLDER),
                             _run(f"{APPROACH_NAMES[summary.approach]} ({(summary.confidence or 0):.0%} confidence)")))
        if summary.tco_headline:
            body.append(line(summary.tco_headline, lim.chars * 2))
        body.append(heading("The six steps"))
        for step in summary.steps:
            said = "; ".join(step.said) or "nothing yet"
            unknown = f" (unknown: {', '.join(step.unknown)})" if step.unknown else ""
            body.append(para(_run(f"{step.step}. {clip(step.name, lim.chars)}: ", weight=act.FontWeight.BOLDER),
                             _run(clip(said, lim.chars)), _run(clip(unknown, lim.chars), is_subtle=True)))
        if summary.risks:
            body += [heading("Risks"), *bullets(summary.risks, lim)]
        if summary.open_questions:
            body += [heading("Open questions"), *bullets(summary.open_questions, lim)]
        status = summary.status
        if summary.decision:
            status += f" by {summary.decision.user}" + (f": {summary.decision.note}" if summary.decision.note else "")
        up, down = summary.feedback.get("up", 0), summary.feedback.get("down", 0)
        body += [para(_run("Status: ", weight=act.FontWeight.BOLDER), _run(clip(status, lim.chars))),
                 line(f"Feedback: 👍 {up} · 👎 {down}", 100, is_subtle=True)]  # fmt: skip
        actions: list[Any] = []
        if summary.approach:
            body.append(ac.InputText(id="note", label="Decision note (optional)", max_length=NOTE_MAX,
                                     placeholder="Why, or what is missing"))  # fmt: skip
            actions = [submit(label, {"verb": DECIDE, "c": summary.conversation_id, "v": status_id},
                              style=DECISION_STYLES.get(status_id)) for status_id, label in STATUS_LABELS.items()]
        return ac.AdaptiveCard(version=CARD_VERSION, body=body, actions=actions or None,
                               fallback_text=f"Assessment {summary.conversation_id}: {summary.status}")  # fmt: skip

    return fitted(render)


def _digest_line(item: DigestItem) -> str:
    confidence = f" · {item.confidence:.0%}" if item.confidence is not None else ""
    return f"{item.conversation_id} · {item.status}{confidence} · {item.requester} · {item.created_at[:10]}"


def digest_card(digest: Digest, channel_name: str | None = None) -> dict[str, Any]:
    """A lead's digest: the headline, then the assessments grouped by approach, and the latest decisions."""

    def render(lim: Limits) -> ac.AdaptiveCard:
        title = f"Digest · {digest.period}" + (f" · {channel_name}" if channel_name else "")
        body: list[Any] = [para(_run(clip(title, lim.chars), size=act.FontSize.LARGE, weight=act.FontWeight.BOLDER)),
                           line(digest.headline, lim.chars * 2)]  # fmt: skip
        for group, items in digest.groups.items():
            body.append(heading(f"{DIGEST_GROUPS.get(group, group)} ({len(items)})"))
            body += bullets([_digest_line(i) for i in items], lim)
            if len(items) > lim.items:
                body.append(line(f"…and {len(items) - lim.items} more", 40, is_subtle=True))
        if digest.recent_decisions:
            body.append(heading("Recent decisions"))
            body += bullets([_digest_line(i) for i in digest.recent_decisions], lim)
        if digest.total:
            body.append(line('Type "summary ID" for one assessment\'s details and decision buttons.', 200,
                             is_subtle=True, size=act.FontSize.SMALL))  # fmt: skip
        return ac.AdaptiveCard(version=CARD_VERSION, body=body, fallback_text=clip(digest.headline, lim.chars))

    return fitted(render)
