"""Adaptive Cards for leads: an assessment's summary (with decision buttons) and a period's digest."""

from __future__ import annotations

from typing import Any

from adaptive_cards import card as ac
from adaptive_cards import types as act

from bot.advisor.engine import APPROACH_NAMES
from bot.teams import messages as msg
from bot.teams.cards import CARD_VERSION, DECIDE, Limits, bullets, clip, fitted, heading, line, para, run, submit
from bot.workflows.digest import Digest, DigestItem
from bot.workflows.interaction import DIGEST_REASON_MAX, SUMMARY_REASON_MAX
from bot.workflows.summary import STATUS_LABELS, ThreadSummary

DECISION_STYLES = {"approved": act.ActionStyle.POSITIVE, "rejected": act.ActionStyle.DESTRUCTIVE}
NOTE_MAX = 500
DIGEST_GROUPS = {**APPROACH_NAMES, "in_progress": msg.IN_PROGRESS_GROUP}
MAX_REASONS = 3  # 👎 reasons shown per assessment (the core gives the most recent ones)


def _bold(text: str) -> ac.TextRun:
    return run(text, weight=act.FontWeight.BOLDER)


def _reasons(reasons: list[str], limit: int) -> list[str]:
    """The latest 👎 reasons, newest first, each on one line and clipped (users' words: shown as plain text)."""
    return [clip(" ".join(r.split()), limit) for r in reasons if r.strip()][:MAX_REASONS]


def _summary_feedback(summary: ThreadSummary, lim: Limits) -> list[Any]:
    """The vote counts, then why people voted 👎 in their own words."""
    up, down = summary.feedback.get("up", 0), summary.feedback.get("down", 0)
    out: list[Any] = [line(msg.FEEDBACK_COUNTS.format(up=up, down=down), 100, is_subtle=True)]
    reasons = _reasons(summary.feedback_reasons, min(SUMMARY_REASON_MAX, lim.chars))
    if reasons:
        out += [heading(msg.FEEDBACK_REASONS_HEADING), *bullets(reasons, lim)]
    return out


def summary_card(summary: ThreadSummary, requester_name: str | None = None) -> dict[str, Any]:
    """One assessment for a lead: the six steps, recommendation, cost, risks, open questions, feedback, decision."""
    requester = requester_name or summary.requester

    def render(lim: Limits) -> ac.AdaptiveCard:
        byline = msg.SUMMARY_BYLINE.format(
            id=summary.conversation_id, requester=clip(requester, lim.chars), date=summary.created_at[:10]
        )
        body: list[Any] = [
            para(run(msg.SUMMARY_TITLE, size=act.FontSize.LARGE, weight=act.FontWeight.BOLDER)),
            line(byline, 200, is_subtle=True),
            line(summary.prose, lim.chars * 2),
        ]
        if summary.approach:
            approach = msg.SUMMARY_APPROACH.format(
                approach=APPROACH_NAMES[summary.approach], confidence=summary.confidence or 0
            )
            body.append(para(_bold(msg.LABEL.format(label=msg.SUMMARY_RECOMMENDATION)), run(approach)))
        if summary.tco_headline:
            body.append(line(summary.tco_headline, lim.chars * 2))
        body.append(heading(msg.SUMMARY_STEPS_HEADING))
        for step in summary.steps:
            said = msg.LIST_SEPARATOR.join(step.said) or msg.NOTHING_SAID
            unknown = msg.STEP_UNKNOWN.format(fields=", ".join(step.unknown)) if step.unknown else ""
            body.append(
                para(
                    _bold(msg.STEP_SAID.format(step=step.step, name=clip(step.name, lim.chars))),
                    run(clip(said, lim.chars)),
                    run(clip(unknown, lim.chars), is_subtle=True),
                )
            )
        if summary.risks:
            body += [heading(msg.RISKS_HEADING), *bullets(summary.risks, lim)]
        if summary.open_questions:
            body += [heading(msg.OPEN_QUESTIONS_HEADING), *bullets(summary.open_questions, lim)]
        status = summary.status
        if summary.decision and summary.decision.stale:  # never shown as made on the answers there are now
            status = msg.DECIDED_STALE.format(
                status=status, decision=summary.decision.label, user=summary.decision.user
            )
        elif summary.decision:
            status = msg.DECIDED_BY.format(status=status, user=summary.decision.user)
            if summary.decision.note:
                status = msg.DECIDED_WITH_NOTE.format(decision=status, note=summary.decision.note)
        body.append(para(_bold(msg.LABEL.format(label=msg.STATUS)), run(clip(status, lim.chars))))
        body += _summary_feedback(summary, lim)
        actions: list[Any] = []
        if summary.approach:
            body.append(
                ac.InputText(id="note", label=msg.NOTE_LABEL, max_length=NOTE_MAX, placeholder=msg.NOTE_PLACEHOLDER)
            )
            actions = [
                submit(
                    label,
                    {"verb": DECIDE, "c": summary.conversation_id, "v": status_id},
                    style=DECISION_STYLES.get(status_id),
                )
                for status_id, label in STATUS_LABELS.items()
            ]
        fallback = msg.SUMMARY_FALLBACK.format(id=summary.conversation_id, status=summary.status)
        return ac.AdaptiveCard(version=CARD_VERSION, body=body, actions=actions or None, fallback_text=fallback)

    return fitted(render)


def _digest_line(item: DigestItem) -> str:
    confidence = msg.DIGEST_CONFIDENCE.format(confidence=item.confidence) if item.confidence is not None else ""
    return msg.DIGEST_LINE.format(
        id=item.conversation_id,
        status=item.status,
        confidence=confidence,
        requester=item.requester,
        date=item.created_at[:10],
    )


def _digest_item(item: DigestItem, lim: Limits) -> list[Any]:
    """One assessment of a digest: its line, then one line of feedback when anyone gave some."""
    out: list[Any] = bullets([_digest_line(item)], lim)
    reasons = _reasons(item.feedback_reasons, min(DIGEST_REASON_MAX, lim.chars))
    if item.feedback_up or item.feedback_down or reasons:
        feedback = msg.FEEDBACK_COUNTS.format(up=item.feedback_up, down=item.feedback_down)
        if reasons:
            why = msg.LIST_SEPARATOR.join(msg.QUOTED.format(text=r) for r in reasons)
            feedback = msg.DIGEST_FEEDBACK_REASONS.format(feedback=feedback, reasons=why)
        out.append(line(feedback, lim.chars * 2, is_subtle=True, size=act.FontSize.SMALL))
    return out


def digest_card(digest: Digest, channel_name: str | None = None) -> dict[str, Any]:
    """A lead's digest: the headline, then the assessments grouped by approach, and the latest decisions."""

    def render(lim: Limits) -> ac.AdaptiveCard:
        title = msg.DIGEST_TITLE.format(period=digest.period)
        if channel_name:
            title = msg.DIGEST_IN_CHANNEL.format(title=title, channel=channel_name)
        body: list[Any] = [
            para(run(clip(title, lim.chars), size=act.FontSize.LARGE, weight=act.FontWeight.BOLDER)),
            line(digest.headline, lim.chars * 2),
        ]
        for group, items in digest.groups.items():
            count = digest.counts.get(group, len(items))  # the groups hold the newest items; the counts cover all
            body.append(heading(msg.DIGEST_GROUP.format(group=DIGEST_GROUPS.get(group, group), count=count)))
            shown = items[: lim.items]
            for item in shown:
                body += _digest_item(item, lim)
            if count > len(shown):
                body.append(line(msg.MORE.format(count=count - len(shown)), 40, is_subtle=True))
        if digest.recent_decisions:
            body.append(heading(msg.RECENT_DECISIONS_HEADING))
            body += bullets([_digest_line(i) for i in digest.recent_decisions], lim)
        if digest.total:
            body.append(line(msg.DIGEST_HINT, 200, is_subtle=True, size=act.FontSize.SMALL))
        return ac.AdaptiveCard(version=CARD_VERSION, body=body, fallback_text=clip(digest.headline, lim.chars))

    return fitted(render)
