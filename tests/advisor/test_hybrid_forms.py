"""When a specialist says hybrid, and which hybrid: a tuned core with a prompt layer, a tuned core with retrieval,
or a cascade around a prompt already in service. Cases written for these tests; every rule has cases where it must
not fire (plain prompting, plain fine-tuning, and the hard gates)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor import tco
from bot.advisor.engine import JUDGEMENT_CAP, Recommendation, analyse, recommend, stable_core
from bot.advisor.intake import Intake, IntakeValues


def rec(**values: Any) -> Recommendation:
    return recommend(Intake(values=IntakeValues(**values)))


# A stable skill with plenty of clean labels and a team, while the rules it applies change monthly; at this modest
# volume prompting is cheaper over three years, so the rest of the evidence is lukewarm.
PLAYBOOK: dict[str, Any] = {
    "use_case": "flag unusual clauses in supplier agreements against a negotiation playbook",
    "labeled_examples": 50_000,
    "data_quality": "high",
    "ml_expertise": "strong",
    "monthly_requests": 30_000,
    "deadline_weeks": 26,
    "changes_often": True,
}

# A prompted large model already does the job well; its approved outputs pile up and the bill is the problem.
LIVE_PROMPT: dict[str, Any] = {
    "use_case": "summarise support calls into a fixed template",
    "prompt_in_production": True,
    "reviewed_output_count": 50_000,
    "monthly_requests": 3_000_000,
    "cost_pressure": True,
    "ml_expertise": "strong",
    "changes_often": False,
}


# --- a stable core worth tuning, and a part that must stay flexible --------------------------------------------


def test_a_stable_core_with_changing_rules_is_a_prompt_layer_hybrid_on_a_judgement_call() -> None:
    r = rec(**PLAYBOOK)
    assert (r.approach, r.hybrid_form) == ("hybrid", "prompt_layer")
    assert "The hybrid here is a tuned core with a prompt layer" in r.verdict
    assert "prompt edit, not a retrain" in r.verdict
    assert r.next_steps[0].startswith("Split the work")
    assert any(x.startswith("Two layers out of step") for x in r.risks)
    assert r.factors[0].leans == "hybrid"
    assert r.confidence <= JUDGEMENT_CAP and "judgement call" in r.confidence_reason


def test_the_judgement_hybrid_is_priced_as_the_split_it_names() -> None:
    r = rec(**PLAYBOOK)
    hybrid = r.tco.approaches["hybrid"]
    assert "prompt_engineering" in hybrid.one_time_items and "ml_engineering" in hybrid.one_time_items
    assert r.tco.profile.hybrid_shape == "split"


def test_changing_content_with_a_stable_voice_is_a_retrieval_hybrid() -> None:
    r = rec(**(PLAYBOOK | {"knowledge_gap": True, "behavior_gap": True}))
    assert (r.approach, r.hybrid_form) == ("hybrid", "retrieval")
    assert "tuned core with retrieval" in r.verdict and "re-index" in r.verdict
    assert "retrieval" in r.next_steps[0]


def test_a_regulated_split_keeps_a_validated_core_and_a_logged_prompt() -> None:
    r = rec(**(PLAYBOOK | {"regulated": True, "industry": "insurance"}))
    assert r.approach == "hybrid"
    assert "validated once as a fixed model" in r.verdict


def test_a_small_team_can_own_a_stable_core_at_a_stretch() -> None:
    limited = PLAYBOOK | {"ml_expertise": "limited", "monthly_requests": 1_500_000}
    assert stable_core(IntakeValues(**limited))
    assert rec(**limited).approach == "hybrid"


@pytest.mark.parametrize(
    "change",
    [
        {"knowledge_gap": True, "behavior_gap": False},  # only facts change: retrieval, nothing stable to tune
        {"needs": "broad_flexibility"},  # no narrow skill to bake in
        {"labeled_examples": 4_000},  # too few to tune the core
        {"data_quality": "poor"},  # the labels would teach noise
    ],
)
def test_no_stable_core_means_no_judgement_hybrid(change: dict[str, Any]) -> None:
    values = PLAYBOOK | change
    assert not stable_core(IntakeValues(**values))
    assert rec(**values).approach == "prompt_engineering"


def test_prompting_that_leaves_a_stable_core_untuned_says_the_hybrid_is_close() -> None:
    # Six weeks, a small team and modest volume: prompting first, but not with high confidence.
    r = rec(**(PLAYBOOK | {"ml_expertise": "limited", "deadline_weeks": 6}))
    assert r.approach == "prompt_engineering"
    assert r.confidence <= JUDGEMENT_CAP and "hybrid is the close alternative" in r.confidence_reason


def test_a_gate_still_forces_prompting_however_good_the_core() -> None:
    no_team = rec(**(PLAYBOOK | {"ml_expertise": "none"}))
    assert no_team.approach == "prompt_engineering" and "ml_expertise" in [g.name for g in no_team.gates]
    rushed = rec(**(PLAYBOOK | {"deadline_weeks": 2}))
    assert rushed.approach == "prompt_engineering" and "deadline_weeks" in [g.name for g in rushed.gates]
    nothing = rec(labeled_examples=0, ml_expertise="none", changes_often=True, deadline_weeks=3)
    assert nothing.approach == "prompt_engineering" and nothing.hybrid_form is None


def test_thin_input_stays_tentative() -> None:
    r = rec(labeled_examples=30_000, changes_often=True, ml_expertise="limited")
    assert r.confidence < 0.6


# --- plain cases stay plain -------------------------------------------------------------------------------------


def test_a_frozen_task_with_many_labels_and_no_prompt_in_service_is_plain_fine_tuning() -> None:
    r = rec(
        use_case="classify shipping invoices into tariff codes",
        labeled_examples=300_000,
        data_quality="high",
        monthly_requests=5_000_000,
        ml_expertise="strong",
        changes_often=False,
    )
    assert r.approach == "fine_tuning" and r.hybrid_form is None
    assert "The hybrid here" not in r.verdict


def test_a_few_examples_and_developers_only_is_plain_prompting() -> None:
    r = rec(labeled_examples=60, ml_expertise="none", monthly_requests=2_000, changes_often=True)
    assert r.approach == "prompt_engineering" and r.hybrid_form is None


# --- a cascade around a prompt already in service -----------------------------------------------------------------


def test_distilling_a_live_prompt_under_cost_pressure_is_a_cascade_hybrid() -> None:
    r = rec(**LIVE_PROMPT)
    assert (r.approach, r.hybrid_form) == ("hybrid", "cascade")
    assert r.techniques[:2] == ["distillation", "routing"]
    assert "The hybrid here is a cascade" in r.verdict
    assert any("shadow mode" in s for s in r.next_steps)
    assert not r.next_steps[0].startswith("Split the work")
    assert r.factors[2].leans == "hybrid"  # at this volume the cascade costs less than prompting
    assert not any(x.startswith("Two layers out of step") for x in r.risks)


def test_the_cascade_is_priced_as_a_cascade() -> None:
    r = rec(**LIVE_PROMPT)
    a = tco.assumptions_of(r.tco)
    p = r.tco.profile
    assert (p.hybrid_shape, p.distilled) == ("cascade", True)
    costs = r.tco.approaches
    expected = (
        costs["fine_tuning"].per_request_usd + a.cascade_fallback_share * costs["prompt_engineering"].per_request_usd
    )
    assert costs["hybrid"].per_request_usd == pytest.approx(expected)
    items = costs["hybrid"].one_time_items
    assert "data_labeling" not in items and items["output_review"] > 0  # reviewed outputs, not new labels
    assert r.tco.rival == "hybrid"  # the cost step compares prompting with the cascade it would build
    assert any("priced as a cascade" in n for n in r.tco.notes)


def test_a_tight_latency_budget_leaves_no_room_for_the_fallback() -> None:
    r = rec(**(LIVE_PROMPT | {"latency_p95_ms": 150}))
    assert r.approach == "fine_tuning" and r.hybrid_form is None


def test_without_a_live_prompt_a_well_labelled_stable_task_is_not_a_cascade() -> None:
    values = LIVE_PROMPT | {"prompt_in_production": None, "reviewed_output_count": None, "labeled_examples": 80_000}
    assert analyse(IntakeValues(**values)).profile.hybrid_shape == "split"
    assert rec(**values).approach == "fine_tuning"


def test_a_live_prompt_with_too_few_outputs_stays_prompting() -> None:
    r = rec(**(LIVE_PROMPT | {"reviewed_output_count": 3_000, "data_quality": "mixed"}))
    assert r.approach == "prompt_engineering"
    assert "labeled_examples" in [g.name for g in r.gates]


# --- cases that look hybrid but are plainly one of the others --------------------------------------------------


def test_when_only_facts_change_even_strong_evidence_is_retrieval_not_a_hybrid() -> None:
    # Plenty of labels and volume, but the answers live in documents that keep changing and there is no skill.
    strong = PLAYBOOK | {"monthly_requests": 2_000_000, "knowledge_gap": True, "behavior_gap": False}
    r = rec(**strong)
    assert r.approach == "prompt_engineering"
    assert "retrieval" in r.techniques or any("retrieval" in s.lower() for s in r.next_steps)
    assert rec(**(strong | {"behavior_gap": True})).approach == "hybrid"  # a stable skill as well: hybrid


def test_a_changing_task_under_a_tight_p95_stays_a_hybrid_in_the_small_tuned_model() -> None:
    # The small tuned model that meets the p95 takes the changing part (today's word list) in its own prompt:
    # latency decides how the hybrid is served, not whether the changing part may stay out of the weights.
    fast = {
        "use_case": "filter abusive chat messages in real time",
        "labeled_examples": 400_000,
        "data_quality": "high",
        "monthly_requests": 200_000_000,
        "ml_expertise": "strong",
        "changes_often": True,
        "needs": "deep_domain",
        "latency_p95_ms": 80,
    }
    r = rec(**fast)
    assert r.approach == "hybrid" and r.hybrid_form is not None
    assert rec(**(fast | {"latency_p95_ms": 3000})).approach == "hybrid"
    assert rec(**(fast | {"changes_often": False})).approach == "fine_tuning"  # nothing changes: plain tuning


@settings(max_examples=60, deadline=None)
@given(
    share=st.floats(min_value=0, max_value=1),
    volume=st.integers(min_value=0, max_value=50_000_000),
    distilled=st.booleans(),
)
def test_a_cascade_costs_the_tuned_model_plus_its_fallback_share(share: float, volume: int, distilled: bool) -> None:
    a = tco.default_assumptions().with_overrides(cascade_fallback_share=share)
    p = tco.CaseProfile(hybrid_shape="cascade", distilled=distilled)
    est = tco.estimate(volume, labeled_examples=2_000, assumptions=a, profile=p)
    tuned, prompted = (est.approaches[k].per_request_usd for k in ("fine_tuning", "prompt_engineering"))
    cascade = est.approaches["hybrid"]
    assert tuned <= cascade.per_request_usd <= tuned + prompted + 1e-15
    assert ("data_labeling" in cascade.one_time_items) is not distilled  # distilled: reviewed outputs, no labels
    assert cascade.total_usd == pytest.approx(cascade.one_time_usd + est.horizon_months * cascade.monthly_usd, rel=1e-9)
