"""Block Kit for the leads' workflow: thread summaries, decision and reason modals, digests and the App Home.

Built with `slack_sdk.models` like the card (bot/slack/blocks.py). Digests are truncated per approach with a
count ("…and 450 more"), so a store of any size stays within Block Kit's limits (50 blocks in a message,
100 in a view, 3,000 characters in a section).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.advisor import tco
from bot.advisor.engine import APPROACH_NAMES
from bot.slack import messages as msg
from bot.slack.blocks import (
    FIELD_MAX,
    FIELDS_MAX,
    HEADER_MAX,
    MAX_BLOCKS,
    TEXT_MAX,
    bullets,
    button,
    clip,
    context,
    escape,
    safe,
    section,
    user_id,
)
from bot.workflows.digest import Digest, DigestItem
from bot.workflows.interaction import DIGEST_REASON_MAX, REASON_MAX, SUMMARY_REASON_MAX
from bot.workflows.leads import MAX_NOTE
from bot.workflows.summary import STATUS_LABELS, ThreadSummary

MAX_VIEW_BLOCKS = 100
VIEW_TITLE_MAX = 24
METADATA_MAX = 3000
DIGEST_PER_GROUP = 8  # items listed per approach in a digest message; the rest are counted
HOME_PER_GROUP = 3
MAX_RECENT_DECISIONS = 5
MAX_REASONS = 3  # 👎 reasons shown per assessment (the core keeps the most recent ones)
DECISION_CALLBACK = "decision"
REASON_CALLBACK = "feedback_reason"
NEW_CALLBACK = "new_assessment"
NEW_ACTION = "home:new_assessment"
DECISION_BLOCK = "decision"
NOTE_BLOCK = "note"
REASON_BLOCK = "reason"
DESCRIPTION_BLOCK = "description"
CHANNEL_BLOCK = "channel"
STYLES = {"approved": "primary", "rejected": "danger"}

Linker = Callable[[str, str], "str | None"]


def _title(text: str) -> PlainTextObject:
    return PlainTextObject(text=clip(text, VIEW_TITLE_MAX))


def compact(payload: dict[str, Any]) -> str:
    """A button value or private_metadata as compact JSON."""
    return json.dumps(payload, separators=(",", ":"))


def decoded(raw: str | None) -> dict[str, Any]:
    """A button value or private_metadata back as a dict (empty when forged or garbled)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# --- the thread summary ---


def summary_state(summary: ThreadSummary, version: int | None) -> dict[str, Any]:
    """What a summary showed: its assessment, intake version and decision (a later click checks it is current)."""
    return {"c": summary.conversation_id, "v": version or 0, "d": summary.decision.status if summary.decision else ""}


def _step_field(step: Any) -> MarkdownTextObject:
    said = "\n".join(f"• {escape(s)}" for s in step.said) or "—"
    unknown = "\n" + msg.SUMMARY_UNKNOWN.format(fields=escape(", ".join(step.unknown))) if step.unknown else ""
    return MarkdownTextObject(text=clip(f"*{step.step}. {escape(step.name)}*\n{said}{unknown}", FIELD_MAX))


def _outcome(summary: ThreadSummary) -> str:
    if summary.approach is None:
        return msg.NO_OUTCOME
    return f"{APPROACH_NAMES[summary.approach]} ({(summary.confidence or 0):.0%})"


def summary_text(summary: ThreadSummary) -> str:
    """The summary message's notification text."""
    return msg.SUMMARY_FALLBACK.format(outcome=_outcome(summary), status=summary.status)


def status_line(summary: ThreadSummary) -> str:
    """Decision status as the summary shows it: who decided when, and the note."""
    decision = summary.decision
    if decision is None:
        return msg.SUMMARY_STATUS.format(status=summary.status)
    if decision.stale:  # never shown as if it were made on the answers the assessment has now
        return msg.SUMMARY_REREVIEW.format(
            status=decision.label, user=user_id(decision.user), date=decision.updated_at[:10]
        )
    line = msg.SUMMARY_DECIDED.format(status=decision.label, user=user_id(decision.user), date=decision.updated_at[:10])
    return line + (f"\n>{escape(decision.note)}" if decision.note else "")


def summary_blocks(summary: ThreadSummary, *, version: int | None, permalink: str | None = None) -> list[Block]:
    """The structured summary: requester, use case, six steps, recommendation, cost, risks, open questions,
    decision status, permalink, and decision buttons for leads (when there is a recommendation)."""
    use_case = summary.use_case or msg.NO_DESCRIPTION
    head = msg.SUMMARY_REQUESTED.format(
        user=user_id(summary.requester), date=summary.created_at[:10], id=summary.conversation_id
    )
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=msg.SUMMARY_HEADER)),
        context([head, msg.SUMMARY_LINK.format(url=permalink) if permalink else ""]),
        section(msg.SUMMARY_USE_CASE.format(use_case=escape(use_case))),
        section(escape(summary.prose)),
    ]
    if summary.approach is not None:
        reason = f"\n_{escape(summary.confidence_reason)}_" if summary.confidence_reason else ""
        blocks.append(
            section(
                msg.SUMMARY_RECOMMENDATION.format(
                    approach=APPROACH_NAMES[summary.approach], confidence=summary.confidence or 0
                )
                + reason
            )
        )
    else:
        blocks.append(section(msg.SUMMARY_NO_RECOMMENDATION))
    if summary.tco_headline:
        blocks.append(section(msg.SUMMARY_TCO.format(headline=escape(summary.tco_headline))))
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=msg.SUMMARY_STEPS), fields=[_step_field(s) for s in summary.steps][:FIELDS_MAX]
        )
    )
    if summary.risks:
        blocks.append(bullets(msg.SUMMARY_RISKS, summary.risks))
    if summary.open_questions:
        blocks.append(bullets(msg.SUMMARY_OPEN_QUESTIONS, summary.open_questions))
    feedback = msg.SUMMARY_FEEDBACK.format(up=summary.feedback.get("up", 0), down=summary.feedback.get("down", 0))
    blocks.append(section(status_line(summary)))
    blocks.append(context([feedback, msg.SUMMARY_BY_MODEL if summary.wording == "llm" else ""]))
    reasons = _reasons(summary.feedback_reasons)
    if reasons:
        blocks.append(
            section("\n".join([msg.SUMMARY_FEEDBACK_REASONS, *(f"• {safe(r, SUMMARY_REASON_MAX)}" for r in reasons)]))
        )
    if summary.approach is not None:
        value = compact(summary_state(summary, version))
        blocks.append(context([msg.SUMMARY_DECIDE_HINT]))
        blocks.append(
            ActionsBlock(
                block_id=DECISION_BLOCK,
                elements=[
                    button(msg.DECISION_LABELS[s], f"decision:{s}", value, style=STYLES.get(s)) for s in STATUS_LABELS
                ],
            )
        )
    return blocks[:MAX_BLOCKS]


def decision_modal(status: str, state: dict[str, Any], where: dict[str, str]) -> View:
    """The small modal a lead confirms a decision in, with an optional note."""
    meta = compact({**state, "s": status, **where})
    return View(
        type="modal",
        callback_id=DECISION_CALLBACK,
        private_metadata=meta[:METADATA_MAX],
        title=_title(msg.DECISION_TITLES[status]),
        submit=_title(msg.DECISION_SUBMIT),
        close=_title(msg.MODAL_CANCEL),
        blocks=[
            section(msg.DECISION_PROMPT.format(id=escape(str(state.get("c", ""))), status=STATUS_LABELS[status])),
            InputBlock(
                block_id=NOTE_BLOCK,
                label=msg.DECISION_NOTE_LABEL,
                optional=True,
                hint=msg.DECISION_NOTE_HINT,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_NOTE),
            ),
        ],
    )


def reason_modal(conversation_id: str, where: dict[str, str]) -> View:
    """The 👎 reason modal (the 👎 itself is already stored when it opens)."""
    return View(
        type="modal",
        callback_id=REASON_CALLBACK,
        private_metadata=compact({"c": conversation_id, **where})[:METADATA_MAX],
        title=_title(msg.FEEDBACK_REASON_TITLE),
        submit=_title(msg.FEEDBACK_REASON_SUBMIT),
        close=_title(msg.MODAL_SKIP),
        blocks=[
            section(msg.FEEDBACK_REASON_PROMPT),
            InputBlock(
                block_id=REASON_BLOCK,
                label=msg.FEEDBACK_REASON_LABEL,
                optional=True,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=REASON_MAX),
            ),
        ],
    )


def new_assessment_modal() -> View:
    """The App Home's "New assessment" modal: a description and, optionally, a channel for the thread."""
    return View(
        type="modal",
        callback_id=NEW_CALLBACK,
        title=_title(msg.NEW_TITLE),
        submit=_title(msg.NEW_SUBMIT),
        close=_title(msg.MODAL_CANCEL),
        blocks=[
            InputBlock(
                block_id=DESCRIPTION_BLOCK,
                label=msg.NEW_DESCRIPTION,
                hint=msg.NEW_DESCRIPTION_HINT,
                element=PlainTextInputElement(action_id="value", multiline=True, max_length=2500),
            ),
            InputBlock(
                block_id=CHANNEL_BLOCK,
                label=msg.NEW_CHANNEL,
                hint=msg.NEW_CHANNEL_HINT,
                optional=True,
                element=ConversationSelectElement(
                    action_id="value", filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True)
                ),
            ),
        ],
    )


# --- digests ---


def _where(channel: str) -> str:
    return msg.DIGEST_DM if channel.startswith("D") else f"<#{channel}>"


def item_line(item: DigestItem, link: str | None) -> str:
    """One assessment in a digest: id (linked), channel, requester, confidence, status, crossover, feedback."""
    ident = f"<{link}|`{item.conversation_id}`>" if link else f"`{item.conversation_id}`"
    parts = [ident, _where(user_id(item.channel)), f"<@{user_id(item.requester)}>"]
    if item.confidence is not None:
        parts.append(f"{item.confidence:.0%}")
    parts.append(f"*{item.status}*")
    if item.crossover is not None:
        parts.append(msg.DIGEST_CROSSOVER.format(volume=tco.format_volume(item.crossover)))
    if item.feedback_up or item.feedback_down:
        parts.append(msg.DIGEST_FEEDBACK.format(up=item.feedback_up, down=item.feedback_down))
    reasons = [f"“{safe(r, DIGEST_REASON_MAX)}”" for r in _reasons(item.feedback_reasons)]
    if reasons:
        parts.append(msg.DIGEST_REASONS.format(reasons="; ".join(reasons)))
    parts.append(item.created_at[:10])
    return " · ".join(parts)


def _reasons(reasons: Sequence[str]) -> list[str]:
    """The most recent 👎 reasons (the core gives them newest first), on one line each."""
    return [" ".join(r.split()) for r in reasons if r.strip()][:MAX_REASONS]


def _lines(items: Sequence[DigestItem], links: Linker, title: str) -> tuple[SectionBlock, int]:
    """A titled list of items within one section's limit, and how many of them fit."""
    lines = [title]
    used = len(title)
    for item in items:
        line = "• " + item_line(item, links(item.channel, item.thread))
        if used + len(line) + 1 > TEXT_MAX - 2:
            break
        lines.append(line)
        used += len(line) + 1
    return section("\n".join(lines)), len(lines) - 1


def counts_line(digest: Digest) -> str:
    """Counts by approach, e.g. "Fine-tuning 120 · Prompt engineering 300 · 500 in all"."""
    counts = " · ".join(
        f"{name} {digest.counts[key]}" for key, name in msg.DIGEST_GROUP_NAMES.items() if digest.counts.get(key)
    )
    return msg.DIGEST_COUNTS.format(counts=counts or msg.DIGEST_NONE, total=digest.total)


def digest_blocks(
    digest: Digest,
    links: Linker,
    *,
    per_group: int = DIGEST_PER_GROUP,
    since: str = "30d",
    header: bool = True,
    channel_name: str | None = None,
) -> list[Block]:
    """A digest grouped by approach: counts, up to `per_group` items per group (the rest counted), and
    recent decisions."""
    blocks: list[Block] = []
    if header:
        title = (
            msg.DIGEST_HEADER_CHANNEL.format(period=digest.period, channel=channel_name or digest.channel)
            if digest.channel
            else msg.DIGEST_HEADER.format(period=digest.period)
        )
        blocks.append(HeaderBlock(text=PlainTextObject(text=clip(title, HEADER_MAX))))
    blocks.append(section(escape(digest.headline)))
    if not digest.total:
        blocks.append(context([msg.DIGEST_ONLY_VISIBLE]))
        return blocks
    blocks.append(context([counts_line(digest), msg.DIGEST_ONLY_VISIBLE]))
    for key, name in msg.DIGEST_GROUP_NAMES.items():
        items = digest.groups.get(key) or []
        if not items:
            continue
        blocks.append(DividerBlock())
        count = digest.counts.get(key, len(items))  # the groups hold the newest items; the counts cover all
        listed, shown = _lines(items[:per_group], links, msg.DIGEST_GROUP.format(name=name, count=count))
        blocks.append(listed)
        if count > shown:
            blocks.append(context([msg.DIGEST_MORE.format(more=count - shown, since=since)]))
    if digest.recent_decisions:
        blocks.append(DividerBlock())
        blocks.append(_lines(digest.recent_decisions[:MAX_RECENT_DECISIONS], links, msg.DIGEST_RECENT_DECISIONS)[0])
    return blocks


def digest_text(digest: Digest) -> str:
    """The digest message's notification text."""
    return clip(digest.headline, 3000)


# --- App Home ---


@dataclass(frozen=True)
class MyAssessment:
    """One of the viewer's own assessments as the App Home lists it."""

    conversation_id: str
    channel: str
    thread: str
    use_case: str | None
    approach: str | None
    confidence: float | None
    status: str
    updated_at: str


def _mine_line(item: MyAssessment, link: str | None) -> str:
    what = safe(item.use_case or msg.NO_DESCRIPTION, 120)
    title = f"<{link}|{what}>" if link else what
    outcome = (
        f"{APPROACH_NAMES[item.approach]} · {(item.confidence or 0):.0%}" if item.approach else msg.HOME_IN_PROGRESS
    )
    return msg.HOME_ITEM.format(
        title=title, where=_where(item.channel), outcome=outcome, status=item.status, date=item.updated_at[:10]
    )


def _home_top() -> list[Block]:
    return [
        HeaderBlock(text=PlainTextObject(text=msg.HOME_TITLE)),
        section(msg.HOME_INTRO),
        ActionsBlock(block_id="home_actions", elements=[button(msg.HOME_NEW, NEW_ACTION, "new", style="primary")]),
        DividerBlock(),
    ]


def home_view(
    mine: Sequence[MyAssessment], links: Linker, digest: Digest | None = None, digest_since: str = "30d"
) -> View:
    """The App Home: a "New assessment" button, the viewer's recent assessments, and for leads the digest."""
    blocks: list[Block] = [*_home_top(), section(msg.HOME_MINE)]
    if not mine:
        blocks.append(context([msg.HOME_MINE_NONE]))
    for item in mine[:10]:
        blocks.append(section(_mine_line(item, links(item.channel, item.thread))))
    if digest is not None:
        blocks += [DividerBlock(), section(msg.HOME_LEADS.format(period=digest.period.removeprefix("last ")))]
        blocks += digest_blocks(digest, links, per_group=HOME_PER_GROUP, since=digest_since, header=False)
        blocks.append(context([msg.HOME_LEADS_MORE]))
    return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])


def home_error_view(text: str) -> View:
    """The App Home when it couldn't be built: what went wrong, and the "New assessment" button still works."""
    return View(type="home", blocks=[*_home_top(), section(escape(text))])
