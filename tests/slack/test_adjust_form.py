"""The Slack "Adjust answers" modal prefills values so that submitting it unchanged stores the same intake."""

from __future__ import annotations

from typing import Any

from bot.advisor.intake import Intake, IntakeValues
from bot.slack.listeners.actions import adjust_view
from bot.workflows.forms import initial_text, parse_form


def prefilled(intake: Intake) -> dict[str, Any]:
    view = adjust_view("c1", intake, "C1").to_dict()
    return {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}


def test_large_and_fractional_numbers_round_trip_unchanged() -> None:
    intake = Intake(
        values=IntakeValues(
            budget_usd=1_234_567.0, deadline_weeks=2.5, labeled_examples=20_000, monthly_requests=3_000_000
        )
    )
    shown = prefilled(intake)
    assert (shown["budget_usd"], shown["deadline_weeks"]) == ("1234567", "2.5")
    assert (shown["labeled_examples"], shown["monthly_requests"]) == ("20000", "3000000")
    values, errors = parse_form({k: v for k, v in shown.items() if v is not None})
    assert not errors
    assert (values["budget_usd"], values["deadline_weeks"]) == (1_234_567, 2.5)


def test_initial_text() -> None:
    assert [initial_text(v) for v in (None, 3.0, 2.5, 10, "x")] == ["", "3", "2.5", "10", "x"]
