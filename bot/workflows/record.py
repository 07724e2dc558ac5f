"""A decision record (an ADR in Markdown) for one stored assessment: context, the options with their 3-year cost,
the decision, its consequences, open questions and sources. Built from stored facts only; the user's words are
quoted, escaped so they cannot turn into Markdown structure or links."""

from __future__ import annotations

import re

from bot.advisor import engine, tco
from bot.advisor.intake import FIELD_LABELS, FIELD_STEP, STEP_NAMES, Intake
from bot.errors import InputError
from bot.storage.store import Store
from bot.text import strip_controls
from bot.workflows.summary import ThreadSummary, build_summary, display

_MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")
APPROACHES = ("prompt_engineering", "fine_tuning", "hybrid")


def escape(text: str) -> str:
    """User text as literal Markdown on one line (no headings, links, tables or HTML from it)."""
    return _MARKUP.sub(r"\\\1", " ".join(strip_controls(text).split()))


def short_use_case(use_case: str, limit: int = 60) -> str:
    """The use case's first clause, on one line and at most `limit` characters (titles)."""
    line = " ".join(re.split(r"[;.\n]", use_case.strip(), maxsplit=1)[0].split()) or " ".join(use_case.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def record_filename(conversation_id: str) -> str:
    """A file name for the record."""
    return f"decision-record-{re.sub(r'[^A-Za-z0-9-]', '', conversation_id)}.md"


def decision_record(store: Store, conversation_id: str) -> str:
    """The Markdown record of an assessment (NotFoundError for an unknown id; InputError before any
    recommendation: there is nothing to record yet)."""
    summary = build_summary(store, conversation_id)
    rec = store.latest_recommendation(conversation_id)
    if rec is None:
        raise InputError(f"Assessment {conversation_id} has no recommendation yet: answer its questions first.")
    intake = store.latest_intake(conversation_id)
    parts = [
        _header(summary, rec),
        _context(summary, intake),
        _options(rec),
        _decision(summary, rec),
        _consequences(rec),
        _section("Open questions", summary.open_questions or ["None: every fact is known."]),
        _sources(rec),
    ]
    return "\n\n".join(parts) + "\n"


def _header(summary: ThreadSummary, rec: engine.Recommendation) -> str:
    use = escape(short_use_case(summary.use_case)) if summary.use_case else "an AI feature"
    name = engine.APPROACH_NAMES[rec.approach]
    decided = summary.decision
    status = summary.status if decided else "Proposed (recommended by the advisor; no lead decision yet)"
    lines = [
        f"# Decision record: {name} for {use}",
        "",
        f"- Status: {status}",
        f"- Date: {(decided.updated_at if decided else summary.created_at)[:10]}",
        f"- Assessment: {summary.conversation_id} ({summary.platform}, requested by {escape(summary.requester)})",
    ]
    if decided:
        lines.append(f"- Decided by: {escape(decided.user)}")
    return "\n".join(lines)


def _context(summary: ThreadSummary, intake: Intake) -> str:
    lines = ["## Context", ""]
    if summary.use_case:
        lines += [f"Use case, as described: {escape(summary.use_case)}", ""]
    values = intake.values.model_dump()
    for step, step_name in STEP_NAMES.items():
        facts = []
        for name, field_step in FIELD_STEP.items():
            if field_step != step or name == "use_case" or values.get(name) is None:
                continue
            quote = intake.provenance.get(name)
            said = f" (“{escape(quote.quote)}”)" if quote is not None and quote.quote else ""
            facts.append(f"{FIELD_LABELS[name]}: {escape(display(values[name]))}{said}")
        lines.append(f"- **Step {step}, {step_name}:** " + ("; ".join(facts) if facts else "unknown"))
    return "\n".join(lines)


def _options(rec: engine.Recommendation) -> str:
    est = rec.tco
    months = f"{est.horizon_months:g} months"
    volume = tco.format_volume(est.monthly_requests) + (" (assumed)" if est.volume_assumed else "")
    lines = [
        "## Options considered",
        "",
        f"Costs at {volume} requests/month over {months}:",
        "",
        f"| Option | One-time | Monthly | Total over {months} |",
        "|---|---:|---:|---:|",
    ]
    for approach in APPROACHES:
        cost = est.approaches[approach]
        chosen = " (recommended)" if approach == rec.approach else ""
        lines.append(
            f"| {engine.APPROACH_NAMES[approach]}{chosen} | {tco.format_usd(cost.one_time_usd)} | "
            f"{tco.format_usd(cost.monthly_usd)} | {tco.format_usd(cost.total_usd)} |"
        )
    lines += ["", tco.cost_sentence(est)]
    return "\n".join(lines)


def _decision(summary: ThreadSummary, rec: engine.Recommendation) -> str:
    lines = [
        "## Decision",
        "",
        f"The advisor recommends **{engine.APPROACH_NAMES[rec.approach]}** with {rec.confidence:.0%} confidence "
        f"({rec.confidence_reason}). {rec.verdict}",
    ]
    if rec.because:
        lines += ["", "Because:", *[f"- {b}" for b in rec.because]]
    if rec.trade_off:
        lines += ["", f"Trade-off accepted: {rec.trade_off}"]
    decided = summary.decision
    if decided:
        note = f": {escape(decided.note)}" if decided.note else ""
        stale = " It was made on earlier answers and needs re-review." if decided.stale else ""
        lines += ["", f"Lead decision: **{decided.label}** by {escape(decided.user)}{note}.{stale}"]
    return "\n".join(lines)


def _consequences(rec: engine.Recommendation) -> str:
    lines = ["## Consequences", ""]
    lines += ["Risks:", *[f"- {r}" for r in rec.risks]] if rec.risks else ["Risks: none named."]
    if rec.next_steps:
        lines += ["", "Next steps:", *[f"{i}. {s}" for i, s in enumerate(rec.next_steps, 1)]]
    if rec.would_change:
        lines += ["", "What would change this decision:", *[f"- {w}" for w in rec.would_change]]
    return "\n".join(lines)


def _sources(rec: engine.Recommendation) -> str:
    items = [f"{c.source} § {c.section}" for c in rec.citations]
    items += [f"Case study: {c.name} ({c.source}): {c.takeaway}" for c in rec.case_studies]
    items.append(tco.sources_summary(tco.assumptions_of(rec.tco)))
    return _section("Sources", items)


def _section(title: str, items: list[str]) -> str:
    return "\n".join([f"## {title}", "", *[f"- {item}" for item in items]])
