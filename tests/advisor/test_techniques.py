"""Advice a specialist signs off: the technique inside the approach, and regulation by sector (issues 13 and 19).

Cases written for these tests; each rule has a case where it applies and one where it must not.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.advisor import regulation
from bot.advisor.engine import MIN_FT_EXAMPLES, Recommendation, recommend, training_examples
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.techniques import named_sources


def rec(**values: Any) -> Recommendation:
    return recommend(Intake(values=IntakeValues(**values)))


def card_text(r: Recommendation) -> str:
    """Everything a reader of the card sees in words."""
    parts = [r.verdict, *r.next_steps, *r.risks, *r.would_change, *(f.why for f in r.factors)]
    return "\n".join(parts)


# A narrow, stable task at volume with ML people: everything but the data count favours tuning.
NARROW: dict[str, Any] = {
    "use_case": "pull line items out of supplier invoices into our ERP schema",
    "labeled_examples": 600,
    "data_quality": "high",
    "changes_often": False,
    "needs": "deep_domain",
    "monthly_requests": 4_000_000,
    "cost_pressure": True,
    "ml_expertise": "strong",
}


# --- the softer data gate: a LoRA pilot below 10,000 ---------------------------------------------------------


def test_small_clean_set_on_a_narrow_stable_task_gets_a_lora_pilot_not_a_flat_no() -> None:
    r = rec(**NARROW)
    assert r.approach == "fine_tuning"
    assert r.techniques == ["peft_pilot"]
    assert not r.gates
    assert "LoRA" in r.verdict and "600 clean examples" in r.verdict and "held-out" in r.verdict
    assert "too few" not in card_text(r)
    assert any(s.startswith("LoRA pilot: hold out ~120 of your 600") for s in r.next_steps)
    assert any("overfitting" in x for x in r.risks)
    assert r.confidence <= 0.75  # a pilot is a measured bet: the held-out evaluation decides


@pytest.mark.parametrize(
    "change",
    [
        {"labeled_examples": 120},  # too few even for a pilot with a held-out split
        {"changes_often": True},  # not a stable task
        {"needs": "broad_flexibility"},  # not a narrow task
        {"data_quality": "mixed"},  # labels that disagree teach the disagreement
        {"data_quality": None},  # quality unknown: a pilot needs known-clean examples
        {"monthly_requests": 20_000, "cost_pressure": False, "needs": None},  # nothing else favours tuning
    ],
)
def test_the_pilot_needs_every_other_condition(change: dict[str, Any]) -> None:
    r = rec(**(NARROW | change))
    assert r.approach == "prompt_engineering"
    assert "peft_pilot" not in r.techniques
    assert [g.name for g in r.gates] == ["labeled_examples"]
    assert "too few for a robust fine-tune" in r.verdict


@pytest.mark.parametrize(
    ("change", "gate"),
    [
        ({"ml_expertise": "none"}, "ml_expertise"),
        ({"deadline_weeks": 2}, "deadline_weeks"),
        ({"budget_usd": 3_000}, "budget_usd"),
        ({"data_quality": "poor"}, "data_quality"),
    ],
)
def test_other_hard_gates_still_hold_for_small_sets(change: dict[str, Any], gate: str) -> None:
    r = rec(**(NARROW | change))
    assert r.approach == "prompt_engineering"
    assert gate in [g.name for g in r.gates]
    assert "peft_pilot" not in r.techniques


# --- distillation from reviewed outputs ----------------------------------------------------------------------

DRAFTER: dict[str, Any] = {
    "use_case": "draft replies to warranty emails with a frontier model and a long prompt",
    "labeled_examples": 0,
    "reviewed_outputs": True,
    "prompt_in_production": True,
    "monthly_requests": 15_000_000,
    "cost_pressure": True,
    "ml_expertise": "strong",
}


def test_reviewed_outputs_of_a_live_prompt_are_training_data_for_distillation() -> None:
    r = rec(**DRAFTER)
    # The student takes the bulk and the prompted teacher stays for the rest: a hybrid, served as a cascade.
    assert (r.approach, r.hybrid_form) == ("hybrid", "cascade")
    assert r.techniques[0] == "distillation"
    assert "distillation" in r.verdict.lower() and "held-out evaluation" in r.verdict
    assert any("teacher" in x and "mistakes" in x for x in r.risks)  # its own quality caveat
    assert any("the current prompt on the large model" in s for s in r.next_steps)  # evaluated against it
    assert "routing" in r.techniques  # the large prompted model stays behind the student


def test_a_stated_count_of_reviewed_outputs_is_used_as_said() -> None:
    r = rec(**(DRAFTER | {"reviewed_output_count": 40_000, "monthly_requests": 5_000_000}))
    assert training_examples(IntakeValues(**(DRAFTER | {"reviewed_output_count": 40_000}))) == (40_000, 40_000)
    assert "40,000" in r.verdict and "distillation" in r.techniques


def test_without_reviewed_outputs_no_labels_still_means_prompting() -> None:
    r = rec(**(DRAFTER | {"reviewed_outputs": False}))
    assert r.approach == "prompt_engineering"
    assert "distillation" not in r.techniques
    assert [g.name for g in r.gates] == ["labeled_examples"]


def test_logs_count_a_month_of_volume_only_when_a_prompt_is_live() -> None:
    not_live = IntakeValues(**(DRAFTER | {"prompt_in_production": None}))
    assert training_examples(not_live) == (0, None)
    live = IntakeValues(**DRAFTER)
    assert training_examples(live) == (15_000_000, 15_000_000)
    assert MIN_FT_EXAMPLES < 15_000_000


def test_distillation_with_few_outputs_is_a_lora_pilot_on_them() -> None:
    r = rec(**(DRAFTER | {"reviewed_output_count": 800, "use_case": "extract order numbers from emails"}))
    assert r.approach == "fine_tuning"
    assert r.techniques[:2] == ["distillation", "peft_pilot"]


# --- routing ---------------------------------------------------------------------------------------------------


def test_a_live_prompt_behind_a_tuned_model_is_routing_when_latency_allows() -> None:
    strong = {
        "labeled_examples": 80_000,
        "data_quality": "high",
        "monthly_requests": 6_000_000,
        "ml_expertise": "strong",
        "changes_often": False,
        "prompt_in_production": True,
    }
    r = rec(**strong)
    assert r.approach == "hybrid" and r.hybrid_form == "cascade" and "routing" in r.techniques
    assert "cascade" in r.verdict and any(s.startswith("Route:") for s in r.next_steps)
    tight = rec(**(strong | {"latency_p95_ms": 150}))
    assert tight.approach == "fine_tuning" and "routing" not in tight.techniques  # no time for a second model
    unprompted = rec(**(strong | {"prompt_in_production": None}))
    assert unprompted.approach == "fine_tuning" and "routing" not in unprompted.techniques


# --- self-hosting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        NARROW,  # fine-tuning (a pilot)
        {"use_case": "summarise incident tickets", "labeled_examples": 0, "ml_expertise": "none"},  # prompting
        {"labeled_examples": 40_000, "ml_expertise": "strong", "changes_often": True, "needs": "deep_domain"},
    ],
)
def test_self_hosting_steers_every_approach_to_open_weight_models(case: dict[str, Any]) -> None:
    hosted = rec(**case)
    own = rec(**(case | {"self_hosting": True}))
    assert own.approach == hosted.approach  # where it runs does not change what to build
    assert "open_weight" in own.techniques and "open_weight" not in hosted.techniques
    assert "open-weight models" in own.verdict
    assert any("open-weight" in s for s in own.next_steps)
    assert any(x.startswith("Self-hosting:") for x in own.risks)


# --- retrieval when answers come from named documents ---------------------------------------------------------


@pytest.mark.parametrize(
    ("use_case", "sources"),
    [
        ("Auto-draft replies to customers using our help-center articles", "help-center articles"),
        ("An assistant that answers HR questions from the employee handbook", "employee handbook"),
        ("Answer engineers' questions from our Confluence pages", "Confluence pages"),
        ("Suggest products to shoppers from the catalogue", "catalogue"),
    ],
)
def test_answers_from_named_documents_get_retrieval(use_case: str, sources: str) -> None:
    assert named_sources(use_case) == sources
    r = rec(use_case=use_case)
    assert "retrieval" in r.techniques
    assert "retrieval (RAG)" in r.verdict and sources in r.verdict
    assert any(s.startswith(f"Index your {sources}") for s in r.next_steps)


@pytest.mark.parametrize(
    "use_case",
    ["Summarise the contracts our lawyers upload", "Classify support tickets by product area", None],
)
def test_documents_that_are_the_input_are_not_a_knowledge_source(use_case: str | None) -> None:
    assert named_sources(use_case) is None
    assert "retrieval" not in rec(use_case=use_case).techniques


# --- regulation by sector --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "regimes", "named", "never"),
    [
        (
            {"use_case": "triage incoming insurance claims", "industry": "insurance"},
            ["naic"],
            "NAIC model bulletin",
            ["FDA", "SR 11-7", "GDPR"],
        ),
        (
            {"use_case": "score small-business loan applications", "industry": "financial services"},
            ["sr_11_7"],
            "SR 11-7",
            ["FDA", "NAIC", "HIPAA"],
        ),
        (
            {
                "use_case": "flag urgent findings in radiology images for our diagnostic device",
                "industry": "healthcare",
            },
            ["fda", "hipaa"],
            "FDA guidance",
            ["NAIC", "SR 11-7"],
        ),
        (
            {"use_case": "route complaints from our customers in Germany", "sensitive_data": True},
            ["gdpr", "eu_ai_act"],
            "GDPR",
            ["FDA", "NAIC", "SR 11-7"],
        ),
    ],
)
def test_cards_name_only_the_regulation_that_applies(
    values: dict[str, Any], regimes: list[str], named: str, never: list[str]
) -> None:
    tuned = {"labeled_examples": 90_000, "data_quality": "high", "monthly_requests": 5_000_000}
    r = rec(**(values | tuned | {"ml_expertise": "strong", "regulated": True, "changes_often": False}))
    assert r.regulations == regimes
    text = card_text(r)
    assert named in text
    for other in never:
        assert other not in text


def test_unregulated_cards_name_no_regime() -> None:
    r = rec(use_case="tag blog posts by topic", regulated=False)
    assert r.regulations == []
    assert "FDA" not in card_text(r)


def test_eu_personal_data_fact_brings_gdpr_without_a_country_in_the_use_case() -> None:
    v = IntakeValues(use_case="sort inbound emails", eu_personal_data=True, sensitive_data=True)
    assert [x.key for x in regulation.applicable(v)] == ["gdpr", "eu_ai_act"]
    r = rec(use_case="sort inbound emails", eu_personal_data=True, sensitive_data=True, regulated=False)
    assert any("GDPR" in x for x in r.risks)
