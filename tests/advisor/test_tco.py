"""The TCO model's arithmetic against hand-computed cases, its defaults against the brief, its overrides."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor.tco import (
    APPROACHES,
    MIN_RETRAIN_EVERY_MONTHS,
    TcoAssumptions,
    assumption_sources,
    crossover_monthly_requests,
    default_assumptions,
    estimate,
    format_usd,
    format_volume,
    load_assumptions,
    monthly_fixed_cost,
    one_time_cost,
    per_request_cost,
)
from bot.errors import InputError

# Round numbers, so that every figure below can be checked by hand.
#   prompting per request: (1000 + 2000 * (1 - 0.5 * 0.5)) * $4/M + 250 * $10/M = $0.0100 + $0.0025 = $0.0125
#   fine-tuning:           (1000 * $1/M + 250 * $1/M) * 2                        = $0.0025
#   hybrid:                ((1000 + 500) * $1/M + 250 * $1/M) * 2                = $0.0035
#   one-time:      prompting $10,000
#                  fine-tuning 10,000 examples * $1 (none labeled yet) + $20,000 + $30,000 = $60,000
#                  hybrid $60,000 + $5,000 = $65,000
#   monthly fixed: prompting $500
#                  fine-tuning $1,000 + $1,000 + $6,000 / 6 = $3,000 (retrained every 2 months: $5,000)
ROUND: dict[str, float] = {
    "prompt_price_in_per_m": 4,
    "prompt_price_out_per_m": 10,
    "base_input_tokens": 1000,
    "few_shot_tokens": 2000,
    "output_tokens": 250,
    "cache_hit_rate": 0.5,
    "cached_input_discount": 0.5,
    "ft_base_price_in_per_m": 1,
    "ft_base_price_out_per_m": 1,
    "ft_price_premium": 2,
    "ft_input_tokens": 1000,
    "prompt_engineering_usd": 10_000,
    "labeling_cost_per_example": 1,
    "min_training_examples": 10_000,
    "training_compute_usd": 20_000,
    "ft_engineering_usd": 30_000,
    "prompt_maintenance_monthly_usd": 500,
    "ft_hosting_monthly_usd": 1000,
    "ft_mlops_monthly_usd": 1000,
    "retrain_every_months": 6,
    "retrain_every_months_when_changing": 2,
    "retrain_cost_usd": 6000,
    "hybrid_context_tokens": 500,
    "hybrid_prompt_engineering_usd": 5000,
    "horizon_months": 10,
}


def round_assumptions(**overrides: float) -> TcoAssumptions:
    return TcoAssumptions(**{**ROUND, **overrides})


DESIGN_DEFAULTS: dict[str, float] = {
    "prompt_price_in_per_m": 2.50,
    "prompt_price_out_per_m": 10.00,
    "base_input_tokens": 500,
    "few_shot_tokens": 1500,
    "output_tokens": 300,
    "cache_hit_rate": 0.8,
    "cached_input_discount": 0.5,
    "ft_base_price_in_per_m": 0.15,
    "ft_base_price_out_per_m": 0.60,
    "ft_price_premium": 2.0,
    "ft_input_tokens": 500,
    "prompt_engineering_usd": 15_000,
    "labeling_cost_per_example": 0.50,
    "min_training_examples": 10_000,
    "training_compute_usd": 25_000,
    "ft_engineering_usd": 60_000,
    "prompt_maintenance_monthly_usd": 1000,
    "ft_hosting_monthly_usd": 2000,
    "ft_mlops_monthly_usd": 4000,
    "retrain_every_months": 6,
    "retrain_every_months_when_changing": 1,
    "retrain_cost_usd": 8000,
    "hybrid_context_tokens": 400,
    "hybrid_prompt_engineering_usd": 5000,
    "horizon_months": 36,
}


def test_defaults_are_the_documented_values() -> None:
    assert default_assumptions().model_dump() == pytest.approx(DESIGN_DEFAULTS)


def test_every_default_names_a_source() -> None:
    sources = assumption_sources()
    assert set(sources) == set(TcoAssumptions.model_fields)
    assert all(source.strip() for source in sources.values())
    assert "OpenAI" in sources["prompt_price_in_per_m"]
    assert "OpenAI" in sources["ft_price_premium"]
    assert "caching" in sources["cached_input_discount"]
    assert sources["training_compute_usd"] == "project brief"


@pytest.mark.parametrize(
    ("assumptions", "approach", "expected"),
    [
        # (500 + 1500 * (1 - 0.8 * 0.5)) * $2.50/M + 300 * $10/M = 1400 * 2.5e-6 + 0.003
        (default_assumptions(), "prompt_engineering", 0.0065),
        # (500 * $0.15/M + 300 * $0.60/M) * 2 = (75 + 180) * 2 / 1e6
        (default_assumptions(), "fine_tuning", 0.00051),
        # ((500 + 400) * $0.15/M + 300 * $0.60/M) * 2 = (135 + 180) * 2 / 1e6
        (default_assumptions(), "hybrid", 0.00063),
        # without the cache: (500 + 1500) * $2.50/M + 300 * $10/M
        (default_assumptions().with_overrides(cache_hit_rate=0), "prompt_engineering", 0.008),
        # every few-shot token cached and free: 500 * $2.50/M + 300 * $10/M
        (
            default_assumptions().with_overrides(cache_hit_rate=1, cached_input_discount=1),
            "prompt_engineering",
            0.00425,
        ),
        # fine-tuned at base price: (500 * $0.15/M + 300 * $0.60/M) * 1
        (default_assumptions().with_overrides(ft_price_premium=1), "fine_tuning", 0.000255),
        (round_assumptions(), "prompt_engineering", 0.0125),
        (round_assumptions(), "fine_tuning", 0.0025),
        (round_assumptions(), "hybrid", 0.0035),
    ],
)
def test_per_request_cost(assumptions: TcoAssumptions, approach: str, expected: float) -> None:
    assert per_request_cost(assumptions, approach) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("approach", "labeled", "expected"),
    [
        ("prompt_engineering", None, {"prompt_engineering": 15_000}),
        ("prompt_engineering", 0, {"prompt_engineering": 15_000}),
        # unknown labeled data: no labeling counted (the estimate says so in a note)
        ("fine_tuning", None, {"data_labeling": 0, "training_compute": 25_000, "ml_engineering": 60_000}),
        # 10,000 examples * $0.50
        ("fine_tuning", 0, {"data_labeling": 5000, "training_compute": 25_000, "ml_engineering": 60_000}),
        # (10,000 - 4,000) * $0.50
        ("fine_tuning", 4000, {"data_labeling": 3000, "training_compute": 25_000, "ml_engineering": 60_000}),
        ("fine_tuning", 20_000, {"data_labeling": 0, "training_compute": 25_000, "ml_engineering": 60_000}),
        (
            "hybrid",
            0,
            {
                "data_labeling": 5000,
                "training_compute": 25_000,
                "ml_engineering": 60_000,
                "prompt_engineering": 5000,
            },
        ),
    ],
)
def test_one_time_items(approach: str, labeled: int | None, expected: dict[str, float]) -> None:
    assert one_time_cost(default_assumptions(), approach, labeled) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("assumptions", "approach", "changes_often", "expected"),
    [
        (default_assumptions(), "prompt_engineering", None, 1000),
        (default_assumptions(), "prompt_engineering", True, 1000),
        # $2,000 hosting + $4,000 MLOps + $8,000 / 6 months
        (default_assumptions(), "fine_tuning", None, 2000 + 4000 + 8000 / 6),
        (default_assumptions(), "fine_tuning", False, 2000 + 4000 + 8000 / 6),
        # retrained every month
        (default_assumptions(), "fine_tuning", True, 2000 + 4000 + 8000),
        (default_assumptions(), "hybrid", True, 2000 + 4000 + 8000),
        (round_assumptions(), "fine_tuning", None, 3000),
        (round_assumptions(), "fine_tuning", True, 5000),
        # 0 months: never retrained
        (round_assumptions(retrain_every_months=0), "fine_tuning", False, 2000),
    ],
)
def test_monthly_fixed_cost(
    assumptions: TcoAssumptions, approach: str, changes_often: bool | None, expected: float
) -> None:
    assert monthly_fixed_cost(assumptions, approach, changes_often) == pytest.approx(expected)


def test_changing_task_raises_fine_tuning_monthly_cost() -> None:
    stable = estimate(1_000_000, changes_often=False)
    changing = estimate(1_000_000, changes_often=True)
    for approach in ("fine_tuning", "hybrid"):
        assert changing.approaches[approach].monthly_usd > stable.approaches[approach].monthly_usd
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
        # hybrid: (($65,000 - $10,000) + 25,000) / (10 * ($0.0125 - $0.0035)) = 80,000 / 0.09 = 888,888.9
        ({}, "hybrid", 0, None, 888_889),
        # fine-tuning costs less than prompting even with no traffic
        (
            {
                "training_compute_usd": 0,
                "ft_engineering_usd": 0,
                "ft_hosting_monthly_usd": 0,
                "ft_mlops_monthly_usd": 0,
            },
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
    assert (
        crossover_monthly_requests(a, approach, labeled_examples=labeled, changes_often=changes_often)
        == expected
    )


def test_estimate_hand_computed() -> None:
    # 10 months at 1M requests a month, nothing labeled yet:
    #   prompting   $10,000 + 10 * ($500 + 1M * $0.0125)   = $140,000
    #   fine-tuning $60,000 + 10 * ($3,000 + 1M * $0.0025) = $115,000
    #   hybrid      $65,000 + 10 * ($3,000 + 1M * $0.0035) = $130,000
    result = estimate(1_000_000, labeled_examples=0, assumptions=round_assumptions())
    totals = {name: cost.total_usd for name, cost in result.approaches.items()}
    assert totals == pytest.approx({"prompt_engineering": 140_000, "fine_tuning": 115_000, "hybrid": 130_000})
    prompting = result.approaches["prompt_engineering"]
    assert prompting.monthly_usd == pytest.approx(13_000)
    assert prompting.monthly_fixed_usd == pytest.approx(500)
    assert prompting.monthly_usage_usd == pytest.approx(12_500)
    assert result.cheapest == "fine_tuning"
    assert result.crossover_monthly_requests == 750_000
    assert result.hybrid_crossover_monthly_requests == 888_889
    assert result.monthly_requests == 1_000_000 and not result.volume_assumed
    assert result.assumptions == pytest.approx(ROUND)

    # Half the volume: prompting $77,500, fine-tuning $102,500, hybrid $112,500.
    assert (
        estimate(500_000, labeled_examples=0, assumptions=round_assumptions()).cheapest
        == "prompt_engineering"
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


def test_default_crossover_is_hand_computed() -> None:
    # ((85,000 - 15,000) + 36 * (7,333.33 - 1,000)) / (36 * (0.0065 - 0.00051)) = 298,000 / 0.21564
    assert estimate(None).crossover_monthly_requests == 1_381_933


@pytest.mark.parametrize("labeled", [None, 0, 5000, 100_000])
@pytest.mark.parametrize("changes_often", [None, False, True])
def test_defaults_reproduce_the_brief(labeled: int | None, changes_often: bool | None) -> None:
    result = estimate(None, labeled_examples=labeled, changes_often=changes_often)
    crossover = result.crossover_monthly_requests
    assert crossover is not None and 1_000_000 <= crossover <= 5_000_000
    assert result.hybrid_crossover_monthly_requests is not None
    assert 1_000_000 <= result.hybrid_crossover_monthly_requests <= 5_000_000
    assert 10_000 <= default_assumptions().training_compute_usd <= 100_000


def test_unknown_volume_uses_the_assumed_volume_and_says_so() -> None:
    result = estimate(None, assumed_volume=250_000)
    assert result.volume_assumed and result.monthly_requests == 250_000
    assert result.approaches["prompt_engineering"].monthly_usage_usd == pytest.approx(250_000 * 0.0065)
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
    values = {"training_compute_usd": 100_000, "cache_hit_rate": 0}
    path.write_text(json.dumps(values) if suffix == ".json" else yaml.safe_dump(values))
    a = load_assumptions(path, {})
    assert a.training_compute_usd == 100_000 and a.cache_hit_rate == 0
    assert a.few_shot_tokens == default_assumptions().few_shot_tokens
    # flags win over the file
    assert load_assumptions(path, {"cache_hit_rate": 0.25}).cache_hit_rate == 0.25


def test_config_file_in_the_defaults_layout(tmp_path: Path) -> None:
    path = tmp_path / "tco.yaml"
    path.write_text("retrain_cost_usd:\n  value: 1234\n  source: our vendor quote\nhorizon_months: 12\n")
    a = load_assumptions(path, {})
    assert a.retrain_cost_usd == 1234 and a.horizon_months == 12


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
        ({"training_compute_usd": -10_000}, "training_compute_usd"),
        ({"cache_hit_rate": 1.5}, "cache_hit_rate"),
        ({"horizon_months": 0}, "horizon_months"),
        ({"retrain_every_months": 0.001}, "retrain_every_months"),
        ({"retrain_cost_usd": "lots"}, "retrain_cost_usd"),
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
        (350_000, "350K"),
        (4200, "4,200"),
        (0, "0"),
        (2_500_000_000, "2.5B"),
    ],
)
def test_format_volume(n: float, expected: str) -> None:
    assert format_volume(n) == expected


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
    if volume > crossover:
        assert fine_tuning < prompting
        assert result.cheapest == "fine_tuning"
    elif volume < crossover - 1:
        assert prompting < fine_tuning
        assert result.cheapest == "prompt_engineering"


_amounts = st.floats(min_value=0, max_value=1e6)
_SPECIAL = {
    "cache_hit_rate": st.floats(min_value=0, max_value=1),
    "cached_input_discount": st.floats(min_value=0, max_value=1),
    "retrain_every_months": st.just(0.0) | st.floats(min_value=MIN_RETRAIN_EVERY_MONTHS, max_value=120),
    "retrain_every_months_when_changing": st.just(0.0)
    | st.floats(min_value=MIN_RETRAIN_EVERY_MONTHS, max_value=120),
    "horizon_months": st.floats(min_value=1, max_value=120),
}


@settings(max_examples=200, deadline=None)
@given(
    values=st.fixed_dictionaries({name: _SPECIAL.get(name, _amounts) for name in ROUND}),
    volume=st.integers(min_value=0, max_value=10**11),
    approach=st.sampled_from(["fine_tuning", "hybrid"]),
)
def test_any_assumptions_give_sane_totals_and_a_consistent_crossover(
    values: dict[str, float], volume: int, approach: str
) -> None:
    a = TcoAssumptions(**values)
    result = estimate(volume, labeled_examples=0, assumptions=a)
    assert set(result.approaches) == set(APPROACHES)
    for cost in result.approaches.values():
        assert math.isfinite(cost.total_usd) and cost.total_usd >= 0
    crossover = crossover_monthly_requests(a, approach, labeled_examples=0)
    if crossover is None:
        assert per_request_cost(a, approach) >= per_request_cost(a, "prompt_engineering")
        return
    for above in (crossover, crossover + 1 + volume):
        at_volume = estimate(above, labeled_examples=0, assumptions=a).approaches
        assert at_volume[approach].total_usd <= at_volume["prompt_engineering"].total_usd * (1 + 1e-9) + 1e-6
