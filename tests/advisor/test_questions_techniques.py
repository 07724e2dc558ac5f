"""The adaptive intake on the facts beyond the six steps: asked only where relevant, and only when an answer could
change the approach or the technique that gets built (issue 19)."""

from __future__ import annotations

from typing import Any

from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.questions import core_plan, next_questions, question_bank


def intake(**values: Any) -> Intake:
    return Intake(values=IntakeValues(**values))


def fields(questions: list[Any]) -> list[str]:
    return [q.field for q in questions]


# Few labels, an ML team, high volume: a model's reviewed outputs would open distillation.
SHORT_OF_LABELS: dict[str, Any] = {
    "use_case": "draft replies to warranty claims",
    "labeled_examples": 0,
    "ml_expertise": "strong",
    "monthly_requests": 8_000_000,
    "deadline_weeks": 20,
    "budget_usd": 900_000,
    "changes_often": False,
    "regulated": False,
    "latency_p95_ms": 5000,
    "needs": "deep_domain",
    "priority": "cost",
    "prompt_in_production": True,  # a live system whose outputs could be distilled
}


def test_the_new_questions_are_in_the_bank_under_their_steps() -> None:
    bank = question_bank()
    for name, step in (("reviewed_output_count", 2), ("self_hosting", 6), ("prompt_in_production", 1)):
        assert bank[name].step == step
        assert len(bank[name].quick_answers) >= 2


def test_reviewed_outputs_are_asked_when_they_could_open_distillation() -> None:
    i = intake(**SHORT_OF_LABELS)
    assert core_plan(i)[0] == "prompt_engineering"
    assert "reviewed_output_count" in fields(next_questions(i, asked=["labeled_examples"], asked_steps=[2]))
    # Distilled, with the live prompt kept for the hard cases: a cascade hybrid.
    assert core_plan(i.with_values(reviewed_output_count=30_000)) == ("hybrid", ("distillation",))


def test_reviewed_outputs_are_not_asked_without_anyone_to_train() -> None:
    i = intake(**(SHORT_OF_LABELS | {"ml_expertise": "none"}))
    assert "reviewed_output_count" not in fields(next_questions(i))


def test_reviewed_outputs_are_not_asked_when_labels_already_suffice() -> None:
    i = intake(**(SHORT_OF_LABELS | {"labeled_examples": 80_000, "data_quality": "high"}))
    assert "reviewed_output_count" not in fields(next_questions(i))


def test_self_hosting_rides_along_only_for_personal_or_regulated_data() -> None:
    settled = SHORT_OF_LABELS | {"labeled_examples": 80_000, "data_quality": "high"}
    open_deadline = {k: v for k, v in settled.items() if k != "deadline_weeks"}  # a short one would flip it
    plain = intake(**open_deadline)
    assert "deadline_weeks" in fields(next_questions(plain))
    assert "self_hosting" not in fields(next_questions(plain))
    personal = intake(**(open_deadline | {"sensitive_data": True, "regulated": True}))
    assert {"deadline_weeks", "self_hosting"} <= set(fields(next_questions(personal)))
    assert "self_hosting" not in fields(next_questions(personal.with_values(self_hosting=False)))


def test_a_settled_card_is_never_held_back_for_a_technique_question() -> None:
    settled = SHORT_OF_LABELS | {"labeled_examples": 80_000, "data_quality": "high"}
    assert next_questions(intake(**(settled | {"sensitive_data": True, "regulated": True}))) == []


def test_a_live_prompt_is_asked_when_it_decides_how_much_the_logs_hold() -> None:
    logs = intake(**(SHORT_OF_LABELS | {"reviewed_outputs": True, "prompt_in_production": None}))
    assert "prompt_in_production" in fields(next_questions(logs, asked=["reviewed_output_count"]))
    counted = intake(**(SHORT_OF_LABELS | {"reviewed_outputs": True, "reviewed_output_count": 50_000}))
    assert "prompt_in_production" not in fields(next_questions(counted))
