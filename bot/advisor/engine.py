"""The decision engine: intake -> Recommendation. Pure, deterministic and explainable; no LLM decides."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from bot.advisor import regulation, tco, workloads
from bot.advisor import techniques as tech
from bot.advisor.intake import FIELDS, STEP_NAMES, Approach, Intake, IntakeValues

MIN_FT_EXAMPLES = 10_000  # the brief: fine-tuning usually needs 10,000+ clean labeled examples
# Below 10,000 a narrow, stable task can still start with a parameter-efficient (LoRA) pilot when everything else
# favours tuning: providers report gains from 50-100 examples; a pilot wants a few hundred so a held-out set remains.
MIN_PILOT_EXAMPLES = 200
PILOT_THRESHOLD = 0.8  # evidence from the other steps a pilot needs: it is a cheap, measured bet, not a full build
MIN_FT_WEEKS = 4.0  # below this, fine-tuning cannot be built, evaluated and shipped in time
# Weighted evidence needed for pure fine-tuning. Step 3 now scores the computed 3-year totals honestly (at
# moderate volumes prompting is usually cheaper), so the bar sits lower than when cost leaned to tuning by default.
FT_THRESHOLD = 1.2
HYBRID_THRESHOLD = 0.8  # weaker evidence suffices when prompting keeps the flexible part
# A hybrid on a judgement call: part of the task changes, and a stable part is plainly worth tuning (10,000+
# usable examples, people who can tune, a skill rather than only facts), while the rest of the evidence is lukewarm
# (usually step 3 at moderate volume). It needs the stable part's evidence to lean, if only a little, to tuning
# (set between the specialist's tuning cases: hybrids at 0.3, a prompting case whose labels go stale at -0.05).
CORE_FLOOR = 0.15
JUDGEMENT_CAP = 0.7  # an approach chosen on a judgement call (hybrid or not) never claims more confidence than this
STEP_WEIGHTS = {1: 1.0, 2: 1.0, 3: 1.0, 4: 0.8, 5: 1.0, 6: 0.8}
MAX_COST_WEIGHT = 1.6  # step 3 counts up to this much when one approach costs many times the other
FULL_EVIDENCE = 6  # decisive groups known for full evidence
SNAPPY_MS = 1000  # p95 at or below which long prompts and a fallback call hurt
# Facts that move the decision; how many are known drives confidence.
DECISIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("latency_p95_ms",),
    ("labeled_examples", "reviewed_output_count"),
    ("ml_expertise", "has_fine_tuned_model"),
    ("monthly_requests",),
    ("deadline_weeks",),
    ("budget_usd",),
    ("changes_often", "knowledge_gap"),
    ("regulated", "sensitive_data"),
    ("needs", "priority", "mission_critical", "behavior_gap"),
    ("data_quality",),
)

Leans = Literal["fine_tuning", "prompt_engineering", "hybrid", "neutral"]
APPROACH_NAMES: dict[str, str] = {
    "prompt_engineering": "Prompt engineering",
    "fine_tuning": "Fine-tuning",
    "hybrid": "Hybrid (fine-tune + prompt)",
}
# Which way a step leans, as the cards write it.
LEAN_NAMES: dict[str, str] = {
    "fine_tuning": "fine-tuning",
    "prompt_engineering": "prompting",
    "hybrid": "hybrid",
    "neutral": "neutral",
}


class Reason(BaseModel):
    """One piece of a step's evidence: which way it leans (signed score) and the words the card uses."""

    score: float = Field(description="signed evidence: positive favours fine-tuning, 0 for unknowns")
    text: str
    flexible: bool = Field(default=False, description="about the part that changes (the hybrid's prompt layer)")
    requirement: bool = Field(default=False, description="a hard requirement (latency) counted outside the clamp")


class Factor(BaseModel):
    """How one of the six steps leans, how strongly, and why in terms of the user's own facts."""

    step: int
    name: str
    leans: Leans
    weight: float = Field(ge=0, le=1)
    score: float = Field(description="signed evidence: positive favours fine-tuning")
    why: str
    said: str = Field(description="what the user said for this step, or 'unknown'")
    reasons: list[Reason] = Field(default_factory=list)


class WhatIf(BaseModel):
    """A fact that, changed alone, flips this recommendation: the field, the value tried, and the result."""

    field: str
    value: float | int | str | bool
    text: str
    then: Approach


class Gate(BaseModel):
    """A hard constraint that rules fine-tuning out for now, and what would lift it."""

    step: int
    name: str
    reason: str
    would_change: str


class Citation(BaseModel):
    """A knowledge passage that supports the recommendation."""

    source: str = Field(description="path relative to the knowledge directory's parent, e.g. knowledge/cases/goto.md")
    section: str
    quote: str = ""


class CaseStudy(BaseModel):
    """A customer story that matches the recommendation, with its one-line takeaway."""

    name: str
    source: str
    takeaway: str


class Recommendation(BaseModel):
    """The engine's answer."""

    approach: Approach
    confidence: float = Field(ge=0, le=1)
    confidence_reason: str
    verdict: str
    gap: Literal["knowledge", "behavior", "both", "unclear"]
    factors: list[Factor]
    gates: list[Gate]
    risks: list[str]
    next_steps: list[str]
    would_change: list[str]
    missing: list[str]
    tco: tco.TcoEstimate
    because: list[str] = Field(default_factory=list, description="the reasons the verdict cites for the approach")
    trade_off: str = Field(default="", description="the strongest reason against, named in the verdict")
    what_if: list[WhatIf] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    techniques: list[tech.Technique] = Field(
        default_factory=list, description="the techniques inside the approach (LoRA pilot, distillation, routing...)"
    )
    regulations: list[str] = Field(default_factory=list, description="keys of the regulatory regimes that apply")
    case_studies: list[CaseStudy] = Field(default_factory=list)
    hybrid_form: tech.HybridForm | None = Field(
        default=None, description="which hybrid, when the approach is hybrid: prompt_layer, retrieval or cascade"
    )
    wording: Literal["offline", "llm"] = "offline"
    # LLM mode audit trail: template name -> sha256 of every prompt used, and the turn's call/token counts.
    templates: dict[str, str] = Field(default_factory=dict)
    llm_usage: dict[str, int] = Field(default_factory=dict)


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _weeks(w: float) -> str:
    return f"{w:g} week" + ("" if w == 1 else "s")


def _ms(ms: float) -> str:
    if ms >= 3_600_000:
        return f"{ms / 3_600_000:g} h"
    return f"{ms / 1000:g} s" if ms >= 1000 else f"{ms:g} ms"


def _clamp(x: float) -> float:
    return max(-1.0, min(1.0, x))


def _said(v: IntakeValues, names: tuple[str, ...]) -> str:
    parts = []
    for name in names:
        value = getattr(v, name)
        if value is None:
            continue
        if isinstance(value, bool):
            parts.append(f"{name.replace('_', ' ')}: {'yes' if value else 'no'}")
        elif isinstance(value, float | int) and name == "budget_usd":
            parts.append(f"budget {tco.format_usd(float(value))}")
        elif isinstance(value, float | int) and name == "monthly_requests":
            parts.append(f"{tco.format_volume(int(value))} requests/month")
        elif isinstance(value, float | int) and name == "labeled_examples":
            parts.append(f"{_n(value)} labeled examples")
        elif isinstance(value, float | int) and name == "deadline_weeks":
            parts.append(f"live in {_weeks(float(value))}")
        elif isinstance(value, float | int) and name == "latency_p95_ms":
            parts.append(f"p95 {_ms(value)}")
        else:
            parts.append(f"{name.replace('_', ' ')}: {str(value).replace('_', ' ')}")
    return "; ".join(parts) or "unknown"


def _leans(score: float) -> Leans:
    if score >= 0.15:
        return "fine_tuning"
    if score <= -0.15:
        return "prompt_engineering"
    return "neutral"


def profile_for(v: IntakeValues) -> tco.CaseProfile:
    """The cost profile of an intake: kind of work and its tokens, label tier, retrieval, review, latency."""
    work = workloads.classify(v.use_case)
    tier: workloads.LabelTier = "expert" if v.regulated else (work.label_tier if work else "skilled")
    cascade = _cascade_shape(v)
    return tco.CaseProfile(
        hybrid_shape="cascade" if cascade else "split",
        distilled=cascade and bool(training_examples(v)[1]),
        workload=work.name if work else "unknown",
        input_tokens=work.input if work else None,
        output_tokens=work.output if work else None,
        label_tier=tier,
        knowledge_gap=bool(v.knowledge_gap),
        regulated=bool(v.regulated),
        critical=bool(v.mission_critical) or bool(v.regulated),
        latency_p95_ms=v.latency_p95_ms,
    )


def _cascade_shape(v: IntakeValues) -> bool:
    """A prompted system already answers in production (or its reviewed outputs exist) and nothing needs a
    prompt layer: the hybrid worth pricing is a cascade that keeps that prompt as the fallback."""
    flexible = bool(v.changes_often) or bool(v.knowledge_gap)
    return not flexible and (bool(v.prompt_in_production) or bool(training_examples(v)[1]))


def _objective(v: IntakeValues, a: tco.TcoAssumptions) -> list[Reason]:
    r: list[Reason] = []
    if v.needs == "deep_domain":
        r.append(Reason(score=0.5, text="you need deep domain behaviour, which fine-tuning bakes in"))
    elif v.needs == "broad_flexibility":
        r.append(Reason(score=-0.6, text="you need broad flexibility, which prompts give without retraining"))
    if v.priority == "accuracy":
        r.append(
            Reason(
                score=0.4,
                text=(
                    "accuracy is the priority, and a model trained on your own examples is the most consistent route"
                    " to it on a narrow task"
                ),
            )
        )
    elif v.priority == "speed":
        r.append(Reason(score=-0.4, text="speed to market is the priority"))
    elif v.priority == "adaptability":
        r.append(Reason(score=-0.5, text="adaptability is the priority"))
    elif v.priority == "cost":
        r.append(Reason(score=0.0, text="cost is the priority, so the 3-year totals decide (step 3)"))
    if v.mission_critical is True:
        r.append(Reason(score=0.2, text="the use is critical, which justifies investing in accuracy"))
    elif v.mission_critical is False:
        r.append(Reason(score=-0.3, text="it is a low-stakes or pilot use"))
    if v.behavior_gap:
        r.append(Reason(score=0.2, text="the gap is behaviour (a consistent format, style or narrow skill)"))
    if v.prompt_in_production:
        r.append(
            Reason(score=0.0, text="a prompt already works in production: it is the baseline any change must beat")
        )
    if v.knowledge_gap:
        r.append(
            Reason(
                score=-0.4,
                flexible=True,
                text="the gap is knowledge (fresh or proprietary facts), which retrieval fills better than training",
            )
        )
    if v.changes_often is True:
        r.append(
            Reason(
                score=-0.5,
                flexible=True,
                text="the task or its content changes often, and every change would mean re-tuning",
            )
        )
    elif v.changes_often is False:
        r.append(Reason(score=0.3, text="the task is stable, so a tuned model stays current"))
    r += _latency(v, a)
    if v.has_fine_tuned_model:
        r.append(Reason(score=0.0, text="you already run a fine-tuned model"))
    if not r:
        r.append(
            Reason(
                score=0.0, text="unknown: how critical it is, and whether it needs domain depth or broad flexibility"
            )
        )
    return r


def _latency(v: IntakeValues, a: tco.TcoAssumptions) -> list[Reason]:
    ms = v.latency_p95_ms
    if ms is None:
        return []
    if ms <= a.low_latency_ms:
        return [
            Reason(
                score=0.6,
                requirement=True,
                text=(
                    f"a p95 budget of {_ms(ms)} rules out large prompted models; a small tuned model on dedicated "
                    f"capacity meets it"
                ),
            )
        ]
    if ms <= SNAPPY_MS:
        return [
            Reason(
                score=0.3,
                requirement=True,
                text=(
                    f"a p95 of {_ms(ms)} is tight for long prompts; a tuned small model with a short prompt answers "
                    f"faster"
                ),
            )
        ]
    if ms >= a.batch_min_latency_ms:
        return [Reason(score=0.0, text=f"answers can wait {_ms(ms)}, so batch pricing applies to every approach")]
    return [Reason(score=0.0, text=f"a p95 of {_ms(ms)} is comfortable for either approach")]


def training_examples(v: IntakeValues) -> tuple[int | None, int | None]:
    """(examples a tuned model could learn from, of which reviewed or logged model outputs).

    Reviewed outputs of a model already in use are training data for distilling it. With no count given, a team
    that logs a live prompted system holds about one month of its volume (said as an assumption on the card).
    """
    outputs = v.reviewed_output_count
    if outputs is None and v.reviewed_outputs and v.prompt_in_production and v.monthly_requests:
        outputs = v.monthly_requests
    if v.reviewed_outputs is False:
        outputs = None
    if not outputs:
        return v.labeled_examples, None
    return (v.labeled_examples or 0) + outputs, outputs


def _examples_noun(v: IntakeValues) -> str:
    """What the count of training examples is made of, as a card says it."""
    return "examples (labels plus reviewed outputs)" if training_examples(v)[1] else "labeled examples"


def _data(v: IntakeValues, pilot: bool = False) -> list[Reason]:
    n, q = v.labeled_examples, v.data_quality
    total, outputs = training_examples(v)
    if outputs:
        counted = "" if v.reviewed_output_count is not None else " (about one month of your logged volume)"
        what = f"{_n(outputs)} reviewed or logged model outputs{counted} count as training data for distillation"
        if total is not None and total >= MIN_FT_EXAMPLES and q != "poor":
            score = 0.4 if total < 20_000 else 0.6 if total < 50_000 else 0.8
            # The student learns the teacher's mistakes: model outputs count for less than expert labels.
            return [Reason(score=score - 0.2, text=f"{what}, clearing the ~10,000 fine-tuning usually needs")]
        n = total
    if pilot and n is not None:
        return [
            Reason(
                score=0.0,
                text=(
                    f"{_n(n)} clean examples is below the ~10,000 a robust fine-tune needs, but enough for a "
                    f"parameter-efficient (LoRA) pilot with a held-out evaluation"
                ),
            )
        ]
    if n is None and q is None:
        return [
            Reason(
                score=0.0,
                text="unknown: fine-tuning usually needs 10,000+ clean labeled examples; prompting needs a few dozen",
            )
        ]
    if q == "poor":
        return [
            Reason(
                score=-1.0,
                text=(
                    "the labels are noisy, and fine-tuning learns the noise; prompting needs only a few dozen good "
                    "examples"
                ),
            )
        ]
    if n is None:
        return [
            Reason(
                score=0.1 if q == "high" else -0.2,
                text=f"data quality is {q}, but the amount of labeled data is unknown",
            )
        ]
    if n < MIN_FT_EXAMPLES:
        return [
            Reason(
                score=-1.0,
                text=(
                    f"{_n(n)} {_examples_noun(v)} is below the ~10,000 clean examples fine-tuning usually needs; "
                    f"enough for few-shot prompting and an evaluation set"
                ),
            )
        ]
    score = 0.4 if n < 20_000 else 0.6 if n < 50_000 else 0.8 if n < 100_000 else 1.0
    text = f"{_n(n)} labeled examples clears the ~10,000 fine-tuning usually needs"
    if q == "mixed":
        score -= 0.3
        text += " (quality mixed: clean them first)"
    elif q == "high":
        text += " (quality: high)"
    return [Reason(score=score, text=text)]


def _cost(v: IntakeValues, est: tco.TcoEstimate, words: bool = True) -> tuple[list[Reason], float]:
    """Step 3 from the computed totals; returns the reasons and the step's weight (more when the gap is large;
    `words=False`: the cost comparison's reason without its sentence, which needs the crossovers).

    When part of the task changes, the tuned option is the hybrid (only its stable core is retrained), so the
    comparison is prompting vs the hybrid; otherwise prompting vs fine-tuning.
    """
    r: list[Reason] = []
    weight = STEP_WEIGHTS[3]
    rival = est.rival
    pe, ft = est.approaches["prompt_engineering"].total_usd, est.approaches[rival].total_usd
    if v.monthly_requests is not None and pe > 0 and ft > 0:
        ratio = pe / ft  # > 1: the tuned option is cheaper
        score = _clamp(math.log(ratio) / math.log(2.5))
        weight += (MAX_COST_WEIGHT - weight) * min(1.0, max(0.0, math.log10(max(ratio, 1 / ratio) / 2.5)))
        r.append(Reason(score=score, text=tco.cost_sentence(est, rival).rstrip(".") if words else "-"))
        if v.cost_pressure and ratio > 1:
            # A bill that already hurts makes the per-request saving count for more.
            weight = min(MAX_COST_WEIGHT, weight + 0.3)
    ft_one_time = est.approaches["fine_tuning"].one_time_usd
    if v.budget_usd is not None:
        horizon = tco.horizon_label(est.horizon_months)
        if v.budget_usd < ft_one_time:
            r.append(
                Reason(
                    score=-0.8,
                    text=(
                        f"a {tco.format_usd(v.budget_usd)} budget is below fine-tuning's one-time cost "
                        f"(~{tco.format_usd(ft_one_time)})"
                    ),
                )
            )
        elif v.budget_usd < est.approaches["fine_tuning"].total_usd <= est.approaches["prompt_engineering"].total_usd:
            r.append(
                Reason(
                    score=0.0,
                    text=(
                        f"a {tco.format_usd(v.budget_usd)} budget is below the {horizon} cost of either approach "
                        f"(from "
                        f"~{tco.format_usd(est.approaches['fine_tuning'].total_usd)}); plan for more or a narrower "
                        f"scope"
                    ),
                )
            )
        elif v.budget_usd < est.approaches["fine_tuning"].total_usd:
            pe_total = est.approaches["prompt_engineering"].total_usd
            covers_pe = v.budget_usd >= pe_total
            r.append(
                Reason(
                    score=-0.3 if covers_pe else -0.1,
                    text=(
                        f"a {tco.format_usd(v.budget_usd)} budget covers fine-tuning's start-up but not its "
                        f"{horizon} cost (~{tco.format_usd(est.approaches['fine_tuning'].total_usd)})"
                    )
                    + ("" if covers_pe else f"; prompting's is ~{tco.format_usd(pe_total)}"),
                )
            )
        else:
            r.append(Reason(score=0.0, text=f"a {tco.format_usd(v.budget_usd)} budget covers either approach"))
    if v.monthly_requests is None:
        # A clause of the step's sentence here: the card adds the full stop.
        unknown = (
            "unknown volume; " + tco.crossover_statement(est).removeprefix("Crossover: ").removesuffix(".")
            if words
            else "-"
        )
        r.append(Reason(score=0.0, text=unknown))
    return r, weight


def _time(v: IntakeValues) -> list[Reason]:
    d = v.deadline_weeks
    if d is None:
        return [
            Reason(
                score=0.0,
                text=(
                    "unknown: prompting ships in weeks; fine-tuning takes months of data work, training and evaluation"
                ),
            )
        ]
    if d < MIN_FT_WEEKS:
        return [
            Reason(
                score=-1.0,
                text=(
                    f"live in {_weeks(d)} leaves no time to prepare data, train and evaluate a model; prompting ships"
                    f" in weeks"
                ),
            )
        ]
    if d < 8:
        return [Reason(score=-0.7, text=f"live in {_weeks(d)} is tight for fine-tuning; prompting ships in weeks")]
    if d < 13:
        return [Reason(score=-0.2, text=f"live in {_weeks(d)} allows fine-tuning only if data and people are ready")]
    return [Reason(score=0.2, text=f"live in {_weeks(d)} leaves time for data preparation, training and evaluation")]


def _expertise(v: IntakeValues) -> list[Reason]:
    e = v.ml_expertise
    if e is None and v.has_fine_tuned_model:
        return [Reason(score=0.4, text="you already built and run a fine-tuned model")]
    if e is None:
        return [
            Reason(
                score=0.0, text="unknown: fine-tuning needs ML engineers (42% of companies lack that bench strength)"
            )
        ]
    if e == "none":
        return [
            Reason(
                score=-1.0,
                text="no ML engineers in-house; fine-tuning needs them for data pipelines, training and evaluation",
            )
        ]
    if e == "limited":
        # Hosted fine-tuning services do the training infrastructure: a small team can run one, at a stretch.
        return [
            Reason(
                score=-0.3,
                text="limited ML skills: fine-tuning would stretch the team; prompting needs developers, not ML staff",
            )
        ]
    return [Reason(score=0.6, text="a strong ML team can build, evaluate and maintain a fine-tuned model")]


def _regulation(v: IntakeValues) -> list[Reason]:
    r: list[Reason] = []
    if v.regulated:
        # The validation a tuned model needs is priced in step 3; this is the rest: prompts are easier to audit.
        where = f" ({v.industry})" if v.industry else ""
        regimes = regulation.applicable(v)
        under = f"under {regulation.names(regimes)}" if regimes else "under your sector's rules"
        r.append(
            Reason(
                score=-0.3,
                text=(
                    f"regulated{where}: prompts are easier to audit and version; a fine-tuned model needs more "
                    f"validation {under}"
                ),
            )
        )
    elif v.regulated is False:
        r.append(Reason(score=0.0, text="not regulated"))
    if v.sensitive_data:
        r.append(
            Reason(
                score=-0.3,
                text="sensitive data: a fine-tuned model can memorize and leak training data; prompts need redaction",
            )
        )
    elif v.sensitive_data is False:
        r.append(Reason(score=0.0, text="no sensitive data"))
    if v.self_hosting:
        r.append(
            Reason(
                score=0.0,
                text="data must stay on your own infrastructure: every option runs on open-weight models you host",
            )
        )
    if not r:
        r.append(Reason(score=0.0, text="unknown: regulation and sensitive data favour auditable prompts"))
    return r


STEP_CAPS = {6: -0.6}  # regulation leans at most this far: it adds validation work, it does not forbid tuning


def _step_score(step: int, reasons: list[Reason]) -> float:
    """The step's evidence, clamped to [-1, 1]; a latency requirement counts on top (it often decides alone)."""
    base = max(STEP_CAPS.get(step, -1.0), _clamp(sum(x.score for x in reasons if not x.requirement)))
    return base + sum(x.score for x in reasons if x.requirement)


@dataclass(frozen=True)
class GateSpec:
    """A hard constraint with how deep inside it the case sits (0..1)."""

    gate: Gate
    strength: float


def _gates(v: IntakeValues, est: tco.TcoEstimate) -> list[GateSpec]:
    gates: list[GateSpec] = []
    if not v.has_fine_tuned_model:
        if v.data_quality == "poor":
            gates.append(
                GateSpec(
                    Gate(
                        step=2,
                        name="data_quality",
                        reason="the labeled data is too noisy to train on",
                        would_change="a cleaned, consistently labeled set of ~10,000 examples",
                    ),
                    0.8,
                )
            )
        elif (n := training_examples(v)[0]) is not None and n < MIN_FT_EXAMPLES:
            depth = 1 - n / MIN_FT_EXAMPLES
            gates.append(
                GateSpec(
                    Gate(
                        step=2,
                        name="labeled_examples",
                        reason=f"{_n(n)} {_examples_noun(v)} is too few for a robust fine-tune",
                        would_change=(
                            "~10,000 clean labeled examples (collect them from the prompted system's reviewed outputs)"
                        ),
                    ),
                    min(1.0, 1.2 * depth),
                )
            )
        if v.ml_expertise == "none":
            gates.append(
                GateSpec(
                    Gate(
                        step=5,
                        name="ml_expertise",
                        reason="there are no ML engineers to build and maintain a tuned model",
                        would_change="ML engineers in-house or a partner who will own the model",
                    ),
                    0.9,
                )
            )
    one_time = est.approaches["fine_tuning"].one_time_usd
    if v.budget_usd is not None and v.budget_usd < one_time:
        gates.append(
            GateSpec(
                Gate(
                    step=3,
                    name="budget_usd",
                    reason=f"the {tco.format_usd(v.budget_usd)} budget does not cover fine-tuning's one-time cost (~{tco.format_usd(one_time)})",  # noqa: E501
                    would_change=f"a budget of at least ~{tco.format_usd(one_time)}",
                ),
                min(1.0, 1.2 * (1 - v.budget_usd / one_time)),
            )
        )
    if v.deadline_weeks is not None and v.deadline_weeks < MIN_FT_WEEKS:
        gates.append(
            GateSpec(
                Gate(
                    step=4,
                    name="deadline_weeks",
                    reason=f"{_weeks(v.deadline_weeks)} is too little time to fine-tune and evaluate",
                    would_change="a timeline of 2–3 months, or ship prompting now and tune later",
                ),
                min(1.0, 1.5 * (1 - v.deadline_weeks / MIN_FT_WEEKS)),
            )
        )
    return gates


def _gap(v: IntakeValues) -> Literal["knowledge", "behavior", "both", "unclear"]:
    knowledge = bool(v.knowledge_gap)
    behavior = bool(v.behavior_gap)
    if knowledge and behavior:
        return "both"
    return "knowledge" if knowledge else "behavior" if behavior else "unclear"


def known_groups(v: IntakeValues) -> int:
    """How many decisive groups of facts are known."""
    return sum(any(getattr(v, f) is not None for f in group) for group in DECISIVE_GROUPS)


def evidence(v: IntakeValues) -> float:
    """How much decisive information is known, 0..1 (saturates at FULL_EVIDENCE groups)."""
    return min(1.0, known_groups(v) / FULL_EVIDENCE)


@dataclass(frozen=True)
class Analysis:
    """Everything the decision rests on, before any wording."""

    approach: Approach
    factors: list[Factor]
    gates: list[GateSpec]
    total: float
    core: float
    rest: float
    margin: float
    flex_need: bool
    est: tco.TcoEstimate
    profile: tco.CaseProfile
    weights: dict[int, float]
    pilot: bool = False  # fine-tuning as a LoRA pilot on fewer than 10,000 examples
    techniques: tuple[tech.Technique, ...] = ()
    form: tech.HybridForm | None = None  # which hybrid, when the approach is hybrid
    judgement: bool = False  # a hybrid on a judgement call (stable core, lukewarm rest): confidence is capped


@lru_cache(maxsize=256)
def _costs_only(
    monthly_requests: int | None,
    labeled_examples: int | None,
    changes_often: bool | None,
    assumptions: tco.TcoAssumptions,
    profile: tco.CaseProfile,
) -> tco.TcoEstimate:
    """For `analyse(words=False)`: an estimate holding only what the decision reads (every approach's cost, the
    rival, the volume and the horizon), a third of a full one's work; its other fields are unset (the question
    planner and the what-ifs keep only the approach and the techniques). Memoised: most of the ~25 intakes they
    try per turn differ in facts that don't change the cost."""
    volume = tco.ASSUMED_VOLUME if monthly_requests is None else monthly_requests
    return tco.TcoEstimate.model_construct(
        monthly_requests=volume,
        volume_assumed=monthly_requests is None,
        horizon_months=assumptions.horizon_months,
        approaches=tco.approach_costs(assumptions, volume, labeled_examples, changes_often, profile),
        rival=tco.rival_of(changes_often, profile),
        profile=profile,
        # given, not defaulted: model_construct inspects each default factory's signature on every call
        shapes={},
        shape_crossovers={},
    )


def analyse(v: IntakeValues, assumptions: tco.TcoAssumptions | None = None, *, words: bool = True) -> Analysis:
    """Score the six steps, apply the hard gates and pick the approach (no what-ifs; `words=False` also skips
    the per-step summaries, for the many what-if calls)."""
    a = tco.default_assumptions() if assumptions is None else assumptions
    profile = profile_for(v)
    est = (
        tco.estimate(
            v.monthly_requests,
            labeled_examples=v.labeled_examples,
            changes_often=v.changes_often,
            assumptions=a,
            profile=profile,
        )
        if words
        else _costs_only(v.monthly_requests, v.labeled_examples, v.changes_often, a, profile)
    )
    cost_reasons, cost_weight = _cost(v, est, words)
    steps: dict[int, tuple[list[Reason], tuple[str, ...]]] = {
        1: (_objective(v, a), ("use_case", "mission_critical", "needs", "priority", "changes_often", "latency_p95_ms")),
        2: (_data(v), ("labeled_examples", "data_quality")),
        3: (cost_reasons, ("monthly_requests", "budget_usd")),
        4: (_time(v), ("deadline_weeks",)),
        5: (_expertise(v), ("ml_expertise", "has_fine_tuned_model")),
        6: (_regulation(v), ("regulated", "industry", "sensitive_data")),
    }
    weights = dict(STEP_WEIGHTS) | {3: cost_weight}
    factors = [_factor(step, reasons, names, v, words) for step, (reasons, names) in steps.items()]
    gates = _gates(v, est)
    pilot = _pilot(v, gates, factors, weights)
    if pilot:
        gates = []
        factors[1] = _factor(2, _data(v, pilot=True), steps[2][1], v, words)
    total = sum(weights[f.step] * f.score for f in factors)
    step1 = factors[0]
    stable_step1 = [x for x in step1.reasons if not x.flexible]
    core = total - weights[1] * step1.score + weights[1] * _step_score(1, stable_step1)
    # A tight p95 does not rule the hybrid out: the small tuned model that meets it can take the changing part
    # (today's menu, the current policy) in its own prompt.
    flex_need = bool(v.changes_often) or bool(v.knowledge_gap)
    gate_steps = {g.gate.step for g in gates}
    rest = sum(weights[f.step] * f.score for f in factors if f.step not in gate_steps)

    approach: Approach
    judgement = False
    if gates:
        approach, margin = "prompt_engineering", 1.0
    elif v.has_fine_tuned_model and flex_need:
        approach, margin = "hybrid", 1.0
    elif pilot:
        approach, margin = "fine_tuning", total - PILOT_THRESHOLD
    elif flex_need and core >= HYBRID_THRESHOLD and not facts_only(v):
        approach, margin = "hybrid", core - HYBRID_THRESHOLD
    elif flex_need and stable_core(v) and core >= CORE_FLOOR:
        approach, margin, judgement = "hybrid", core - CORE_FLOOR, True
    elif not flex_need and total >= FT_THRESHOLD:
        approach, margin = "fine_tuning", total - FT_THRESHOLD
    else:
        threshold = HYBRID_THRESHOLD if flex_need else FT_THRESHOLD
        approach, margin = "prompt_engineering", threshold - (core if flex_need else total)
    if approach == "fine_tuning" and not pilot and profile.hybrid_shape == "cascade" and _roomy(v):
        # The prompted model stays in service for the hard cases: that is a hybrid, served as a cascade.
        approach = "hybrid"
    if approach == "hybrid" and flex_need:
        factors[0].leans = "hybrid"
    elif approach == "hybrid" and factors[2].leans == "fine_tuning":
        factors[2].leans = "hybrid"  # the cost step compared prompting with the cascade, and the cascade won
    if pilot and approach != "fine_tuning":
        pilot = False
    form = hybrid_form(v, profile) if approach == "hybrid" else None
    if approach == "prompt_engineering" and not gates and flex_need and stable_core(v):
        judgement = True  # a stable part worth tuning exists: the hybrid is the close alternative
    return Analysis(
        approach=approach,
        factors=factors,
        gates=gates,
        total=total,
        core=core,
        rest=rest,
        margin=margin,
        flex_need=flex_need,
        est=est,
        profile=profile,
        weights=weights,
        pilot=pilot,
        techniques=tuple(_techniques(approach, v, pilot)),
        form=form,
        judgement=judgement,
    )


def _roomy(v: IntakeValues) -> bool:
    """The latency budget leaves room for a second (fallback) call or a prompted layer."""
    return v.latency_p95_ms is None or v.latency_p95_ms > SNAPPY_MS


def stable_core(v: IntakeValues) -> bool:
    """A part plainly worth tuning: 10,000+ usable examples, people who can own a tuned model, and a skill (a
    format, a voice, a classification) rather than only facts that change, which retrieval serves better."""
    n = training_examples(v)[0]
    if n is None or n < MIN_FT_EXAMPLES or v.data_quality == "poor":
        return False
    # Hosted tuning services run the training: a team with limited ML skills can own a tuned core, at a stretch.
    if v.ml_expertise not in ("strong", "limited") and not v.has_fine_tuned_model:
        return False
    if v.needs == "broad_flexibility":
        return False
    return not facts_only(v)


def facts_only(v: IntakeValues) -> bool:
    """The gap is knowledge and the user said it is not behaviour: nothing stable to tune, retrieval's job."""
    return bool(v.knowledge_gap) and v.behavior_gap is False


def hybrid_form(v: IntakeValues, profile: tco.CaseProfile) -> tech.HybridForm:
    """Which hybrid the facts describe: a cascade around a prompt already in service, a tuned core with retrieval
    when answers need changing facts, otherwise a tuned core with a prompt layer for the rules that change."""
    if profile.hybrid_shape == "cascade":
        return "cascade"
    if v.knowledge_gap or tech.named_sources(v.use_case):
        return "retrieval"
    return "prompt_layer"


def _factor(step: int, reasons: list[Reason], names: tuple[str, ...], v: IntakeValues, words: bool) -> Factor:
    score = _step_score(step, reasons)
    why = "; ".join(x.text for x in reasons) if words else "-"
    return Factor(
        step=step,
        name=STEP_NAMES[step],
        leans=_leans(score),
        weight=min(1.0, round(abs(score), 2)),
        score=round(score, 3),
        why=why[0].upper() + why[1:],
        said=_said(v, names) if words else "",
        reasons=reasons,
    )


def _pilot(v: IntakeValues, gates: list[GateSpec], factors: list[Factor], weights: dict[int, float]) -> bool:
    """A small clean set, a narrow stable task, ML skills, and everything else favouring tuning: the data gate
    gives way to a parameter-efficient (LoRA) pilot with a held-out evaluation instead of a flat no."""
    n = training_examples(v)[0]
    if (
        n is None
        or not MIN_PILOT_EXAMPLES <= n < MIN_FT_EXAMPLES
        or [g.gate.name for g in gates] != ["labeled_examples"]
    ):
        return False
    # On a few hundred examples every wrong label shows: known-clean labels, or outputs reviewers approved.
    if v.data_quality != "high" and not (training_examples(v)[1] and v.data_quality is None):
        return False
    if v.changes_often or v.knowledge_gap or v.needs == "broad_flexibility" or tech.named_sources(v.use_case):
        return False
    if v.ml_expertise == "none":
        return False
    rest = sum(weights[f.step] * f.score for f in factors if f.step != 2)
    return rest >= PILOT_THRESHOLD


def _techniques(approach: Approach, v: IntakeValues, pilot: bool) -> list[tech.Technique]:
    """The techniques a specialist would name for this approach and these facts, most important first."""
    out: list[tech.Technique] = []
    tuned = approach in ("fine_tuning", "hybrid")
    outputs = training_examples(v)[1]
    distil = tuned and bool(outputs) and (v.labeled_examples or 0) < MIN_FT_EXAMPLES
    if distil:
        out.append("distillation")
    if pilot:
        out.append("peft_pilot")
    roomy = v.latency_p95_ms is None or v.latency_p95_ms > SNAPPY_MS
    if tuned and roomy and (v.prompt_in_production or distil):
        out.append("routing")
    if v.self_hosting:
        out.append("open_weight")
    if v.knowledge_gap or tech.named_sources(v.use_case):
        out.append("retrieval")
    return out


def decide(intake: Intake, assumptions: tco.TcoAssumptions | None = None) -> Approach:
    """Just the approach (for what-if analysis and the question planner): no wording, no what-ifs.

    Memoised on the values: the question planner and the what-ifs try the same few intakes many times.
    """
    return plan(intake, assumptions)[0]


def plan(intake: Intake, assumptions: tco.TcoAssumptions | None = None) -> tuple[Approach, tuple[str, ...]]:
    """The approach and the techniques inside it (memoised like `decide`)."""
    return _plan(_field_values(intake.values), assumptions)


def decide_changed(intake: Intake, changes: Mapping[str, object]) -> Approach:
    """`decide(intake.with_values(**changes))` without copying the intake: the planner tries every quick answer."""
    values = _field_values(intake.values)
    return _plan(tuple(changes.get(name, value) for name, value in zip(FIELDS, values, strict=True)), None)[0]


# The memo key: every field's value, read in one C call (the what-ifs and the planner ask ~20 times per card).
_field_values = operator.attrgetter(*FIELDS)


@lru_cache(maxsize=4096)
def _plan(values: tuple[object, ...], assumptions: tco.TcoAssumptions | None) -> tuple[Approach, tuple[str, ...]]:
    v = IntakeValues.model_construct(None, **dict(zip(FIELDS, values, strict=True)))
    an = analyse(v, assumptions, words=False)
    return an.approach, an.techniques


def _near_thresholds(v: IntakeValues, an: Analysis) -> list[str]:
    """The thresholds this case sits close to, where a small error in a fact could flip the answer."""
    near = []
    if v.labeled_examples is not None and MIN_FT_EXAMPLES * 0.7 <= v.labeled_examples < MIN_FT_EXAMPLES * 1.5:
        near.append("the ~10,000-example threshold")
    view = tco.crossover_view(an.est)
    x = view.volume
    if v.monthly_requests is not None and x and x / 2 <= v.monthly_requests <= 2 * x:
        near.append(f"the ~{tco.format_volume(x)} requests/month cost crossover")
    if v.deadline_weeks is not None and MIN_FT_WEEKS <= v.deadline_weeks < MIN_FT_WEEKS * 1.5:
        near.append("the one-month deadline limit")
    return near


def _opposing(an: Analysis, skip: set[int] | frozenset[int] = frozenset()) -> float:
    """Weighted evidence against the chosen approach (steps that lean the other way), steps in `skip` aside."""
    sign = -1.0 if an.approach == "prompt_engineering" else 1.0
    against = 0.0
    for f in an.factors:
        if f.step in skip:
            continue
        score = f.score
        if an.approach == "hybrid" and f.step == 1:
            score = _step_score(1, [x for x in f.reasons if not x.flexible])
        if score * sign < 0:
            against += an.weights[f.step] * abs(score)
    return against


def _open_latency(intake: Intake, an: Analysis, assumptions: tco.TcoAssumptions | None) -> bool:
    """True when the latency target is unknown and a plausible one (a tight or a relaxed p95) would flip the case."""
    if intake.values.latency_p95_ms is not None or an.gates:
        return False
    return any(decide(intake.with_values(latency_p95_ms=ms), assumptions) != an.approach for ms in (150, 5000))


def _confidence(v: IntakeValues, an: Analysis, open_latency: bool = False) -> tuple[float, str]:
    """Confidence from the margin, how many decisive facts are known, and how close the case sits to thresholds."""
    ev = evidence(v)
    unknown = [g[0] for g in DECISIVE_GROUPS if all(getattr(v, f) is None for f in g)]
    near = _near_thresholds(v, an)
    notes: list[str] = []
    if an.gates:
        strength = 1 - math.prod(1 - g.strength for g in an.gates)
        # The rest of the evidence pointing firmly at tuning means the gate holds tuning back, not the case.
        opposition = max(0.0, min(1.0, an.rest / (2 * FT_THRESHOLD)))
        against = _opposing(an, skip={g.gate.step for g in an.gates})
        confidence = 0.35 + 0.35 * ev + 0.15 * strength - 0.25 * opposition - 0.15 * min(1.0, against / 2.0)
        n = len(an.gates)
        notes.append(f"{n} hard constraint{'s' if n > 1 else ''} rule{'' if n > 1 else 's'} out fine-tuning for now")
        if opposition > 0.2:
            notes.append(
                "but the rest of the case leans to fine-tuning, so the answer may change once the constraint lifts"
            )
    elif an.approach == "hybrid" and v.has_fine_tuned_model and an.flex_need:
        confidence = 0.5 + 0.35 * ev
        notes.append("an existing fine-tuned model plus changing content is the textbook hybrid case")
    else:
        strength = min(1.0, an.margin / 1.0)
        confidence = 0.3 + 0.3 * ev + 0.3 * strength * ev - 0.15 * min(1.0, _opposing(an) / 2.0)
        threshold = "hybrid" if an.flex_need else "fine-tuning"
        if an.judgement and an.approach == "hybrid":
            threshold = "stable-core"
        side = "above" if an.approach != "prompt_engineering" else "below"
        notes.append(f"weighted evidence {an.margin:.1f} {side} the {threshold} threshold")
        if an.pilot:
            confidence = min(confidence, 0.75)
            notes.append("a pilot on fewer than 10,000 examples: its held-out evaluation decides whether to scale it")
        if an.judgement and an.approach == "hybrid":
            confidence = min(confidence, JUDGEMENT_CAP)
            notes.append(
                "a judgement call: the stable part is worth tuning, but the rest of the case (often the cost at "
                "this volume) would also support prompting alone"
            )
        elif an.judgement:
            confidence = min(confidence, JUDGEMENT_CAP)
            notes.append(
                "a judgement call: part of the task is stable and has the data to tune, so a hybrid is the close "
                "alternative once prompting shows where it falls short"
            )
    confidence -= 0.05 * len(near)
    if near:
        notes.append("close to " + " and ".join(near))
    if open_latency:
        confidence -= 0.1
        notes.append("the latency target is unknown and a tight one would change the answer")
    if unknown:
        names = ", ".join(DECISIVE_LABELS.get(u, u) for u in unknown[:4])
        notes.append(f"{len(unknown)} decisive fact{'s' if len(unknown) != 1 else ''} unknown ({names})")
    confidence = round(min(0.95, max(0.05, confidence)), 2)
    label = "strong" if confidence >= 0.8 else "fair" if confidence >= 0.6 else "tentative"
    return confidence, f"{label}: " + "; ".join(notes)


DECISIVE_LABELS = {
    "latency_p95_ms": "latency target",
    "labeled_examples": "labeled data",
    "ml_expertise": "ML team",
    "monthly_requests": "volume",
    "deadline_weeks": "deadline",
    "budget_usd": "budget",
    "changes_often": "how often it changes",
    "regulated": "regulation",
    "needs": "objective",
    "data_quality": "label quality",
}


def recommend(intake: Intake, assumptions: tco.TcoAssumptions | None = None) -> Recommendation:
    """Decide the approach for an intake and explain it.

    Memoised on the intake's values (the recommendation reads nothing else: not the provenance, not the clock).
    Each call returns its own copy: its fields can be replaced without touching the memo's; recommendations are
    updated with `model_copy(update=...)`, never changed in place.
    """
    return _recommended(ByValues(intake), assumptions).model_copy()


class ByValues:
    """An intake as a memo key (for `functools.lru_cache`): hashed and compared by its values alone (every field,
    so two intakes that differ only in provenance are one key); carries the intake to work from."""

    __slots__ = ("intake", "key")

    def __init__(self, intake: Intake) -> None:
        self.key = _field_values(intake.values)
        self.intake = intake

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ByValues) and self.key == other.key


@lru_cache(maxsize=256)
def _recommended(case: ByValues, assumptions: tco.TcoAssumptions | None) -> Recommendation:
    intake = case.intake
    v = intake.values
    an = analyse(v, assumptions)
    confidence, reason = _confidence(v, an, _open_latency(intake, an, assumptions))
    what_if = _what_if(intake, an, assumptions)
    because, trade_off = _cited(an)
    rec = Recommendation(
        approach=an.approach,
        confidence=confidence,
        confidence_reason=reason[0].upper() + reason[1:],
        verdict="",
        gap=_gap(v),
        factors=an.factors,
        gates=[g.gate for g in an.gates],
        risks=_risks(an.approach, v, an),
        next_steps=_next_steps(an.approach, v, an),
        techniques=list(an.techniques),
        hybrid_form=an.form,
        regulations=[r.key for r in regulation.applicable(v)],
        would_change=[f"{w.text} (then {APPROACH_NAMES[w.then].lower()})" for w in what_if],
        missing=intake.missing(),
        tco=an.est,
        because=because,
        trade_off=trade_off,
        what_if=what_if,
    )
    examples, outputs = training_examples(v)
    sources = tech.named_sources(v.use_case)
    lines = tech.verdict_lines(list(an.techniques), v, examples, outputs, sources)
    if an.form:
        lines = [tech.form_line(an.form, v, examples, sources), *lines]
    rec.verdict = verdict_text(rec, lines)
    return rec


def _supports(approach: Approach, x: Reason) -> bool:
    if approach == "fine_tuning":
        return x.score > 0
    if approach == "prompt_engineering":
        return x.score < 0
    return x.score > 0 or (x.score < 0 and x.flexible)


def _cited(an: Analysis) -> tuple[list[str], str]:
    """The reasons the verdict cites (all leaning the chosen way) and the strongest one against it."""
    ranked = sorted(
        ((an.weights[f.step] * x.score, x) for f in an.factors for x in f.reasons if x.score != 0),
        key=lambda item: -abs(item[0]),
    )
    pro = [x.text for _, x in ranked if _supports(an.approach, x)]
    if an.approach == "hybrid":
        flexible = [x.text for _, x in ranked if x.flexible]
        stable = [x.text for _, x in ranked if x.score > 0]
        pro = stable[:1] + flexible[:1] + [t for t in pro if t not in stable[:1] + flexible[:1]]
    con = [x.text for w, x in ranked if not _supports(an.approach, x) and abs(w) >= 0.2]
    if an.gates:  # the gates are the headline; cite one more reason at most
        gated = {x.text for g in an.gates for x in an.factors[g.gate.step - 1].reasons}
        return [t for t in pro if t not in gated][:1], (con[0] if con else "")
    return pro[:2], (con[0] if con else "")


def _what_if(intake: Intake, an: Analysis, assumptions: tco.TcoAssumptions | None) -> list[WhatIf]:
    """Facts that would flip this case, each changed alone; never one the team already has."""
    v = intake.values
    x = tco.crossover_view(an.est).volume
    candidates: list[tuple[str, float | int | str | bool, str]] = []
    lifted: dict[str, float | int | str | bool] = {
        "data_quality": "high",
        "labeled_examples": 20_000,
        "ml_expertise": "strong",
        "deadline_weeks": 12,
        "budget_usd": 2 * an.est.approaches["fine_tuning"].total_usd,
    }
    for g in an.gates:
        candidates.append((g.gate.name, lifted[g.gate.name], g.gate.would_change))
    if len(an.gates) > 1:
        names = " and ".join(g.gate.would_change for g in an.gates)
        candidates.append(("+".join(g.gate.name for g in an.gates), "all", f"all of: {names}"))
    if (v.labeled_examples is None or v.labeled_examples < MIN_FT_EXAMPLES) and not any(
        g.gate.name == "labeled_examples" for g in an.gates
    ):
        candidates.append(("labeled_examples", 20_000, "10,000+ clean labeled examples"))
    if v.labeled_examples is not None and v.labeled_examples >= MIN_FT_EXAMPLES:
        candidates.append(("labeled_examples", 2_000, "fewer than 10,000 usable labeled examples once cleaned"))
    if v.ml_expertise != "strong" and not any(g.gate.name == "ml_expertise" for g in an.gates):
        candidates.append(("ml_expertise", "strong", "ML engineers who can own a tuned model"))
    if v.ml_expertise in ("strong", "limited"):
        candidates.append(("ml_expertise", "none", "losing the ML engineers"))
    if x is not None and (v.monthly_requests is None or v.monthly_requests < x):
        candidates.append(("monthly_requests", 3 * x, f"volume above ~{tco.format_volume(x)} requests/month"))
    if x is not None and v.monthly_requests is not None and v.monthly_requests >= x:
        candidates.append(("monthly_requests", x // 4, f"volume falling below ~{tco.format_volume(x)} requests/month"))
    if v.changes_often is not True:
        candidates.append(("changes_often", True, "the task or its content starting to change often"))
    else:
        candidates.append(("changes_often", False, "the changing part settling down"))
    if not v.knowledge_gap:
        candidates.append(("knowledge_gap", True, "needing fresh or proprietary facts at answer time"))
    if v.deadline_weeks is None or v.deadline_weeks >= MIN_FT_WEEKS:
        candidates.append(("deadline_weeks", 3, "a deadline under a month"))
    a = tco.default_assumptions() if assumptions is None else assumptions
    if v.latency_p95_ms is None or v.latency_p95_ms > a.low_latency_ms:
        candidates.append(("latency_p95_ms", 200, f"a p95 latency budget under {a.low_latency_ms:g} ms"))
    else:
        candidates.append(("latency_p95_ms", 5000, "a latency target of seconds rather than milliseconds"))
    if v.needs != "broad_flexibility":
        candidates.append(("needs", "broad_flexibility", "needing broad flexibility across many tasks"))
    out: list[WhatIf] = []
    for field, value, text in candidates:
        if field == "+".join(g.gate.name for g in an.gates) and value == "all":
            changed = {g.gate.name: lifted[g.gate.name] for g in an.gates}
        else:
            changed = {field: value}
        then = decide(intake.with_values(**changed), assumptions)
        if then != an.approach and not any(w.text == text for w in out):
            out.append(WhatIf(field=field, value=value, text=text, then=then))
    return out[:3]


RISK_CUES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("filing", "regulatory report", "disclosure", "financial statement", "10-k", "prospectus", "audit report"),
        (
            "Invented facts in a filing: a model can state figures or citations that are not in the source. Every "
            "number must trace to the ledger or document it came from; block unsourced figures and keep a named "
            "reviewer's sign-off."
        ),
    ),
    (
        ("chatbot", "customer-facing", "website", "customer service", "customer-service", "patient", "public"),
        (
            "Binding promises: a customer-facing bot can promise refunds, prices, cover or advice the company may "
            "have to honour (a Canadian tribunal held Air Canada to its chatbot's refund answer in 2024). Keep "
            "commitments behind tools and approved wording, and hand off to a person."
        ),
    ),
    (
        (
            "coverage",
            "insurance claim",
            "claims triage",
            "claims adjud",
            "credit",
            "loan",
            "eligib",
            "hiring",
            "recruit",
            "benefit",
            "underwrit",
            "fraud",
        ),
        (
            "Automated decisions about people: a model deciding coverage, credit, eligibility or hiring needs a "
            "person on every adverse outcome, recorded reasons, and tests for unfair impact."
        ),
    ),
    (
        ("medical", "clinical", "diagnos", "patient", "radiology", "pharma", "adverse"),
        (
            "Clinical safety: an error can harm a patient; keep clinicians in the loop, measure recall on the cases "
            "that matter most, and check whether the use falls under medical-device rules."
        ),
    ),
    (
        ("legal", "contract", "data room", "clause", "patent"),
        (
            "Missed or invented clauses: a summary that omits a red flag is worse than none; measure recall on known"
            " issues and have lawyers review what goes to clients."
        ),
    ),
)


def _use_case_risks(v: IntakeValues) -> list[str]:
    text = " ".join(str(x) for x in (v.use_case, v.industry) if x).lower()
    return [risk for cues, risk in RISK_CUES if any(c in text for c in cues)]


def _risks(approach: Approach, v: IntakeValues, an: Analysis) -> list[str]:
    a = tco.assumptions_of(an.est)
    risks = _use_case_risks(v) + tech.risks(list(an.techniques), v)
    tuned = approach in ("fine_tuning", "hybrid")
    if approach == "hybrid" and an.form in ("prompt_layer", "retrieval"):
        risks.append(
            "Two layers out of step: a prompt or index change can contradict what the tuned core learned; run the "
            "evaluation set on the combination at every change, not on each layer alone."
        )
    ms = v.latency_p95_ms
    if ms is not None and ms <= SNAPPY_MS:
        if approach == "prompt_engineering":
            risks.append(
                f"Latency: a large prompted model will not hold a p95 of {_ms(ms)}; use a small fast model with a"
                f" short prompt, or move the call off the request path, and load-test the p95 on production-sized"
                f" inputs."
            )
        else:
            risks.append(
                f"Latency: at a p95 of {_ms(ms)} every added token, retrieval call or retry counts; serve the "
                f"tuned model on dedicated capacity and load-test the p95."
            )
    if tuned:
        if v.sensitive_data:
            risks.append(
                "A fine-tuned model can memorize and leak sensitive training data: de-identify before training "
                "and test for extraction."
            )
        if v.regulated:
            regimes = regulation.applicable(v)
            expect = "; ".join(r.validation for r in regimes[:2]) if regimes else "your sector's model-validation rules"
            risks.append(
                f"Regulators expect validation of a trained model ({expect}); budget for documentation and "
                f"re-validation on each retrain."
            )
        if v.data_quality == "mixed":
            risks.append(
                "Label noise: mixed-quality labels teach the model their mistakes; clean and re-check a sample "
                "before training."
            )
        risks.append(
            "Data drift: the tuned model goes stale as inputs change; plan evaluation and retraining on a schedule."
        )
        risks.append(
            "Provider risk: a provider may retire a fine-tunable base model or its tuning service; keep the "
            "training data and pipeline portable."
        )
        if v.ml_expertise == "limited":
            risks.append("Key-person risk: a small ML team owns the model's whole lifecycle.")
    if approach in ("prompt_engineering", "hybrid"):
        view = tco.crossover_view(an.est)
        if view.position == "near" and approach == "prompt_engineering":
            risks.append(
                f"Usage cost: at {tco.format_volume(view.monthly_requests)} requests/month you are near the "
                f"~{tco.format_volume(view.volume or 0)}/month crossover; watch the per-request bill."
            )
        risks.append(
            "Prompt injection and inconsistent outputs: keep user text delimited, validate outputs, and run the "
            "evaluation set on every prompt or model change."
        )
        if v.sensitive_data and v.self_hosting:
            risks.append(
                "Sensitive data in prompts and logs: they stay on your servers, but restrict who can read them and "
                "set retention for the logs."
            )
        elif v.sensitive_data:
            risks.append(
                "Sensitive data in prompts: redact personal data before it leaves your systems and check the "
                "provider's retention terms."
            )
        if v.knowledge_gap or v.changes_often:
            risks.append("Stale knowledge: the retrieval index must be refreshed as the source content changes.")
    if v.behavior_gap and approach == "prompt_engineering":
        risks.append(
            "Format and style drift: a prompted model can break the required output format or voice now and "
            "then; validate every output against a schema or checklist and retry or route failures to a person."
        )
    if v.regulated and approach == "prompt_engineering":
        regimes = regulation.applicable(v)
        under = f" under {regulation.names(regimes)}" if regimes else ""
        risks.append(
            f"Auditability{under}: version every prompt and log inputs and outputs so reviewers can reconstruct "
            f"any answer."
        )
    elif not v.regulated and (v.eu_personal_data or v.sensitive_data):
        regimes = [r for r in regulation.applicable(v) if r.key in ("gdpr", "eu_ai_act", "hipaa")]
        if regimes:
            risks.append(f"Personal data: {regimes[0].validation}.")
    del a
    return risks[:7]


def _eval_step(v: IntakeValues) -> str:
    n = v.labeled_examples or 0
    if n >= 30:
        hold = min(n, 500) if n < MIN_FT_EXAMPLES else min(max(n // 10, 300), 2000)
        which = "all of them" if hold >= n else f"{_n(hold)} of them"
        return f"Use your {_n(n)} existing labeled examples as the evaluation set: freeze {which} as a test split with a scoring rubric, and score every change against it."  # noqa: E501
    if n > 0:
        return f"Grow your {_n(n)} examples into 30–50 representative test cases with expected outputs and a scoring rubric."  # noqa: E501
    return "Write 30–50 representative test cases with expected outputs and a scoring rubric."


def _next_steps(approach: Approach, v: IntakeValues, an: Analysis) -> list[str]:
    a = tco.assumptions_of(an.est)
    view = tco.crossover_view(an.est)
    ms = v.latency_p95_ms
    roomy = ms is None or ms > SNAPPY_MS  # a fallback call or a prompted first layer fits the latency budget
    critical = bool(v.regulated) or bool(v.mission_critical)
    examples = training_examples(v)[0]
    steps: list[str] = tech.next_steps(list(an.techniques), v, examples, tech.named_sources(v.use_case))
    if an.pilot:
        every = tco.retrain_every(a, "fine_tuning", v.changes_often)
        cadence = f"retraining every {every:g} months" if every else "retraining when drift shows"
        steps.append(f"If the pilot wins, add examples from reviewed outputs, then plan evaluation and {cadence}.")
        if v.sensitive_data:
            steps.append("De-identify the training examples and test the adapter for memorized records.")
        if v.regulated:
            steps.append("Document the pilot for validation: data lineage, the held-out results, the change plan.")
        return steps
    if approach == "prompt_engineering":
        steps.append(_eval_step(v))
        if (v.knowledge_gap or v.changes_often) and "retrieval" not in an.techniques:
            steps.append("Add retrieval over your source content so answers use current facts, and cite them.")
        if ms is not None and ms <= SNAPPY_MS:
            steps.append(
                f"Choose the model by its measured p95 on production-sized inputs: at {_ms(ms)}, a small fast "
                f"model with a short, cached prompt, and no retrieval round-trip on the hot path."
            )
        else:
            steps.append(
                "Draft the prompt with a few worked examples; version it and track it against the evaluation set."
            )
        if critical:
            steps.append(
                "Route outputs to a reviewer before they leave the team until the evaluation shows where the "
                "model can be trusted."
            )
        have = v.labeled_examples or 0
        if have < MIN_FT_EXAMPLES and v.reviewed_outputs and v.ml_expertise != "none":
            steps.append(
                "Keep reviewing and logging outputs: approved ones become the training set for distilling this "
                "prompt into a small model once volume or cost makes it worth it."
            )
        elif MIN_PILOT_EXAMPLES <= have < MIN_FT_EXAMPLES and v.ml_expertise in ("strong", "limited"):
            steps.append(
                f"Ship to a small group and keep reviewed corrections; once the task is stable, a LoRA pilot on "
                f"your {_n(have)} examples (with a held-out set) can test whether tuning beats the prompt."
            )
        elif have < MIN_FT_EXAMPLES:
            steps.append(
                f"Ship to a small group, log outputs and keep reviewed corrections: they grow your {_n(have)} "
                f"labeled examples towards the ~10,000 a fine-tune needs."
            )
        else:
            steps.append("Ship to a small group and log outputs with reviewers' corrections.")
        if view.volume and view.position in ("unknown", "below", "near"):
            steps.append(
                f"Revisit {tco.RIVAL_NAMES[view.rival]} if volume approaches ~{tco.format_volume(view.volume)} "
                f"requests/month or quality plateaus below target."
            )
    elif approach == "fine_tuning":
        n = examples
        held = "10–20% of your labeled data"
        if n:
            held = f"{_n(min(max(300, n // 10), 5000))} of your {_n(n)} labeled examples"
        if "distillation" not in an.techniques:
            steps.append(
                f"Baseline first: measure a well-prompted model on a held-out set ({held}) so the tuned model has "
                f"a number to beat."
            )
        if v.data_quality != "high" and "distillation" not in an.techniques:
            steps.append("Audit label quality on a random sample and fix the guidelines before the full run.")
        steps.append("Run a small fine-tune on a subset to confirm the gain before the full run.")
        every = tco.retrain_every(a, "fine_tuning", v.changes_often)
        cadence = f"retraining every {every:g} months" if every else "retraining when drift shows"
        steps.append(f"Set up evaluation, drift monitoring and {cadence} before launch.")
        if v.sensitive_data:
            steps.append("De-identify the training data and test the tuned model for memorized records.")
        if v.regulated:
            steps.append(
                "Prepare validation documentation (data lineage, test results, change-control plan) for reviewers."
            )
        if roomy and "routing" not in an.techniques:
            steps.append("Keep a prompted fallback for inputs the model was not trained on.")
        elif not roomy:
            steps.append(
                f"Serve the tuned model on dedicated capacity and load-test the p95 against the {_ms(ms or 0)} "
                f"budget; route inputs it was not trained on to a queue, not a slow fallback."
            )
    else:
        form = an.form or "prompt_layer"
        steps += tech.form_steps(form, v, examples, tech.named_sources(v.use_case))
        steps.append(_eval_step(v))
        if roomy and form != "cascade":
            steps.append("Ship the prompted layer first on a base model while the fine-tune is prepared and evaluated.")
        every = tco.retrain_every(a, "hybrid", v.changes_often)
        layer = "the fallback prompt" if form == "cascade" else "the prompt layer"
        steps.append(
            f"Evaluate the combination on the held-out set; retrain only the tuned model (about every {every:g} "
            f"months) and update {layer} as things change."
        )
        if v.knowledge_gap and "retrieval" not in an.techniques:
            steps.append("Keep the retrieval index fresh and measure answer grounding, not only the tuned model.")
        if v.regulated:
            steps.append("Document both layers for validation: the tuned model and the versioned prompts.")
    return steps


def verdict_text(rec: Recommendation, technique_lines: list[str] | None = None) -> str:
    """The templated one-paragraph verdict (the offline wording); cites only reasons that lean its way, and
    names the technique inside the approach (`technique_lines`, from `bot.advisor.techniques`)."""
    name = APPROACH_NAMES[rec.approach]
    if rec.gates:
        because = "; ".join(g.reason for g in rec.gates)
        text = f"{name} is the right start: {because}."
        if rec.because:
            text += f" It also fits: {rec.because[0]}."
    else:
        because = "; ".join(rec.because) if rec.because else "the facts so far do not justify the cost of fine-tuning"
        text = f"{name} fits best: {because}."
    if rec.trade_off:
        text += f" Trade-off: {rec.trade_off}."
    lines = technique_lines or []
    for line in lines:
        text += f" {line}."
    if rec.gap == "knowledge" and rec.approach != "fine_tuning" and "retrieval" not in rec.techniques:
        text += " The gap is knowledge rather than behaviour, so retrieval over your content beats training."
    elif rec.gap == "behavior" and rec.approach == "fine_tuning":
        text += " The gap is behaviour (a consistent skill at volume), which is what fine-tuning is for."
    elif rec.gap == "both" and rec.approach == "hybrid" and not rec.hybrid_form:
        text += " Tune for the stable behaviour; prompt and retrieve for what changes."
    if rec.would_change:
        text += f" What would change this: {rec.would_change[0]}."
    return text
