"""Renderings of a recommendation that are not platform cards: the assessment JSON and the terminal card."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.advisor import tco
from bot.advisor.engine import APPROACH_NAMES, Recommendation
from bot.advisor.intake import FIELDS, Intake

REQUIRED_FIELDS = (
    "use_case",
    "mission_critical",
    "needs",
    "priority",
    "labeled_examples",
    "data_quality",
    "monthly_requests",
    "budget_usd",
    "deadline_weeks",
    "ml_expertise",
    "regulated",
    "industry",
    "sensitive_data",
    "changes_often",
)


def assessment_json(
    rec: Recommendation, intake: Intake, *, id: str | None = None, notes: list[str] | None = None
) -> dict[str, Any]:
    """The assessment as the `assess --json` contract describes it."""
    values = intake.values.model_dump()
    out: dict[str, Any] = {}
    if id is not None:
        out["id"] = id
    out |= {
        "approach": rec.approach,
        "confidence": rec.confidence,
        "confidence_reason": rec.confidence_reason,
        "verdict": rec.verdict,
        "because": rec.because,
        "trade_off": rec.trade_off,
        "gap": rec.gap,
        "techniques": rec.techniques,
        "hybrid_form": rec.hybrid_form,
        "regulations": rec.regulations,
        "intake": {name: values[name] for name in FIELDS},
        "provenance": {k: p.model_dump(exclude_none=True) for k, p in intake.provenance.items()},
        "missing": [name for name in REQUIRED_FIELDS if values[name] is None],
        "factors": [
            {"step": f.step, "name": f.name, "leans": f.leans, "weight": f.weight, "why": f.why, "said": f.said}
            for f in rec.factors
        ],
        "gates": [g.model_dump() for g in rec.gates],
        "tco": {
            "horizon_months": rec.tco.horizon_months,
            "monthly_requests": rec.tco.monthly_requests,
            "volume_assumed": rec.tco.volume_assumed,
            "totals_usd": {name: round(cost.total_usd, 2) for name, cost in rec.tco.approaches.items()},
            "monthly_usd": {name: round(cost.monthly_usd, 2) for name, cost in rec.tco.approaches.items()},
            "one_time_usd": {name: round(cost.one_time_usd, 2) for name, cost in rec.tco.approaches.items()},
            "crossover_monthly_requests": rec.tco.crossover_monthly_requests,
            "cheapest": rec.tco.cheapest,
            "cost_summary": tco.cost_sentence(rec.tco, rec.tco.rival),
            "crossover_statement": tco.crossover_statement(rec.tco),
            "comparison": tco.models_line(rec.tco),
            "prices": tco.basis_of(rec.tco).model_dump(),
            "shapes_total_usd": {name: round(cost.total_usd, 2) for name, cost in rec.tco.shapes.items()},
            "shape_crossovers": rec.tco.shape_crossovers,
            "profile": rec.tco.profile.model_dump(),
            "assumptions": rec.tco.assumptions,
            "notes": rec.tco.notes,
        },
        "next_steps": rec.next_steps,
        "risks": rec.risks,
        "would_change": rec.would_change,
        "citations": [c.model_dump() for c in rec.citations],
        "case_studies": [c.name for c in rec.case_studies],
        "notes": notes or [],
        "wording": rec.wording,
        "templates": rec.templates,
        "llm_usage": rec.llm_usage,
    }
    return out


def tco_headline(rec: Recommendation) -> str:
    """One line: the totals over the horizon (3 years by default), the models and price dates behind them, and
    the card's one crossover."""
    t = rec.tco
    totals = ", ".join(
        f"{APPROACH_NAMES[name].split(' (')[0]} {tco.format_usd(cost.total_usd)}" for name, cost in t.approaches.items()
    )
    volume = f"{tco.format_volume(t.monthly_requests)} requests/month" + (" (assumed)" if t.volume_assumed else "")
    b = tco.basis_of(t)
    models = (
        f"prompting {tco.dated(b.prompt_model, b.prompt_as_of)} vs fine-tuned {tco.dated(b.tune_model, b.tune_as_of)}"
    )
    return f"{tco.horizon_label(t.horizon_months)} cost at {volume}, {models}: {totals}. {tco.crossover_statement(t)}"


def tco_comparison(rec: Recommendation) -> str:
    """Which comparison the headline uses and why, and the same-model one when it differs."""
    return tco.models_line(rec.tco)


def tco_sources(rec: Recommendation) -> str:
    """One line under the cost: the prices the estimate used and where every assumption is explained."""
    return tco.sources_summary(tco.assumptions_of(rec.tco))


def text_card(rec: Recommendation, width: int = 88) -> str:
    """The recommendation as readable terminal text."""

    def wrap(text: str, indent: str = "  ") -> str:
        return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ")

    bar = "─" * width
    lines = [bar, f"  {APPROACH_NAMES[rec.approach].upper()}  ·  confidence {rec.confidence:.0%}", bar]
    lines.append(wrap(rec.verdict))
    lines.append(wrap(f"Confidence: {rec.confidence_reason}."))
    lines.append("\n  The six steps")
    for f in rec.factors:
        arrow = {
            "fine_tuning": "fine-tuning",
            "prompt_engineering": "prompting",
            "hybrid": "hybrid",
            "neutral": "neutral",
        }[f.leans]
        lines.append(wrap(f"{f.step}. {f.name} → {arrow}: {f.why}.  [you said: {f.said}]", "  "))
    lines.append("\n  Cost")
    lines.append(wrap(tco_headline(rec)))
    lines.append(wrap(tco_comparison(rec)))
    lines.append(wrap(tco_sources(rec)))
    for title, items in (("Risks", rec.risks), ("Next steps", rec.next_steps)):
        if items:
            lines.append(f"\n  {title}")
            lines += [wrap(f"• {item}", "   ") for item in items]
    if rec.case_studies:
        lines.append("\n  Customer story")
        lines += [wrap(f"{c.name}: {c.takeaway} ({c.source})", "   ") for c in rec.case_studies]
    if rec.citations:
        lines.append("\n  Sources")
        lines += [wrap(f"{c.source} § {c.section}", "   ") for c in rec.citations]
    if rec.wording == "offline":
        lines.append("\n  (wording produced offline)")
    lines.append(bar)
    return "\n".join(lines)
