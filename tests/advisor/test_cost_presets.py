"""Price presets, the two comparisons, the card's one crossover, and the self-hosted and distillation cost shapes."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor import prices, tco
from bot.advisor.engine import recommend
from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.report import tco_comparison, tco_headline, text_card
from bot.cli import main
from bot.errors import InputError
from bot.slack.blocks import card_blocks, to_dicts
from tests.advisor.test_tco import round_assumptions

# --- Presets ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "tune", "expected"),
    [
        ("gpt-4.1", None, {"prompt_price_in_per_m": 2.0, "prompt_price_out_per_m": 8.0}),
        ("gpt-4o", None, {"prompt_price_in_per_m": 2.5, "prompt_price_out_per_m": 10.0}),
        (
            None,
            "gpt-4.1-mini",
            {
                "ft_base_price_in_per_m": 0.4,
                "ft_base_price_out_per_m": 1.6,
                "ft_price_premium": 2.0,
                "ft_training_price_per_m": 5.0,
            },
        ),
        # GPT-4.1 tunes at $25/M and serves tuned at $3/$12: 1.5 times its $2/$8 base.
        (
            None,
            "gpt-4.1",
            {
                "ft_base_price_in_per_m": 2.0,
                "ft_base_price_out_per_m": 8.0,
                "ft_price_premium": 1.5,
                "ft_training_price_per_m": 25.0,
            },
        ),
    ],
)
def test_a_preset_sets_its_dated_prices(prompt: str | None, tune: str | None, expected: dict[str, float]) -> None:
    assert prices.preset_values(prompt, tune) == pytest.approx(expected)


def test_the_self_host_preset_sets_gpu_price_throughput_and_redundancy() -> None:
    values = prices.preset_values(self_host="llama-3.3-70b")
    model = prices.self_host_model("llama-3.3-70b")
    assert values["selfhost_gpu_hourly_usd"] == model.gpu_hourly_usd
    assert values["selfhost_gpu_tokens_per_second"] == pytest.approx(
        model.output_tokens_per_second / model.gpus_per_replica
    )
    assert values["selfhost_min_gpus"] == 2 * model.gpus_per_replica


def test_the_default_assumptions_are_the_default_presets() -> None:
    book = prices.price_book()
    a = tco.default_assumptions()
    presets = prices.preset_values(book.default_prompt_model, book.default_tune_model, book.default_self_host_model)
    assert a.with_overrides(**presets) == a
    basis = prices.price_basis(a)
    assert (basis.prompt_model, basis.tune_model, basis.self_host_model) == (
        book.default_prompt_model,
        book.default_tune_model,
        book.default_self_host_model,
    )


def test_every_preset_is_dated_and_sourced() -> None:
    book = prices.price_book()
    for m in book.api.values():
        assert re.fullmatch(r"\d{4}(-\d{2})?", m.as_of) and m.source and m.url.startswith("https://"), m.name
        if m.fine_tuning is not None:
            assert m.fine_tuning.price_as_of and m.fine_tuning.as_of and m.fine_tuning.offered_note
    for o in book.open_weight.values():
        assert o.as_of and o.source and o.url.startswith("https://") and o.output_tokens_per_second > 0


def test_openai_hosted_tuning_is_recorded_as_winding_down_with_its_dates() -> None:
    tunable = [m for m in prices.price_book().api.values() if m.fine_tuning is not None]
    assert tunable
    for m in tunable:
        assert m.fine_tuning is not None and m.fine_tuning.offered is False
        assert "2026-05-07" in m.fine_tuning.offered_note and "2027-01-06" in m.fine_tuning.offered_note
    assert "closed to new organisations since 2026-05-07" in tco.sources_summary()


@pytest.mark.parametrize(
    ("prompt", "tune"), [(p, t) for p in ("gpt-4.1", "gpt-4o", "gpt-5-mini") for t in ("gpt-4.1-nano", "gpt-4o-mini")]
)
def test_price_basis_names_the_presets_back(prompt: str, tune: str) -> None:
    a = tco.default_assumptions().with_overrides(**prices.preset_values(prompt, tune))
    basis = prices.price_basis(a)
    assert (basis.prompt_model, basis.tune_model) == (prompt, tune)
    assert basis.prompt_as_of == prices.prompt_model(prompt).as_of


def test_a_price_set_by_hand_is_called_custom() -> None:
    a = tco.default_assumptions().with_overrides(prompt_price_in_per_m=1.23)
    basis = prices.price_basis(a)
    assert (basis.prompt_model, basis.prompt_as_of) == (prices.CUSTOM, "")
    assert basis.tune_model == prices.price_book().default_tune_model
    assert "prompting a custom model (prices set by you) at $1.23/$8" in tco.sources_summary(a)


@pytest.mark.parametrize(
    ("lookup", "name", "listed", "not_listed"),
    [
        (prices.prompt_model, "gpt-17", "gpt-4.1-mini", None),
        (prices.tune_model, "gpt-5", "gpt-4.1-mini", "gpt-5-mini"),  # GPT-5 has no hosted tuning preset
        (prices.self_host_model, "gpt-4.1", "llama-3.1-8b", "gpt-4o"),
    ],
)
def test_an_unknown_model_name_lists_the_valid_ones(
    lookup: Any, name: str, listed: str, not_listed: str | None
) -> None:
    with pytest.raises(InputError) as err:
        lookup(name)
    message = str(err.value)
    assert repr(name) in message and listed in message and "--list-models" in message
    if not_listed:
        assert not_listed not in message


# --- The two comparisons -------------------------------------------------------------------------------------------


def test_the_default_card_shows_both_comparisons_and_says_which_is_the_headline() -> None:
    est = tco.estimate(3_000_000)
    assert est.same_model is not None and est.same_model.model == "gpt-4.1-mini"
    # Prompting the small model itself costs less per request than its tuned version (tuned tokens cost double).
    assert est.same_model.prompt_per_request_usd < est.same_model.tuned_per_request_usd
    line = tco.models_line(est)
    assert line.startswith("Headline: prompting gpt-4.1 vs a tuned gpt-4.1-mini, because")
    assert "fine-tuning the same model never saves money per request" in line
    assert tco.format_usd(est.same_model.prompt_total_usd) in line


def test_the_headline_gives_the_large_vs_small_reason_only_when_the_prompted_model_is_larger() -> None:
    a = tco.default_assumptions().with_overrides(**prices.preset_values("gpt-4o-mini", "gpt-4.1-mini"))
    line = tco.models_line(tco.estimate(3_000_000, assumptions=a))
    assert line.startswith("Headline: prompting gpt-4o-mini vs a tuned gpt-4.1-mini, the models chosen")
    assert "match a large one" not in line


@pytest.mark.parametrize(
    ("overrides", "profile", "why"),
    [
        (prices.preset_values("gpt-4o-mini", "gpt-4o-mini"), tco.CaseProfile(), "both use the same model"),
        ({}, tco.CaseProfile(latency_p95_ms=200), "tight latency target"),
    ],
)
def test_one_comparison_when_both_are_the_same(overrides: dict[str, float], profile: tco.CaseProfile, why: str) -> None:
    a = tco.default_assumptions().with_overrides(**overrides)
    est = tco.estimate(3_000_000, assumptions=a, profile=profile)
    assert est.same_model is None
    assert why in tco.models_line(est) and "Headline" not in tco.models_line(est)


def test_prompting_and_tuning_the_same_small_model_never_crosses() -> None:
    a = tco.default_assumptions().with_overrides(**prices.preset_values("gpt-4o-mini", "gpt-4o-mini"))
    est = tco.estimate(3_000_000, assumptions=a)
    assert est.crossover_monthly_requests is None
    assert tco.crossover_statement(est).startswith("Crossover: none, fine-tuning never becomes cheaper")


def test_the_headline_names_the_models_and_price_dates() -> None:
    rec = recommend(Intake(values=IntakeValues(monthly_requests=3_000_000, labeled_examples=50_000)))
    head = tco_headline(rec)
    assert "prompting gpt-4.1 (2026-03 prices) vs fine-tuned gpt-4.1-mini (2026-04 prices)" in head
    assert head.count("Crossover:") == 1
    assert "Headline:" in tco_comparison(rec)


# --- One crossover per card -------------------------------------------------------------------------------------

VOLUME_MENTION = re.compile(r"~([\d.,]+[KMB]?)(?: requests)?/month")


@pytest.mark.parametrize(
    ("volume", "position"),
    [(None, "unknown"), (100_000, "below"), (600_000, "near"), (919_068, "above"), (3_000_000, "above")],
)
def test_the_crossover_position(volume: int | None, position: str) -> None:
    view = tco.crossover_view(tco.estimate(volume))
    assert view.position == position and view.volume == 919_068


def test_the_hybrid_is_the_rival_when_the_task_changes_and_the_card_states_its_crossover() -> None:
    est = tco.estimate(3_000_000, changes_often=True)
    assert est.rival == "hybrid"
    view = tco.crossover_view(est)
    assert view.volume == est.hybrid_crossover_monthly_requests != est.crossover_monthly_requests
    assert "the hybrid" in tco.crossover_statement(est)
    assert tco.format_volume(est.crossover_monthly_requests or 0) not in tco.crossover_statement(est)


def _card_text(rec: Any) -> str:
    return text_card(rec, width=400) + json.dumps(to_dicts(card_blocks(rec, "C1")), ensure_ascii=False)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(
    volume=st.none() | st.integers(min_value=1_000, max_value=40_000_000),
    labeled=st.none() | st.integers(min_value=0, max_value=200_000),
    changes_often=st.none() | st.booleans(),
    knowledge_gap=st.none() | st.booleans(),
    expertise=st.none() | st.sampled_from(["none", "limited", "strong"]),
)
def test_a_card_never_states_two_different_crossovers(
    volume: int | None,
    labeled: int | None,
    changes_often: bool | None,
    knowledge_gap: bool | None,
    expertise: Literal["none", "limited", "strong"] | None,
) -> None:
    values = IntakeValues(
        monthly_requests=volume,
        labeled_examples=labeled,
        changes_often=changes_often,
        knowledge_gap=knowledge_gap,
        ml_expertise=expertise,
        deadline_weeks=16,
    )
    rec = recommend(Intake(values=values))
    text = _card_text(rec)
    view = tco.crossover_view(rec.tco)
    mentioned = set(VOLUME_MENTION.findall(text))
    assert mentioned <= {tco.format_volume(view.volume)} if view.volume else not mentioned
    assert text_card(rec, width=400).count("Crossover:") == 1
    if view.position == "above":
        assert "approaches ~" not in text and "you are near" not in text
    if view.position != "near":
        assert "you are near" not in text and "near the ~" not in text.replace("near the ~10,000", "")


# --- Self-hosted and distillation cost shapes (hand-computed on the round assumptions of test_tco) --------------
#   self-hosted, fine-tuned, no labels yet, 1M requests/month:
#     GPU per request: 250 out tokens / (250 tok/s x 0.5 x 3600 s) = 1/1800 h = $0.00111; one GPU always on: $1,460
#     one-time: 10,000 labels x $1 + 1 run x 10 GPU-h x $2 + $50,000 engineering + $10,000 setup = $70,020
#     monthly: $1,000 MLOps + ($6,000 + $20) / 6 retraining + $1,000 upkeep + max($1,460, $1,111) GPUs = $4,463.33
#     crossover, on the GPU floor: ($60,020 + 10 x ($3,003.33 - $500) + 10 x $1,460) / (10 x $0.0125) = 797,227
#   distillation, 2,000 teacher outputs, 1M requests/month:
#     one-time: 2,000 x $0.0125 teacher calls + 1,000 reviewed x $1 + $50,000 = $51,025
#     monthly: $1,000 hosting + $1,000 MLOps + $6,000 / 6 retraining + 1M x $0.0025 = $5,500
#     crossover: ($41,025 + 10 x $2,500) / (10 x ($0.0125 - $0.0025)) = 660,250


def test_self_hosted_shape_hand_computed() -> None:
    a = round_assumptions()
    cost = tco.self_hosted_cost(a, "fine_tuning", 1_000_000, labeled_examples=0)
    assert cost.one_time_usd == pytest.approx(70_020)
    assert cost.monthly_items["platform_upkeep"] == 1000 and "hosting" not in cost.monthly_items
    assert cost.monthly_usage_usd == pytest.approx(1460)  # the always-on GPU still has room
    assert cost.monthly_usd == pytest.approx(4463.333, abs=0.01)
    assert cost.total_usd == pytest.approx(114_653.33, abs=0.01)
    assert cost.per_request_usd == pytest.approx(2 / 1800)
    assert tco.shape_crossover(a, "self_hosted", labeled_examples=0) == 797_227
    # Past the floor, GPUs grow with the traffic.
    assert tco.self_hosted_cost(a, "fine_tuning", 3_000_000).monthly_usage_usd == pytest.approx(3_000_000 * 2 / 1800)


def test_distillation_shape_hand_computed() -> None:
    a = round_assumptions()
    cost = tco.distillation_cost(a, 1_000_000)
    assert cost.one_time_items["teacher_calls"] == pytest.approx(25)
    assert cost.one_time_items["output_review"] == pytest.approx(1000)
    assert "data_labeling" not in cost.one_time_items
    assert cost.one_time_usd == pytest.approx(51_025)
    assert cost.monthly_usd == pytest.approx(5500)
    assert tco.shape_crossover(a, "distillation") == 660_250
    # Logged outputs replace teacher calls; labels bought for plain fine-tuning cross later (750,000).
    assert tco.distillation_cost(a, 1_000_000, logged_outputs=5000).one_time_items["teacher_calls"] == 0
    assert tco.shape_crossover(a, "distillation", logged_outputs=2000) == 660_000
    assert tco.crossover_monthly_requests(a, "fine_tuning", labeled_examples=0) == 750_000


@pytest.mark.parametrize("shape", tco.SHAPES)
@pytest.mark.parametrize("overrides", [{}, {"selfhost_min_gpus": 0}, {"selfhost_gpu_hourly_usd": 40}])
def test_a_shape_crossover_is_where_the_totals_meet(shape: str, overrides: dict[str, float]) -> None:
    a = tco.default_assumptions().with_overrides(**overrides)
    x = tco.shape_crossover(a, shape, labeled_examples=0)
    at = tco.estimate(x or 10**9, labeled_examples=0, assumptions=a)
    below = tco.estimate(max(0, (x or 10**9) - 1), labeled_examples=0, assumptions=a)
    prompting = at.approaches["prompt_engineering"].total_usd
    if x is None:
        assert at.shapes[shape].total_usd > prompting
        return
    assert at.shapes[shape].total_usd <= prompting + 1e-6
    if x > 0:
        assert below.shapes[shape].total_usd > below.approaches["prompt_engineering"].total_usd


def test_bad_shape_inputs_are_clear_errors() -> None:
    with pytest.raises(InputError, match="Unknown cost shape"):
        tco.shape_crossover(tco.default_assumptions(), "on_prem")
    with pytest.raises(InputError, match="logged_outputs"):
        tco.distillation_cost(tco.default_assumptions(), 1000, logged_outputs=-1)
    with pytest.raises(InputError, match="Unknown approach"):
        tco.self_hosted_cost(tco.default_assumptions(), "self_hosted", 1000)


# --- The command ------------------------------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_list_models_prints_every_preset_with_its_date_and_source(runner: CliRunner) -> None:
    result = runner.invoke(main, ["tco", "--list-models"])
    assert result.exit_code == 0, result.output
    book = prices.price_book()
    for name in [*book.api, *book.open_weight]:
        assert re.search(rf"^{re.escape(name)}\s", result.output, re.M), name
    assert "winding down" in result.output and "source: " in result.output
    rows = json.loads(runner.invoke(main, ["tco", "--list-models", "--json"]).output)
    assert {r["name"] for r in rows} == set(book.api) | set(book.open_weight)
    assert all(r["as_of"] and r["source"] for r in rows)


@pytest.mark.parametrize(
    ("args", "prompt_in", "crossover_is_none"),
    [
        (["--prompt-model", "gpt-4o-mini", "--tune-model", "gpt-4o-mini"], 0.15, True),
        (["--prompt-model", "gpt-4o", "--tune-model", "gpt-4.1-nano"], 2.5, False),
        # --set still wins over a preset
        (["--prompt-model", "gpt-4o", "--set", "prompt_price_in_per_m=9"], 9.0, False),
    ],
)
def test_presets_on_the_command_line(
    runner: CliRunner, args: list[str], prompt_in: float, crossover_is_none: bool
) -> None:
    result = runner.invoke(main, ["tco", "--requests", "3000000", "--json", *args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["assumptions"]["prompt_price_in_per_m"] == prompt_in
    assert (data["crossover_monthly_requests"] is None) is crossover_is_none
    assert set(data["approaches"]) == set(tco.APPROACHES) and set(data["shapes"]) == set(tco.SHAPES)


def test_tco_text_shows_the_shapes_the_models_and_one_crossover(runner: CliRunner) -> None:
    result = runner.invoke(main, ["tco", "--requests", "3000000", "--self-host-model", "llama-3.3-70b"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"^  self_hosted .*self-hosted llama-3.3-70b", out, re.M)
    assert re.search(r"^  distillation .*gpt-4.1 labels, fine-tuned gpt-4.1-mini", out, re.M)
    assert out.count("Crossover:") == 1 and "Headline: prompting gpt-4.1" in out
    assert "prompting gpt-4.1 (2026-03 prices) at $2/$8" in out


@pytest.mark.parametrize(
    ("flag", "name", "valid"),
    [
        ("--prompt-model", "gpt-17", "gpt-4o-mini"),
        ("--tune-model", "gpt-5", "gpt-4.1-nano"),
        ("--self-host-model", "x", "llama-3.1-8b"),
    ],
)
def test_a_bad_model_name_is_one_clear_line(runner: CliRunner, flag: str, name: str, valid: str) -> None:
    result = runner.invoke(main, ["tco", flag, name])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and valid in result.output and repr(name) in result.output
