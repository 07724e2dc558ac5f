"""The TCO model's arithmetic against hand-computed cases, its dated defaults, its overrides and explanations."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor.engine import Recommendation, recommend
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.report import tco_sources, text_card
from bot.advisor.tco import (
    APPROACHES,
    MIN_RETRAIN_EVERY_MONTHS,
    MIN_SAVING_USD,
    CaseProfile,
    TcoAssumptions,
    assumption_sources,
    cost_sentence,
    crossover_monthly_requests,
    default_assumptions,
    estimate,
    explain,
    format_usd,
    format_volume,
    load_assumptions,
    monthly_fixed_cost,
    one_time_cost,
    per_request_cost,
    review_cost,
    training_run_cost,
)
from bot.errors import InputError

# Round numbers, so that every figure below can be checked by hand. Lines that need a profile (retrieval,
# validation, review, evaluation, training tokens) are zero here and tested one by one further down.
#   prompting per request: (1000 + 2000 * (1 - 0.5 * 0.5)) * $4/M + 250 * $10/M = $0.0100 + $0.0025 = $0.0125
#   fine-tuning:           (1000 * $1/M + 250 * $1/M) * 2                        = $0.0025
#   hybrid:                ((1000 + 500) * $1/M + 250 * $1/M) * 2                = $0.0035
#   one-time:      prompting $10,000
#                  fine-tuning 10,000 examples * $1 (skilled labels, none yet) + $50,000 = $60,000
#                  hybrid $60,000 + $5,000 = $65,000
#   monthly fixed: prompting $500
#                  fine-tuning $1,000 + $1,000 + $6,000 / 6 = $3,000 (retrained every 2 months: $5,000)
#                  hybrid $3,000 + $500 prompt upkeep = $3,500 (its core retrains every 6 months, changing or not)
ROUND: dict[str, float] = {
    "prompt_price_in_per_m": 4,
    "prompt_price_out_per_m": 10,
    "cached_input_discount": 0.5,
    "cache_hit_rate": 0.5,
    "batch_discount": 0.5,
    "batch_min_latency_ms": 3_600_000,
    "base_input_tokens": 1000,
    "output_tokens": 250,
    "few_shot_tokens": 2000,
    "retrieval_context_tokens": 1000,
    "hybrid_context_tokens": 500,
    "cascade_fallback_share": 0.2,
    "ft_base_price_in_per_m": 1,
    "ft_base_price_out_per_m": 1,
    "ft_price_premium": 2,
    "ft_training_price_per_m": 0,
    "training_epochs": 2,
    "training_runs": 1,
    "training_examples_cap": 100_000,
    "labeling_cost_general": 0.5,
    "labeling_cost_skilled": 1,
    "labeling_cost_expert": 10,
    "min_training_examples": 10_000,
    "prompt_engineering_usd": 10_000,
    "retrieval_build_usd": 20_000,
    "ft_engineering_usd": 50_000,
    "hybrid_prompt_engineering_usd": 5000,
    "evaluation_harness_usd": 0,
    "evaluation_examples": 0,
    "model_validation_usd": 10_000,
    "prompt_validation_share": 0.5,
    "prompt_maintenance_monthly_usd": 500,
    "retrieval_monthly_usd": 1000,
    "monitoring_monthly_usd": 0,
    "ft_hosting_monthly_usd": 1000,
    "dedicated_hosting_monthly_usd": 2000,
    "low_latency_ms": 300,
    "ft_mlops_monthly_usd": 1000,
    "human_review_share": 0,
    "human_review_share_critical": 0,
    "human_review_cost_per_item": 0,
    "human_review_max_items_monthly": 0,
    "retrain_every_months": 6,
    "retrain_every_months_when_changing": 2,
    "hybrid_retrain_every_months": 6,
    "retrain_engineering_usd": 6000,
    "revalidation_share": 0.5,
    "selfhost_gpu_hourly_usd": 2,
    "selfhost_gpu_tokens_per_second": 250,
    "selfhost_utilisation": 0.5,
    "selfhost_min_gpus": 1,
    "selfhost_upkeep_monthly_usd": 1000,
    "selfhost_setup_usd": 10_000,
    "selfhost_training_gpu_hours": 10,
    "distillation_examples": 2000,
    "distillation_review_share": 0.5,
    "horizon_months": 10,
}


def round_assumptions(**overrides: float) -> TcoAssumptions:
    return TcoAssumptions(**{**ROUND, **overrides})


def test_defaults_are_the_dated_researched_values() -> None:
    a = default_assumptions()
    # Current list prices (GPT-4.1 prompted, GPT-4.1 mini fine-tuned and trained per token).
    assert (a.prompt_price_in_per_m, a.prompt_price_out_per_m, a.cached_input_discount) == (2.0, 8.0, 0.75)
    assert (a.ft_base_price_in_per_m, a.ft_base_price_out_per_m, a.ft_price_premium) == (0.40, 1.60, 2.0)
    assert a.ft_training_price_per_m == 5.0 and a.batch_discount == 0.5
    # Labels by expertise tier; expert labels are dollars, not cents.
    assert a.labeling_cost_general < a.labeling_cost_skilled < a.labeling_cost_expert
    assert 5 <= a.labeling_cost_expert <= 50
    # Per-token hosting by default (the prices above are OpenAI's); a provider's hourly fee is an override.
    assert a.ft_hosting_monthly_usd == 0
    # Enterprise retrieval costs far more than a prompt.
    assert a.retrieval_build_usd > a.prompt_engineering_usd
    assert a.horizon_months == 36 and a.min_training_examples == 10_000


def test_every_default_names_a_source_and_a_date() -> None:
    sources = assumption_sources()
    assert set(sources) == set(TcoAssumptions.model_fields)
    rows = explain()
    assert [r.name for r in rows] == list(TcoAssumptions.model_fields)
    for row in rows:
        assert row.source.strip() and row.date.strip() and row.description
        assert row.value == row.default
    by_name = {r.name: r for r in rows}
    for priced in (
        "prompt_price_in_per_m",
        "ft_training_price_per_m",
        "cached_input_discount",
        "batch_discount",
        "labeling_cost_expert",
        "ft_hosting_monthly_usd",
    ):
        assert by_name[priced].url.startswith("https://"), priced
    assert "OpenAI" in sources["prompt_price_in_per_m"]
    assert "Azure" in sources["ft_hosting_monthly_usd"]
    assert sources["min_training_examples"] == "project brief"


def test_explain_shows_overrides_next_to_defaults() -> None:
    rows = {r.name: r for r in explain(default_assumptions().with_overrides(ft_hosting_monthly_usd=1240))}
    assert rows["ft_hosting_monthly_usd"].value == 1240 and rows["ft_hosting_monthly_usd"].default == 0


def test_the_brief_compute_figure_is_for_large_programmes_not_one_hosted_run() -> None:
    a = default_assumptions()
    # 10,000 examples of ~800 tokens, 3 epochs, at $5 per million training tokens: $120 a run.
    assert training_run_cost(a, 10_000) == pytest.approx(10_000 * 800 * 3 * 5 / 1e6)
    items = one_time_cost(a, "fine_tuning", 10_000)
    assert items["training_compute"] < 1000 < items["ml_engineering"]
    assert "$10K-$100K+" in {r.name: r for r in explain()}["ft_training_price_per_m"].note


@pytest.mark.parametrize(
    ("assumptions", "approach", "expected"),
    [
        # (500 + 1500 * (1 - 0.8 * 0.75)) * $2/M + 300 * $8/M = 1100 * 2e-6 + 0.0024
        (default_assumptions(), "prompt_engineering", 0.0046),
        # (500 * $0.40/M + 300 * $1.60/M) * 2 = (200 + 480) * 2 / 1e6
        (default_assumptions(), "fine_tuning", 0.00136),
        # ((500 + 400) * $0.40/M + 300 * $1.60/M) * 2 = (360 + 480) * 2 / 1e6
        (default_assumptions(), "hybrid", 0.00168),
        # without the cache: (500 + 1500) * $2/M + 300 * $8/M
        (default_assumptions().with_overrides(cache_hit_rate=0), "prompt_engineering", 0.0064),
        # every prefix token cached and free: 500 * $2/M + 300 * $8/M
        (default_assumptions().with_overrides(cache_hit_rate=1, cached_input_discount=1), "prompt_engineering", 0.0034),
        # fine-tuned at base price: (500 * $0.40/M + 300 * $1.60/M) * 1
        (default_assumptions().with_overrides(ft_price_premium=1), "fine_tuning", 0.00068),
        (round_assumptions(), "prompt_engineering", 0.0125),
        (round_assumptions(), "fine_tuning", 0.0025),
        (round_assumptions(), "hybrid", 0.0035),
    ],
)
def test_per_request_cost(assumptions: TcoAssumptions, approach: str, expected: float) -> None:
    assert per_request_cost(assumptions, approach) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("profile", "approach", "expected"),
    [
        # a document: 6,000 tokens in, 800 out: (6000 + 1500) * $4/M + 800 * $10/M
        (CaseProfile(input_tokens=6000, output_tokens=800), "prompt_engineering", 0.038),
        (CaseProfile(input_tokens=6000, output_tokens=800), "fine_tuning", (6000 + 800) * 2 / 1e6),
        # retrieval adds 1,000 uncached tokens to prompting and replaces the hybrid's 500 of context
        (CaseProfile(knowledge_gap=True), "prompt_engineering", 0.0125 + 1000 * 4 / 1e6),
        (CaseProfile(knowledge_gap=True), "hybrid", (2000 + 250) * 2 / 1e6),
        # batch: half price for everyone
        (CaseProfile(latency_p95_ms=3_600_000), "prompt_engineering", 0.0125 / 2),
        (CaseProfile(latency_p95_ms=3_600_000), "fine_tuning", 0.0025 / 2),
        # under a tight p95 prompting runs on the small base model: (1000 + 1500) * $1/M + 250 * $1/M
        (CaseProfile(latency_p95_ms=200), "prompt_engineering", 0.00275),
    ],
)
def test_per_request_cost_follows_the_case(profile: CaseProfile, approach: str, expected: float) -> None:
    assert per_request_cost(round_assumptions(), approach, profile) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("approach", "labeled", "expected"),
    [
        ("prompt_engineering", None, {"evaluation": 0, "prompt_engineering": 10_000}),
        # unknown labeled data: no labeling counted (the estimate says so in a note)
        ("fine_tuning", None, {"evaluation": 0, "data_labeling": 0, "training_compute": 0, "ml_engineering": 50_000}),
        # 10,000 examples * $1 (skilled tier)
        ("fine_tuning", 0, {"evaluation": 0, "data_labeling": 10_000, "training_compute": 0, "ml_engineering": 50_000}),
        (
            "fine_tuning",
            4000,
            {"evaluation": 0, "data_labeling": 6000, "training_compute": 0, "ml_engineering": 50_000},
        ),
        ("fine_tuning", 20_000, {"evaluation": 0, "data_labeling": 0, "training_compute": 0, "ml_engineering": 50_000}),
        (
            "hybrid",
            0,
            {
                "evaluation": 0,
                "data_labeling": 10_000,
                "training_compute": 0,
                "ml_engineering": 50_000,
                "prompt_engineering": 5000,
            },
        ),
    ],
)
def test_one_time_items(approach: str, labeled: int | None, expected: dict[str, float]) -> None:
    assert one_time_cost(round_assumptions(), approach, labeled) == pytest.approx(expected)


def test_one_time_lines_that_depend_on_the_case() -> None:
    a = round_assumptions(evaluation_harness_usd=3000, evaluation_examples=300, ft_training_price_per_m=2)
    expert = CaseProfile(label_tier="expert", regulated=True, knowledge_gap=True)
    pe = one_time_cost(a, "prompt_engineering", 100, expert)
    # 200 missing evaluation examples at $10 (expert), validation at half, retrieval build
    assert pe == pytest.approx(
        {"evaluation": 3000 + 200 * 10, "prompt_engineering": 10_000, "validation": 5000, "retrieval": 20_000}
    )
    ft = one_time_cost(a, "fine_tuning", 100, expert)
    # 9,900 labels at $10; one run of 10,000 examples * 1,250 tokens * 2 epochs at $2/M = $50
    assert ft["data_labeling"] == pytest.approx(99_000) and ft["training_compute"] == pytest.approx(50)
    assert ft["validation"] == 10_000 and "retrieval" not in ft
    assert one_time_cost(a, "hybrid", 100, expert)["retrieval"] == 20_000
    # a team that already has its gold examples pays nothing to label the evaluation set
    assert one_time_cost(a, "prompt_engineering", 600, expert)["evaluation"] == 3000


@pytest.mark.parametrize(
    ("assumptions", "approach", "changes_often", "expected"),
    [
        (default_assumptions(), "prompt_engineering", None, 600 + 1000),
        (default_assumptions(), "prompt_engineering", True, 600 + 1000),
        # monitoring + no hosting fee (per token) + MLOps + ($5,000 + one $120 run) / 6 months
        (default_assumptions(), "fine_tuning", None, 600 + 0 + 2000 + 5120 / 6),
        (default_assumptions(), "fine_tuning", True, 600 + 0 + 2000 + 5120),
        # the hybrid retrains only its stable core, on the stable cadence, and keeps the prompt upkeep
        (default_assumptions(), "hybrid", True, 600 + 1000 + 2000 + 5120 / 6),
        (round_assumptions(), "fine_tuning", None, 3000),
        (round_assumptions(), "fine_tuning", True, 5000),
        (round_assumptions(), "hybrid", True, 3500),
        # 0 months: never retrained
        (round_assumptions(retrain_every_months=0), "fine_tuning", False, 2000),
    ],
)
def test_monthly_fixed_cost(
    assumptions: TcoAssumptions, approach: str, changes_often: bool | None, expected: float
) -> None:
    assert monthly_fixed_cost(assumptions, approach, changes_often) == pytest.approx(expected)


def test_monthly_lines_that_depend_on_the_case() -> None:
    a = round_assumptions()
    fast = CaseProfile(latency_p95_ms=100)
    assert monthly_fixed_cost(a, "fine_tuning", False, fast) == 2000 + 1000 + 1000  # dedicated hosting
    assert monthly_fixed_cost(a, "prompt_engineering", False, fast) == 2000 + 500
    regulated = CaseProfile(regulated=True)
    assert monthly_fixed_cost(a, "fine_tuning", False, regulated) == pytest.approx(1000 + 1000 + (6000 + 5000) / 6)
    assert monthly_fixed_cost(a, "prompt_engineering", False, CaseProfile(knowledge_gap=True)) == 500 + 1000


def test_human_review_is_sampled_capped_and_the_same_for_every_approach() -> None:
    a = default_assumptions()
    assert review_cost(a, 10_000) == pytest.approx(10_000 * 0.01 * 2)
    assert review_cost(a, 10_000, CaseProfile(critical=True)) == pytest.approx(10_000 * 0.05 * 2)
    assert review_cost(a, 10**9, CaseProfile(critical=True)) == pytest.approx(5000 * 2)
    result = estimate(2_000_000, profile=CaseProfile(critical=True))
    assert len({round(c.monthly_review_usd, 6) for c in result.approaches.values()}) == 1


def test_changing_task_raises_fine_tuning_monthly_cost_but_not_the_hybrids() -> None:
    stable = estimate(1_000_000, changes_often=False)
    changing = estimate(1_000_000, changes_often=True)
    assert changing.approaches["fine_tuning"].monthly_usd > stable.approaches["fine_tuning"].monthly_usd
    assert changing.approaches["hybrid"] == stable.approaches["hybrid"]
    assert changing.approaches["prompt_engineering"] == stable.approaches["prompt_engineering"]
    assert changing.crossover_monthly_requests is not None and stable.crossover_monthly_requests is not None
    assert changing.crossover_monthly_requests > stable.crossover_monthly_requests


@pytest.mark.parametrize(
    ("overrides", "approach", "labeled", "changes_often", "expected"),
    [
        # (($60,000 - $10,000) + 10 * ($3,000 - $500)) / (10 * ($0.0125 - $0.0025)) = 75,000 / 0.1
        ({}, "fine_tuning", 0, None, 750_000),
        # no labeling counted: (40,000 + 25,000) / 0.1
        ({}, "fine_tuning", None, None, 650_000),
        # 6,000 examples to label: (46,000 + 25,000) / 0.1
        ({}, "fine_tuning", 4000, None, 710_000),
        # 12 months: (50,000 + 12 * 2,500) / (12 * 0.01) = 666,666.7, rounded up
        ({"horizon_months": 12}, "fine_tuning", 0, None, 666_667),
        # retrained every 2 months: (50,000 + 10 * (5,000 - 500)) / 0.1
        ({}, "fine_tuning", 0, True, 950_000),
        # hybrid: (($65,000 - $10,000) + 10 * ($3,500 - $500)) / (10 * ($0.0125 - $0.0035)) = 85,000 / 0.09
        ({}, "hybrid", 0, None, 944_445),
        # fine-tuning costs less than prompting even with no traffic
        (
            {"ft_engineering_usd": 0, "ft_hosting_monthly_usd": 0, "ft_mlops_monthly_usd": 0},
            "fine_tuning",
            None,
            False,
            0,
        ),
    ],
)
def test_crossover_hand_computed(
    overrides: dict[str, float], approach: str, labeled: int | None, changes_often: bool | None, expected: int
) -> None:
    a = round_assumptions(**overrides)
    assert crossover_monthly_requests(a, approach, labeled_examples=labeled, changes_often=changes_often) == expected


def test_estimate_hand_computed() -> None:
    # 10 months at 1M requests a month, nothing labeled yet:
    #   prompting   $10,000 + 10 * ($500 + 1M * $0.0125)   = $140,000
    #   fine-tuning $60,000 + 10 * ($3,000 + 1M * $0.0025) = $115,000
    #   hybrid      $65,000 + 10 * ($3,500 + 1M * $0.0035) = $135,000
    result = estimate(1_000_000, labeled_examples=0, assumptions=round_assumptions())
    totals = {name: cost.total_usd for name, cost in result.approaches.items()}
    assert totals == pytest.approx({"prompt_engineering": 140_000, "fine_tuning": 115_000, "hybrid": 135_000})
    prompting = result.approaches["prompt_engineering"]
    assert prompting.monthly_usd == pytest.approx(13_000)
    assert prompting.monthly_fixed_usd == pytest.approx(500)
    assert prompting.monthly_usage_usd == pytest.approx(12_500)
    assert result.cheapest == "fine_tuning"
    assert result.crossover_monthly_requests == 750_000
    assert result.hybrid_crossover_monthly_requests == 944_445
    assert result.monthly_requests == 1_000_000 and not result.volume_assumed
    assert result.assumptions == pytest.approx(ROUND)
    assert cost_sentence(result) == (
        "At 1M requests/month, fine-tuning costs $115K over 10 months vs $140K for prompting; "
        "fine-tuning is cheaper above ~750K requests/month; at 1M you are above it."
    )
    # Half the volume: prompting $77,500, fine-tuning $102,500, hybrid $112,500.
    half = estimate(500_000, labeled_examples=0, assumptions=round_assumptions())
    assert half.cheapest == "prompt_engineering"
    assert cost_sentence(half) == (
        "At 500K requests/month, prompting costs $77.5K over 10 months vs $102K for fine-tuning; "
        "fine-tuning only pays off above ~750K requests/month; at 500K you are near it."
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"ft_price_premium": 10},  # ($1,000 + $250)/M * 10 = $0.0125: the same as prompting
        {"ft_price_premium": 20},
        {"few_shot_tokens": 0, "prompt_price_in_per_m": 1, "prompt_price_out_per_m": 1},
    ],
)
def test_never_cheaper_per_request_has_no_crossover(overrides: dict[str, float]) -> None:
    a = round_assumptions(**overrides)
    assert per_request_cost(a, "fine_tuning") >= per_request_cost(a, "prompt_engineering")
    result = estimate(10**9, assumptions=a)
    assert result.crossover_monthly_requests is None
    assert result.hybrid_crossover_monthly_requests is None
    assert result.cheapest == "prompt_engineering"
    assert any("never" in note for note in result.notes)
    assert "never becomes cheaper" in cost_sentence(result)


def test_default_crossover_is_hand_computed() -> None:
    # one-time: fine-tuning $8,000 + 4 runs * $120 + $60,000 = $68,480; prompting $8,000 + $20,000 = $28,000
    # monthly:  fine-tuning $600 + $2,000 + $5,120 / 6 = $3,453.33; prompting $600 + $1,000 = $1,600
    # (40,480 + 36 * 1,853.33) / (36 * (0.0046 - 0.00136)) = 107,200 / 0.11664 = 919,067.2
    assert estimate(None).crossover_monthly_requests == 919_068


@pytest.mark.parametrize("labeled", [None, 0, 5000, 100_000])
@pytest.mark.parametrize("changes_often", [None, False, True])
def test_defaults_put_the_crossover_near_millions_of_requests(labeled: int | None, changes_often: bool | None) -> None:
    # The knowledge base: fine-tuning becomes cheaper only around a million requests a month and up.
    result = estimate(None, labeled_examples=labeled, changes_often=changes_often)
    crossover = result.crossover_monthly_requests
    assert crossover is not None and 500_000 <= crossover <= 10_000_000
    assert result.hybrid_crossover_monthly_requests is not None
    assert 500_000 <= result.hybrid_crossover_monthly_requests <= 10_000_000


def test_unknown_volume_uses_the_assumed_volume_and_says_so() -> None:
    result = estimate(None, assumed_volume=250_000)
    assert result.volume_assumed and result.monthly_requests == 250_000
    assert result.approaches["prompt_engineering"].monthly_usage_usd == pytest.approx(250_000 * 0.0046)
    assert any("250K" in note for note in result.notes)
    assert any("labeling" in note.lower() for note in result.notes)
    assert not estimate(0).volume_assumed


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: estimate(-1), "-1"),
        (lambda: estimate(None, assumed_volume=-5), "-5"),
        (lambda: estimate(1000, labeled_examples=-3), "labeled_examples"),
        (lambda: per_request_cost(default_assumptions(), "distillation"), "distillation"),
        (lambda: monthly_fixed_cost(default_assumptions(), "rag"), "rag"),
    ],
)
def test_bad_inputs_raise_input_error(call: Any, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        call()


def test_overrides_from_kwargs() -> None:
    a = default_assumptions().with_overrides(few_shot_tokens=3000, horizon_months=24)
    assert a.few_shot_tokens == 3000 and a.horizon_months == 24
    assert a.output_tokens == default_assumptions().output_tokens
    assert default_assumptions().few_shot_tokens == 1500
    assert load_assumptions(None, {"ft_price_premium": "1.5"}).ft_price_premium == 1.5


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_overrides_from_a_config_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tco{suffix}"
    values = {"ft_engineering_usd": 100_000, "cache_hit_rate": 0}
    path.write_text(json.dumps(values) if suffix == ".json" else yaml.safe_dump(values))
    a = load_assumptions(path, {})
    assert a.ft_engineering_usd == 100_000 and a.cache_hit_rate == 0
    assert a.few_shot_tokens == default_assumptions().few_shot_tokens
    # flags win over the file
    assert load_assumptions(path, {"cache_hit_rate": 0.25}).cache_hit_rate == 0.25


def test_config_file_in_the_defaults_layout(tmp_path: Path) -> None:
    path = tmp_path / "tco.yaml"
    path.write_text("retrain_engineering_usd:\n  value: 1234\n  source: our vendor quote\nhorizon_months: 12\n")
    a = load_assumptions(path, {})
    assert a.retrain_engineering_usd == 1234 and a.horizon_months == 12


def test_empty_config_file_keeps_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "tco.yaml"
    path.write_text("")
    assert load_assumptions(path, {}) == default_assumptions()


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"few_shot_token": 10}, "few_shot_token"),
        ({"gpu_hours": 10}, "gpu_hours"),
        ({"output_tokens": -1}, "output_tokens"),
        ({"ft_engineering_usd": -10_000}, "ft_engineering_usd"),
        ({"cache_hit_rate": 1.5}, "cache_hit_rate"),
        ({"horizon_months": 0}, "horizon_months"),
        ({"retrain_every_months": 0.001}, "retrain_every_months"),
        ({"retrain_engineering_usd": "lots"}, "retrain_engineering_usd"),
        ({"batch_discount": 2}, "batch_discount"),
        ({"ft_price_premium": True}, "ft_price_premium"),
        ({"prompt_price_in_per_m": float("inf")}, "prompt_price_in_per_m"),
    ],
)
def test_bad_overrides_raise_input_error(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        default_assumptions().with_overrides(**overrides)
    with pytest.raises(InputError, match=fragment):
        load_assumptions(None, overrides)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("gpu_hours: 10\n", "gpu_hours"),
        ("few_shot_tokens: -100\n", "few_shot_tokens"),
        ("- 1\n- 2\n", "must map"),
        ("few_shot_tokens: [1\n", "not valid"),
        ("1500: few_shot_tokens\n", "1500"),
    ],
)
def test_bad_config_file_raises_input_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "tco.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=fragment):
        load_assumptions(path, {})


def test_missing_config_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot read"):
        load_assumptions(tmp_path / "absent.yaml", {})


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1_234_567, "$1.2M"),
        (350_000, "$350K"),
        (25_000, "$25K"),
        (12_500, "$12.5K"),
        (999_999, "$1M"),
        (4200, "$4,200"),
        (12.5, "$12.50"),
        (0.0061, "$0.0061"),
        (0.00051, "$0.00051"),
        (0, "$0"),
        (-4200, "-$4,200"),
    ],
)
def test_format_usd(amount: float, expected: str) -> None:
    assert format_usd(amount) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1_900_000, "1.9M"),
        (1_381_933, "1.4M"),
        (919_068, "919K"),
        (350_000, "350K"),
        (4200, "4,200"),
        (0, "0"),
        (2_500_000_000, "2.5B"),
    ],
)
def test_format_volume(n: float, expected: str) -> None:
    assert format_volume(n) == expected


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    volume=st.integers(min_value=0, max_value=10**11),
    labeled=st.none() | st.integers(min_value=0, max_value=10**6),
    changes_often=st.none() | st.booleans(),
)
def test_default_totals_are_sane_and_fine_tuning_wins_above_the_crossover(
    volume: int, labeled: int | None, changes_often: bool | None
) -> None:
    result = estimate(volume, labeled_examples=labeled, changes_often=changes_often)
    for cost in result.approaches.values():
        for value in (cost.one_time_usd, cost.monthly_usd, cost.total_usd, cost.per_request_usd):
            assert math.isfinite(value) and value >= 0
    crossover = result.crossover_monthly_requests
    assert crossover is not None
    fine_tuning = result.approaches["fine_tuning"].total_usd
    prompting = result.approaches["prompt_engineering"].total_usd
    # The hybrid retrains only its stable core, so with a changing task it can undercut both.
    if volume > crossover:
        assert fine_tuning < prompting
        assert result.cheapest in ("fine_tuning", "hybrid")
    elif volume < crossover - 1:
        assert prompting < fine_tuning
        assert result.cheapest in ("prompt_engineering", "hybrid")
    assert ("fine-tuning costs" in cost_sentence(result)) == (fine_tuning < prompting)


_amounts = st.floats(min_value=0, max_value=1e6)
_share = st.floats(min_value=0, max_value=1)
_SPECIAL = {
    "selfhost_gpu_tokens_per_second": st.floats(min_value=1, max_value=1e5),
    "selfhost_utilisation": st.floats(min_value=0.01, max_value=1),
    "distillation_review_share": _share,
    "cascade_fallback_share": _share,
    "cache_hit_rate": _share,
    "cached_input_discount": _share,
    "batch_discount": _share,
    "prompt_validation_share": _share,
    "human_review_share": _share,
    "human_review_share_critical": _share,
    "revalidation_share": _share,
    "hybrid_retrain_every_months": st.just(0.0) | st.floats(min_value=MIN_RETRAIN_EVERY_MONTHS, max_value=120),
    "retrain_every_months": st.just(0.0) | st.floats(min_value=MIN_RETRAIN_EVERY_MONTHS, max_value=120),
    "retrain_every_months_when_changing": st.just(0.0) | st.floats(min_value=MIN_RETRAIN_EVERY_MONTHS, max_value=120),
    "horizon_months": st.floats(min_value=1, max_value=120),
}


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    values=st.fixed_dictionaries({name: _SPECIAL.get(name, _amounts) for name in ROUND}),
    volume=st.integers(min_value=0, max_value=10**11),
    approach=st.sampled_from(["fine_tuning", "hybrid"]),
    profile=st.builds(
        CaseProfile,
        input_tokens=st.none() | st.floats(0, 1e5),
        output_tokens=st.none() | st.floats(0, 1e4),
        label_tier=st.sampled_from(["general", "skilled", "expert"]),
        knowledge_gap=st.booleans(),
        regulated=st.booleans(),
        critical=st.booleans(),
        latency_p95_ms=st.none() | st.integers(1, 10**8),
    ),
)
def test_any_assumptions_give_sane_totals_and_a_consistent_crossover(
    values: dict[str, float], volume: int, approach: str, profile: CaseProfile
) -> None:
    a = TcoAssumptions(**values)
    result = estimate(volume, labeled_examples=0, assumptions=a, profile=profile)
    assert set(result.approaches) == set(APPROACHES)
    for cost in result.approaches.values():
        assert math.isfinite(cost.total_usd) and cost.total_usd >= 0
    crossover = crossover_monthly_requests(a, approach, labeled_examples=0, profile=profile)
    if crossover is None:
        saving = per_request_cost(a, "prompt_engineering", profile) - per_request_cost(a, approach, profile)
        assert saving <= MIN_SAVING_USD
        return
    for above in (crossover, crossover + 1 + volume):
        at_volume = estimate(above, labeled_examples=0, assumptions=a, profile=profile).approaches
        assert at_volume[approach].total_usd <= at_volume["prompt_engineering"].total_usd * (1 + 1e-9) + 1e-6


def test_an_estimate_stored_under_the_old_model_still_renders() -> None:
    stored = recommend(Intake(values=IntakeValues(labeled_examples=500))).model_dump(mode="json")
    old = dict(stored["tco"]["assumptions"])
    for name in ("ft_training_price_per_m", "retrieval_build_usd", "batch_discount"):
        old.pop(name)
    old |= {"training_compute_usd": 25_000, "labeling_cost_per_example": 0.5, "retrain_cost_usd": 8000}
    stored["tco"]["assumptions"] = old
    for name in ("because", "trade_off", "what_if"):
        stored.pop(name)
    rec = Recommendation.model_validate(stored)
    assert "$5/M training tokens" in tco_sources(rec)
    assert "PROMPT ENGINEERING" in text_card(rec)


@pytest.mark.parametrize(
    "overrides",
    [{"base_input_tokens": 1e308, "output_tokens": 1e308}, {"prompt_price_out_per_m": 1e300, "output_tokens": 1e300}],
)
def test_assumptions_that_make_costs_too_large_to_compute_are_refused(overrides: dict[str, float]) -> None:
    absurd = default_assumptions().with_overrides(**overrides)
    with pytest.raises(InputError, match="too large to compute"):
        estimate(2_000_000, assumptions=absurd)


def test_a_large_but_real_estimate_is_still_computed() -> None:
    est = estimate(50_000_000, assumptions=default_assumptions().with_overrides(output_tokens=4000))
    assert all(math.isfinite(c.total_usd) for c in est.approaches.values())
