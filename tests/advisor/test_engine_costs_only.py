"""The question planner's and the what-ifs' decisions (`analyse(words=False)`, on an estimate of the approaches'
costs only) are the card's own (`analyse` with the full estimate and its wording)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor.engine import analyse
from bot.advisor.intake import IntakeValues

facts = st.fixed_dictionaries(
    {},
    optional={
        "labeled_examples": st.integers(0, 10**7),
        "monthly_requests": st.integers(0, 10**9),
        "budget_usd": st.floats(0, 1e7),
        "deadline_weeks": st.floats(0, 200),
        "ml_expertise": st.sampled_from(["none", "limited", "strong"]),
        "changes_often": st.booleans(),
        "regulated": st.booleans(),
        "data_quality": st.sampled_from(["high", "mixed", "poor"]),
        "needs": st.sampled_from(["deep_domain", "broad_flexibility"]),
        "priority": st.sampled_from(["speed", "cost", "accuracy", "adaptability"]),
        "knowledge_gap": st.booleans(),
        "cost_pressure": st.booleans(),
        "latency_p95_ms": st.integers(1, 60_000),
        "use_case": st.sampled_from(
            ["invoice field extraction", "customer chatbot", "claims triage", "legal drafting"]
        ),
    },
)


def decision(values: dict[str, Any], *, words: bool) -> tuple[Any, ...]:
    an = analyse(IntakeValues(**values), words=words)
    return (
        an.approach,
        an.techniques,
        an.pilot,
        [g.gate.name for g in an.gates],
        [(f.step, f.score) for f in an.factors],
        an.weights,
        an.est.approaches,
        an.est.rival,
    )


@settings(max_examples=150, deadline=None)
@given(facts)
def test_the_planners_decision_is_the_cards(values: dict[str, Any]) -> None:
    assert decision(values, words=False) == decision(values, words=True)


def test_the_known_cases_decide_alike_with_and_without_the_full_estimate() -> None:
    cases: list[dict[str, Any]] = [
        {},
        {"monthly_requests": 5_000_000, "labeled_examples": 80_000, "ml_expertise": "strong"},
        {"monthly_requests": 2_000, "changes_often": True},
        {"labeled_examples": 3_000, "data_quality": "high", "ml_expertise": "strong", "budget_usd": 5_000},
        {"use_case": "customer chatbot", "knowledge_gap": True, "latency_p95_ms": 150},
    ]
    for values in cases:
        assert decision(values, words=False) == decision(values, words=True), values
