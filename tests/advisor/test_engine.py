"""The decision engine: gates, scoring, confidence, explanations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor.engine import FT_THRESHOLD, recommend
from bot.advisor.intake import Intake, IntakeValues

STRONG_FT: dict[str, Any] = {
    "labeled_examples": 200_000, "data_quality": "high", "monthly_requests": 5_000_000, "ml_expertise": "strong",
    "changes_often": False, "deadline_weeks": 26, "budget_usd": 1_000_000, "needs": "deep_domain",
}  # fmt: skip


def rec(**values: Any):  # type: ignore[no-untyped-def]
    return recommend(Intake(values=IntakeValues(**values)))


def test_strong_case_fine_tunes_with_high_confidence() -> None:
    r = rec(**STRONG_FT)
    assert r.approach == "fine_tuning"
    assert r.confidence >= 0.8
    assert not r.gates


@pytest.mark.parametrize(
    ("override", "gate"),
    [
        ({"labeled_examples": 500}, "labeled_examples"),
        ({"data_quality": "poor"}, "data_quality"),
        ({"ml_expertise": "none"}, "ml_expertise"),
        ({"budget_usd": 20_000}, "budget_usd"),
        ({"deadline_weeks": 2}, "deadline_weeks"),
    ],
)
def test_every_hard_gate_rules_out_fine_tuning(override: dict[str, Any], gate: str) -> None:
    r = rec(**(STRONG_FT | override))
    assert r.approach == "prompt_engineering"
    assert [g.name for g in r.gates] == [gate]
    assert r.would_change and r.would_change[0] == r.gates[0].would_change
    assert "would change" in r.verdict.lower()


def test_changing_content_on_a_strong_core_is_hybrid() -> None:
    r = rec(**(STRONG_FT | {"changes_often": True}))
    assert r.approach == "hybrid"
    assert any(f.leans == "hybrid" for f in r.factors)


def test_existing_fine_tuned_model_plus_fresh_facts_is_hybrid() -> None:
    r = rec(has_fine_tuned_model=True, knowledge_gap=True)
    assert r.approach == "hybrid"


def test_knowledge_gap_is_told_apart_from_behaviour_gap() -> None:
    assert rec(knowledge_gap=True, ml_expertise="none").gap == "knowledge"
    assert rec(**(STRONG_FT | {"behavior_gap": True})).gap == "behavior"
    knowledge = rec(knowledge_gap=True, ml_expertise="none")
    assert "retrieval" in knowledge.verdict


@pytest.mark.parametrize(
    "values",
    [{}, {"use_case": "an internal brainstorming assistant"}, {"needs": "broad_flexibility"},
     {"labeled_examples": 100_000}, {"regulated": True}],
)  # fmt: skip
def test_thin_input_never_gets_confident(values: dict[str, Any]) -> None:
    assert rec(**values).confidence < 0.6


def test_confidence_grows_with_facts() -> None:
    thin = rec(labeled_examples=200_000, ml_expertise="strong")
    full = rec(**STRONG_FT)
    assert thin.confidence < full.confidence


def test_factors_cover_six_steps_and_cite_user_facts() -> None:
    r = rec(labeled_examples=60, deadline_weeks=2, monthly_requests=40)
    assert [f.step for f in r.factors] == [1, 2, 3, 4, 5, 6]
    data = r.factors[1]
    assert data.leans == "prompt_engineering" and "60 labeled examples" in data.why
    assert "2 weeks" in r.factors[3].why
    assert "40 requests/month" in r.factors[2].said


def test_regulation_leans_to_prompting_but_does_not_gate() -> None:
    r = rec(**(STRONG_FT | {"regulated": True, "sensitive_data": True}))
    assert r.approach == "fine_tuning"
    assert r.factors[5].leans == "prompt_engineering"
    assert any("memorize" in risk for risk in r.risks)


def test_volume_below_crossover_leans_to_prompting() -> None:
    low = rec(monthly_requests=1_000)
    high = rec(monthly_requests=50_000_000)
    assert low.factors[2].leans == "prompt_engineering"
    assert high.factors[2].leans == "fine_tuning"


def test_deterministic() -> None:
    assert rec(**STRONG_FT).model_dump() == rec(**STRONG_FT).model_dump()


def test_threshold_is_respected() -> None:
    r = rec(**STRONG_FT)
    total = sum(f.score * (0.8 if f.step in (4, 6) else 1.0) for f in r.factors)
    assert total >= FT_THRESHOLD


fields = st.fixed_dictionaries(
    {},
    optional={
        "labeled_examples": st.integers(0, 10**9), "monthly_requests": st.integers(0, 10**10),
        "budget_usd": st.floats(0, 1e9), "deadline_weeks": st.floats(0, 500),
        "ml_expertise": st.sampled_from(["none", "limited", "strong"]), "changes_often": st.booleans(),
        "regulated": st.booleans(), "sensitive_data": st.booleans(),
        "data_quality": st.sampled_from(["high", "mixed", "poor"]),
        "needs": st.sampled_from(["deep_domain", "broad_flexibility"]),
        "priority": st.sampled_from(["speed", "cost", "accuracy", "adaptability"]),
        "has_fine_tuned_model": st.booleans(), "knowledge_gap": st.booleans(),
    },
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(fields)
def test_any_intake_gets_a_complete_explained_answer(values: dict[str, Any]) -> None:
    r = rec(**values)
    assert 0 < r.confidence <= 0.95
    assert r.verdict and r.next_steps and r.risks
    if r.approach != "prompt_engineering":
        assert not r.gates
