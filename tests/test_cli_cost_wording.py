"""Cost figures as an operator reads them: an absurd volume is refused instead of printed as float noise (the bound
is checked at the CLI option, as the intake's), step 3's sentence ends once, a cost horizon other than 36 months is
named as what it is everywhere it is stated, the operator's cost config reaches assessments, and a one-day period is
"1 day".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.advisor import engine, tco
from bot.advisor.intake import Intake
from bot.advisor.report import text_card
from bot.cli import main

TICKETS = "We want to auto-route IT helpdesk tickets into 12 queues. A budget of $100k, no ML engineers."


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--requests", str(10**24)), ("--requests", "100000000001"), ("--examples", str(10**11))],
)
def test_tco_refuses_a_count_beyond_any_real_workload(flag: str, value: str) -> None:
    result = CliRunner().invoke(main, ["tco", flag, value])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: "), result.output
    assert "beyond any real workload" in result.output


def test_tco_still_estimates_the_largest_real_volume() -> None:
    result = CliRunner().invoke(main, ["tco", "--requests", "100000000000"])
    assert result.exit_code == 0, result.output
    assert "at 100B requests/month" in result.output


def test_step_three_with_an_unknown_volume_ends_its_sentence_once() -> None:
    result = CliRunner().invoke(main, ["assess", TICKETS])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "(your volume is unknown)" in flat
    assert not re.search(r"\w\)?\.\.(\s|$)", flat), re.findall(r".{60}\.\.", flat)


def h24() -> tco.TcoAssumptions:
    return tco.default_assumptions().with_overrides(horizon_months=24)


def test_a_24_month_horizon_is_called_2_year_on_the_card() -> None:
    rec = engine.recommend(Intake().with_values(use_case="route helpdesk tickets", monthly_requests=30_000), h24())
    assert rec.tco.horizon_months == 24
    card = " ".join(text_card(rec).split())
    assert "2-year cost at 30K requests/month" in card
    assert "3-year cost" not in card


@pytest.mark.parametrize(("months", "label"), [(36, "3-year"), (12, "1-year"), (24, "2-year"), (18, "18-month")])
def test_horizon_label(months: float, label: str) -> None:
    assert tco.horizon_label(months) == label


def test_cli_tco_names_the_horizon_it_computed(tmp_path: Path) -> None:
    config = tmp_path / "tco.yaml"
    config.write_text("horizon_months: 12\n")
    result = CliRunner().invoke(main, ["tco", "--requests", "100000", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "36 months" not in result.output and "3-year" not in result.output


def test_assess_uses_the_operators_cost_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "tco.yaml"
    config.write_text("horizon_months: 24\n")
    monkeypatch.setenv("ADVISOR_TCO_CONFIG", str(config))
    result = CliRunner().invoke(main, ["assess", TICKETS + " About 30k requests a month."])
    assert result.exit_code == 0, result.output
    assert "2-year cost" in " ".join(result.output.split())


@pytest.mark.parametrize(("age", "said"), [("1d", "in the last 1 day."), ("2w", "in the last 14 days.")])
def test_purge_counts_its_period_in_words(age: str, said: str) -> None:
    result = CliRunner().invoke(main, ["purge", "--older-than", age])
    assert result.exit_code == 0, result.output
    assert said in result.output, result.output
