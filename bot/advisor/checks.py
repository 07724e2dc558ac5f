"""Self-consistency checks of a recommendation: the contradictions a specialist would not sign.

Used by the property tests over generated intakes and by `bench/bench_advice.py` over written cases.
"""

from __future__ import annotations

from bot.advisor import tco
from bot.advisor.engine import SNAPPY_MS, Recommendation, decide
from bot.advisor.intake import Intake


def contradictions(intake: Intake, rec: Recommendation) -> list[str]:
    """Every way the card disagrees with itself or with the intake; empty when it is coherent."""
    v = intake.values
    found: list[str] = []
    reasons = {x.text: x for f in rec.factors for x in f.reasons}
    # Cost sentences agree with the totals they describe.
    for rival in ("fine_tuning", "hybrid"):
        pe, other = rec.tco.approaches["prompt_engineering"].total_usd, rec.tco.approaches[rival].total_usd
        sentence = tco.cost_sentence(rec.tco, rival)
        cheaper_said = sentence.split(", ", 1)[1].startswith(tco.RIVAL_NAMES[rival])
        if other != pe and cheaper_said != (other < pe):
            found.append(f"cost sentence disagrees with the totals: {sentence}")
    for f in rec.factors:
        for step_reason in f.reasons:
            if step_reason.text.startswith("At ") and step_reason.text + "." not in {
                tco.cost_sentence(rec.tco, "fine_tuning"),
                tco.cost_sentence(rec.tco, "hybrid"),
            }:
                found.append(f"step {f.step} cost reason is not generated from the totals: {step_reason.text}")
    # The verdict cites only reasons that lean its way; the trade-off leans the other way.
    for text in rec.because:
        cited = reasons.get(text)
        if cited is None:
            found.append(f"cited reason is not one of the factors: {text}")
            continue
        leans_right = {
            "fine_tuning": cited.score > 0,
            "prompt_engineering": cited.score < 0,
            "hybrid": cited.score > 0 or (cited.score < 0 and cited.flexible),
        }[rec.approach]
        if not leans_right:
            found.append(f"cited for {rec.approach} but leans the other way: {text}")
    if rec.trade_off:
        against = reasons.get(rec.trade_off)
        if against is None or (against.score > 0) == (rec.approach != "prompt_engineering"):
            found.append(f"trade-off does not lean against the approach: {rec.trade_off}")
    # "What would change this" never asks for what the team has, and each item really flips the case.
    for w in rec.what_if:
        if "+" in w.field:
            continue
        if getattr(v, w.field) == w.value:
            found.append(f"would change asks for what is already true: {w.field}={w.value!r}")
        elif decide(intake.with_values(**{w.field: w.value})) != w.then or w.then == rec.approach:
            found.append(f"would change does not flip the case: {w.text}")
    # Steps fit the team and the latency budget.
    if (v.labeled_examples or 0) >= 30 and any(s.startswith("Write 30–50") for s in rec.next_steps):
        found.append("asks for test cases although the team has labeled examples")
    if (
        v.latency_p95_ms is not None
        and v.latency_p95_ms <= SNAPPY_MS
        and any("fallback for" in s for s in rec.next_steps)
    ):
        found.append("suggests a fallback call the latency budget cannot carry")
    return found
