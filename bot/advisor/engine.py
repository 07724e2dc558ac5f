"""The decision engine: intake -> Recommendation. Pure, deterministic and explainable; no LLM decides."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.advisor import tco
from bot.advisor.intake import STEP_NAMES, Approach, Intake, IntakeValues

MIN_FT_EXAMPLES = 10_000  # the brief: fine-tuning usually needs 10,000+ clean labeled examples
MIN_FT_WEEKS = 4.0  # below this, fine-tuning cannot be built, evaluated and shipped in time
FT_THRESHOLD = 1.5  # weighted evidence needed for pure fine-tuning
HYBRID_THRESHOLD = 1.0  # weaker evidence suffices when prompting keeps the flexible part
STEP_WEIGHTS = {1: 1.0, 2: 1.0, 3: 1.0, 4: 0.8, 5: 1.0, 6: 0.8}
# Facts that move the decision; how many are known drives confidence.
DECISIVE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("labeled_examples",),
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
LEAN_NAMES: dict[str, str] = {"fine_tuning": "fine-tuning", "prompt_engineering": "prompting", "hybrid": "hybrid",
                              "neutral": "neutral"}  # fmt: skip


class Factor(BaseModel):
    """How one of the six steps leans, how strongly, and why in terms of the user's own facts."""

    step: int
    name: str
    leans: Leans
    weight: float = Field(ge=0, le=1)
    score: float = Field(description="signed evidence: positive favours fine-tuning")
    why: str
    said: str = Field(description="what the user said for this step, or 'unknown'")


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
    citations: list[Citation] = Field(default_factory=list)
    case_studies: list[CaseStudy] = Field(default_factory=list)
    wording: Literal["offline", "llm"] = "offline"
    # LLM mode audit trail: template name -> sha256 of every prompt used, and the turn's call/token counts.
    templates: dict[str, str] = Field(default_factory=dict)
    llm_usage: dict[str, int] = Field(default_factory=dict)


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _weeks(w: float) -> str:
    return f"{w:g} week" + ("" if w == 1 else "s")


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
        else:
            parts.append(f"{name.replace('_', ' ')}: {str(value).replace('_', ' ')}")
    return "; ".join(parts) or "unknown"


def _leans(score: float) -> Leans:
    if score >= 0.15:
        return "fine_tuning"
    if score <= -0.15:
        return "prompt_engineering"
    return "neutral"


def _objective(v: IntakeValues) -> tuple[float, str]:
    score, reasons = 0.0, []
    if v.needs == "deep_domain":
        score += 0.5
        reasons.append("you need deep domain behaviour, which fine-tuning bakes in")
    elif v.needs == "broad_flexibility":
        score -= 0.6
        reasons.append("you need broad flexibility, which prompts give without retraining")
    if v.priority == "accuracy":
        score += 0.4
        reasons.append("accuracy is the priority (fine-tuned models: up to 28.3% more accurate on domain tasks, a vendor claim)")  # noqa: E501
    elif v.priority == "speed":
        score -= 0.4
        reasons.append("speed to market is the priority")
    elif v.priority == "adaptability":
        score -= 0.5
        reasons.append("adaptability is the priority")
    elif v.priority == "cost":
        reasons.append("cost is the priority, so volume decides (step 3)")
    if v.mission_critical is True:
        score += 0.2
        reasons.append("the use is critical, which justifies investing in accuracy")
    elif v.mission_critical is False:
        score -= 0.3
        reasons.append("it is a low-stakes or pilot use")
    if v.behavior_gap:
        score += 0.2
        reasons.append("the gap is behaviour (a consistent format, style or narrow skill)")
    if v.knowledge_gap:
        score -= 0.4
        reasons.append("the gap is knowledge (fresh or proprietary facts), which retrieval fills better than training")
    if v.changes_often is True:
        score -= 0.5
        reasons.append("the task or its content changes often, and every change would mean re-tuning")
    elif v.changes_often is False:
        score += 0.3
        reasons.append("the task is stable, so a tuned model stays current")
    if v.has_fine_tuned_model:
        reasons.append("you already run a fine-tuned model")
    if not reasons:
        return 0.0, "unknown: how critical it is, and whether it needs domain depth or broad flexibility"
    return _clamp(score), "; ".join(reasons)


def _data(v: IntakeValues) -> tuple[float, str]:
    n, q = v.labeled_examples, v.data_quality
    if n is None and q is None:
        return 0.0, "unknown: fine-tuning usually needs 10,000+ clean labeled examples; prompting needs a few dozen"
    if q == "poor":
        return -1.0, "the labels are noisy, and fine-tuning learns the noise; prompting needs only a few dozen good examples"  # noqa: E501
    if n is None:
        return (0.1 if q == "high" else -0.2), f"data quality is {q}, but the amount of labeled data is unknown"
    if n < MIN_FT_EXAMPLES:
        return -1.0, f"{_n(n)} labeled examples is below the ~10,000 clean examples fine-tuning usually needs; enough for few-shot prompting"  # noqa: E501
    score = 0.4 if n < 20_000 else 0.6 if n < 50_000 else 0.8 if n < 100_000 else 1.0
    if q == "mixed":
        score -= 0.3
    why = f"{_n(n)} labeled examples clears the ~10,000 fine-tuning usually needs"
    if q:
        why += f" (quality: {q})"
    return score, why


def _budget(v: IntakeValues, est: tco.TcoEstimate) -> tuple[float, str]:
    x = est.crossover_monthly_requests
    score, reasons = 0.0, []
    if v.monthly_requests is not None:
        cross = f"~{tco.format_volume(x)}/month" if x else "no volume (it never does at these prices)"
        if x is None:
            score = -0.7
        else:
            ratio = v.monthly_requests / x
            score = 1.0 if ratio >= 1 else 0.5 if ratio >= 0.5 else -0.2 if ratio >= 0.1 else -0.7
            if v.priority == "cost":
                score = _clamp(score * 1.3)
        reasons.append(
            f"at {tco.format_volume(v.monthly_requests)} requests/month vs a crossover of {cross}, "
            + ("fine-tuning is cheaper over 3 years" if score > 0 else "prompting is cheaper over 3 years")
        )
    ft_one_time = est.approaches["fine_tuning"].one_time_usd
    if v.budget_usd is not None:
        if v.budget_usd < ft_one_time:
            score = min(score, -0.8)
            reasons.append(f"a {tco.format_usd(v.budget_usd)} budget is below fine-tuning's one-time cost (~{tco.format_usd(ft_one_time)})")  # noqa: E501
        elif v.budget_usd < est.approaches["fine_tuning"].total_usd:
            score -= 0.3
            reasons.append(f"a {tco.format_usd(v.budget_usd)} budget covers fine-tuning's start-up but not its 3-year cost")  # noqa: E501
        else:
            reasons.append(f"a {tco.format_usd(v.budget_usd)} budget covers either approach")
    if not reasons:
        reasons.append(f"unknown volume; fine-tuning only pays off above ~{tco.format_volume(x)} requests/month" if x else "unknown volume")  # noqa: E501
    return _clamp(score), "; ".join(reasons)


def _time(v: IntakeValues) -> tuple[float, str]:
    d = v.deadline_weeks
    if d is None:
        return 0.0, "unknown: prompting ships in weeks; fine-tuning takes months of data work, training and evaluation"
    if d < MIN_FT_WEEKS:
        return -1.0, f"live in {_weeks(d)} leaves no time to prepare data, train and evaluate a model; prompting ships in weeks"  # noqa: E501
    if d < 8:
        return -0.7, f"live in {_weeks(d)} is tight for fine-tuning; prompting ships in weeks"
    if d < 13:
        return -0.2, f"live in {_weeks(d)} allows fine-tuning only if data and people are ready"
    return 0.2, f"live in {_weeks(d)} leaves time for data preparation, training and evaluation"


def _expertise(v: IntakeValues) -> tuple[float, str]:
    e = v.ml_expertise
    if e is None and v.has_fine_tuned_model:
        return 0.4, "you already built and run a fine-tuned model"
    if e is None:
        return 0.0, "unknown: fine-tuning needs ML engineers (42% of companies lack that bench strength)"
    if e == "none":
        return -1.0, "no ML engineers in-house; fine-tuning needs them for data pipelines, training and evaluation"
    if e == "limited":
        return -0.5, "limited ML skills: fine-tuning would stretch the team; prompting needs developers, not ML staff"
    return 0.6, "a strong ML team can build, evaluate and maintain a fine-tuned model"


def _regulation(v: IntakeValues) -> tuple[float, str]:
    score, reasons = 0.0, []
    if v.regulated:
        score -= 0.4
        where = f" ({v.industry})" if v.industry else ""
        reasons.append(f"regulated{where}: prompts are easier to audit and version; a fine-tuned model needs more validation (e.g. FDA guidance for medical devices)")  # noqa: E501
    elif v.regulated is False:
        reasons.append("not regulated")
    if v.sensitive_data:
        score -= 0.3
        reasons.append("sensitive data: a fine-tuned model can memorize and leak training data; prompts need redaction")
    elif v.sensitive_data is False:
        reasons.append("no sensitive data")
    if not reasons:
        return 0.0, "unknown: regulation and sensitive data favour auditable prompts"
    return _clamp(max(score, -0.6)), "; ".join(reasons)


def _gates(v: IntakeValues, est: tco.TcoEstimate) -> list[Gate]:
    gates: list[Gate] = []
    if not v.has_fine_tuned_model:
        if v.data_quality == "poor":
            gates.append(Gate(step=2, name="data_quality", reason="the labeled data is too noisy to train on",
                              would_change="a cleaned, consistently labeled set of ~10,000 examples"))  # fmt: skip
        elif v.labeled_examples is not None and v.labeled_examples < MIN_FT_EXAMPLES:
            gates.append(Gate(step=2, name="labeled_examples",
                              reason=f"{_n(v.labeled_examples)} labeled examples is too few to fine-tune",
                              would_change="~10,000 clean labeled examples (collect them from the prompted system's reviewed outputs)"))  # noqa: E501  # fmt: skip
        if v.ml_expertise == "none":
            gates.append(Gate(step=5, name="ml_expertise", reason="there are no ML engineers to build and maintain a tuned model",  # noqa: E501
                              would_change="ML engineers in-house or a partner who will own the model"))  # fmt: skip
    one_time = est.approaches["fine_tuning"].one_time_usd
    if v.budget_usd is not None and v.budget_usd < one_time:
        gates.append(Gate(step=3, name="budget_usd",
                          reason=f"the {tco.format_usd(v.budget_usd)} budget does not cover fine-tuning's one-time cost (~{tco.format_usd(one_time)})",  # noqa: E501
                          would_change=f"a budget of at least ~{tco.format_usd(one_time)}"))  # fmt: skip
    if v.deadline_weeks is not None and v.deadline_weeks < MIN_FT_WEEKS:
        gates.append(Gate(step=4, name="deadline_weeks",
                          reason=f"{_weeks(v.deadline_weeks)} is too little time to fine-tune and evaluate",
                          would_change="a timeline of 2–3 months, or ship prompting now and tune later"))  # fmt: skip
    return gates


def _gap(v: IntakeValues) -> Literal["knowledge", "behavior", "both", "unclear"]:
    knowledge = bool(v.knowledge_gap)
    behavior = bool(v.behavior_gap)
    if knowledge and behavior:
        return "both"
    return "knowledge" if knowledge else "behavior" if behavior else "unclear"


def evidence(v: IntakeValues) -> float:
    """How much decisive information is known, 0..1 (saturates at four groups)."""
    known = sum(any(getattr(v, f) is not None for f in group) for group in DECISIVE_GROUPS)
    return min(1.0, known / 4)


def recommend(intake: Intake, assumptions: tco.TcoAssumptions | None = None) -> Recommendation:
    """Decide the approach for an intake and explain it."""
    v = intake.values
    est = tco.estimate(
        v.monthly_requests,
        labeled_examples=v.labeled_examples,
        changes_often=v.changes_often,
        assumptions=assumptions,
    )
    steps = {
        1: (_objective(v), ("use_case", "mission_critical", "needs", "priority", "changes_often")),
        2: (_data(v), ("labeled_examples", "data_quality")),
        3: (_budget(v, est), ("monthly_requests", "budget_usd")),
        4: (_time(v), ("deadline_weeks",)),
        5: (_expertise(v), ("ml_expertise", "has_fine_tuned_model")),
        6: (_regulation(v), ("regulated", "industry", "sensitive_data")),
    }
    factors = [
        Factor(step=step, name=STEP_NAMES[step], leans=_leans(score), weight=round(abs(score), 2),
               score=round(score, 3), why=why[0].upper() + why[1:], said=_said(v, names))
        for step, ((score, why), names) in steps.items()
    ]  # fmt: skip
    total = sum(STEP_WEIGHTS[f.step] * f.score for f in factors)
    flexible_part = (-0.5 if v.changes_often else 0.0) + (-0.4 if v.knowledge_gap else 0.0)
    core = total - STEP_WEIGHTS[1] * flexible_part  # evidence for tuning the stable core
    flex_need = bool(v.changes_often) or bool(v.knowledge_gap)
    gates = _gates(v, est)

    approach: Approach
    if gates:
        approach, margin = "prompt_engineering", 1.0
    elif v.has_fine_tuned_model and flex_need:
        approach, margin = "hybrid", 1.0
    elif flex_need and core >= HYBRID_THRESHOLD:
        approach, margin = "hybrid", core - HYBRID_THRESHOLD
    elif not flex_need and total >= FT_THRESHOLD:
        approach, margin = "fine_tuning", total - FT_THRESHOLD
    else:
        threshold = HYBRID_THRESHOLD if flex_need else FT_THRESHOLD
        approach, margin = "prompt_engineering", threshold - (core if flex_need else total)
    for f in factors:
        if approach == "hybrid" and f.step == 1 and flex_need:
            f.leans = "hybrid"

    ev = evidence(v)
    if gates or (v.has_fine_tuned_model and flex_need):
        # A hard rule decided: confidence rests on how much else is known, not on a score margin.
        confidence = 0.48 + 0.4 * ev + 0.05 * max(0, len(gates) - 1)
        if gates:
            reason = f"{len(gates)} hard constraint{'s' if len(gates) > 1 else ''} rule{'' if len(gates) > 1 else 's'} out fine-tuning for now"  # noqa: E501
        else:
            reason = "an existing fine-tuned model plus changing content is the textbook hybrid case"
    else:
        confidence = 0.3 + 0.35 * min(1.0, margin / 1.5) * ev + 0.3 * ev
        reason = "clear margin" if margin >= 0.75 else "close call between approaches"
    confidence = round(min(0.95, max(0.05, confidence)), 2)
    missing_decisive = [g[0] for g in DECISIVE_GROUPS if all(getattr(v, f) is None for f in g)]
    if ev < 1:
        reason += f"; {len(missing_decisive)} key fact{'s' if len(missing_decisive) != 1 else ''} still unknown"

    rec = Recommendation(
        approach=approach,
        confidence=confidence,
        confidence_reason=reason[0].upper() + reason[1:],
        verdict="",
        gap=_gap(v),
        factors=factors,
        gates=gates,
        risks=_risks(approach, v, est),
        next_steps=_next_steps(approach, v, est, gates),
        would_change=_would_change(approach, v, est, gates),
        missing=intake.missing(),
        tco=est,
    )
    rec.verdict = verdict_text(rec)
    return rec


def _risks(approach: Approach, v: IntakeValues, est: tco.TcoEstimate) -> list[str]:
    risks: list[str] = []
    tuned = approach in ("fine_tuning", "hybrid")
    if tuned:
        if v.sensitive_data:
            risks.append("A fine-tuned model can memorize and leak sensitive training data: de-identify before training and test for extraction.")  # noqa: E501
        if v.regulated:
            risks.append("Regulators expect more validation of a trained model (e.g. FDA guidance for AI in medical devices); budget for documentation and re-validation on each re-tune.")  # noqa: E501
        risks.append("Data drift: the tuned model goes stale as inputs change; plan evaluation and re-tuning on a schedule.")  # noqa: E501
        risks.append("Provider risk: a provider may retire a fine-tunable base model or its tuning service; keep the training data and pipeline portable.")  # noqa: E501
        if v.ml_expertise == "limited":
            risks.append("Key-person risk: a small ML team owns the model's whole lifecycle.")
    if approach in ("prompt_engineering", "hybrid"):
        x = est.crossover_monthly_requests
        if v.monthly_requests and x and v.monthly_requests >= x / 2 and approach == "prompt_engineering":
            risks.append(f"Usage cost: at {tco.format_volume(v.monthly_requests)} requests/month you are near the ~{tco.format_volume(x)}/month crossover; watch the per-request bill.")  # noqa: E501
        risks.append("Prompt injection and inconsistent outputs: keep user text delimited, validate outputs, and run an evaluation set on every prompt change.")  # noqa: E501
        if v.sensitive_data:
            risks.append("Sensitive data in prompts: redact personal data before it leaves your systems and check the provider's retention terms.")  # noqa: E501
        if v.knowledge_gap or v.changes_often:
            risks.append("Stale knowledge: the retrieval index must be refreshed as the source content changes.")
    if v.regulated and approach == "prompt_engineering":
        risks.append("Auditability: version every prompt and log inputs and outputs so reviewers can reconstruct any answer.")  # noqa: E501
    return risks


def _next_steps(approach: Approach, v: IntakeValues, est: tco.TcoEstimate, gates: list[Gate]) -> list[str]:
    x = est.crossover_monthly_requests
    steps: list[str] = []
    if approach == "prompt_engineering":
        steps.append("Write 30–50 representative test cases with expected outputs and a scoring rubric.")
        if v.knowledge_gap or v.changes_often:
            steps.append("Add retrieval over your source content so answers use current facts, and cite them.")
        steps.append("Draft the prompt with a few worked examples; version it and track it against the test set.")
        steps.append("Ship to a small group, log outputs and collect reviewed corrections as future training data.")
        if x:
            steps.append(f"Revisit fine-tuning if volume approaches ~{tco.format_volume(x)} requests/month or outputs plateau below target.")  # noqa: E501
    elif approach == "fine_tuning":
        steps.append("Baseline first: measure a well-prompted model on a held-out set (10–20% of your labeled data).")
        steps.append("Run a small fine-tune on a subset to confirm the gain before the full run.")
        steps.append("Set up evaluation, drift monitoring and a re-tuning schedule before launch.")
        if v.regulated:
            steps.append("Prepare validation documentation (data lineage, test results, change-control plan) for reviewers.")  # noqa: E501
        steps.append("Keep a prompted fallback for new cases the model was not trained on.")
    else:
        steps.append("Split the work: fine-tune on the stable domain core; keep templates, rules and fresh facts in the prompt or retrieval.")  # noqa: E501
        steps.append("Ship the prompted layer first on a base model while the fine-tune is prepared and evaluated.")
        steps.append("Evaluate the combination on a held-out set; re-tune only when the stable core drifts.")
    return steps


def _would_change(approach: Approach, v: IntakeValues, est: tco.TcoEstimate, gates: list[Gate]) -> list[str]:
    if gates:
        return [g.would_change for g in gates]
    x = est.crossover_monthly_requests
    if approach == "prompt_engineering":
        out = ["10,000+ clean labeled examples and ML engineers to own a model"]
        if x:
            out.append(f"volume above ~{tco.format_volume(x)} requests/month on a stable task")
        return out
    if approach == "fine_tuning":
        return ["the task or its content starting to change often (then hybrid)", "a hard deadline under a month or no ML team (then prompting)"]  # noqa: E501
    return ["the changing part settling down (then pure fine-tuning)", "losing the labeled data or the ML team (then prompting)"]  # noqa: E501


def verdict_text(rec: Recommendation) -> str:
    """The templated one-paragraph verdict (the offline wording)."""
    name = APPROACH_NAMES[rec.approach]
    leaning = [f for f in rec.factors if f.leans != "neutral" and f.weight >= 0.3]
    leaning.sort(key=lambda f: -f.weight)
    if rec.gates:
        because = "; ".join(g.reason for g in rec.gates)
        text = f"{name} is the right start: {because}."
    else:
        top = [f.why[0].lower() + f.why[1:] for f in leaning[:2]]
        because = "; ".join(top) if top else "the facts so far do not justify the cost of fine-tuning"
        text = f"{name} fits best: {because}."
    if rec.gap == "knowledge" and rec.approach != "fine_tuning":
        text += " The gap is knowledge rather than behaviour, so retrieval over your content beats training."
    elif rec.gap == "behavior" and rec.approach == "fine_tuning":
        text += " The gap is behaviour (a consistent skill at volume), which is what fine-tuning is for."
    elif rec.gap == "both" and rec.approach == "hybrid":
        text += " Tune for the stable behaviour; prompt and retrieve for what changes."
    if rec.would_change:
        text += f" What would change this: {rec.would_change[0]}."
    return text
