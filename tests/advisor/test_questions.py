"""Adaptive intake: the next decisive question and the stopping rule."""

from __future__ import annotations

from typing import Any

import pytest

from bot.advisor.intake import Intake, IntakeValues
from bot.advisor.questions import MAX_PER_ROUND, is_settled, next_questions, question_bank, reachable


def intake(**values: Any) -> Intake:
    return Intake(values=IntakeValues(**values))


def test_templates_load_with_quick_answers() -> None:
    bank = question_bank()
    assert {"labeled_examples", "ml_expertise", "monthly_requests", "deadline_weeks"} <= set(bank)
    assert all(q.quick_answers and q.text.endswith("?") for q in bank.values())


def test_a_gate_settles_the_answer_at_once() -> None:
    assert is_settled(intake(ml_expertise="none"))
    assert next_questions(intake(ml_expertise="none")) == []


@pytest.mark.slow
def test_an_empty_intake_asks_the_most_decisive_questions() -> None:
    qs = next_questions(intake())
    assert qs and len(qs) <= MAX_PER_ROUND
    assert len({q.step for q in qs}) == len(qs)
    assert reachable(intake()) >= {"prompt_engineering", "fine_tuning"}


def test_a_fine_tuning_lean_asks_what_could_still_rule_it_out() -> None:
    strong = intake(labeled_examples=200_000, ml_expertise="strong", monthly_requests=5_000_000, changes_often=False)
    fields = {q.field for q in next_questions(strong)}
    assert fields & {"budget_usd", "deadline_weeks", "data_quality"}
    settled = intake(
        labeled_examples=200_000,
        ml_expertise="strong",
        monthly_requests=5_000_000,
        changes_often=False,
        budget_usd=900_000,
        deadline_weeks=30,
        data_quality="high",
    )
    assert next_questions(settled) == []


@pytest.mark.slow
def test_a_step_is_never_asked_twice() -> None:
    first = next_questions(intake())
    asked = [q.field for q in first]
    steps = [q.step for q in first]
    second = next_questions(intake(), asked, steps)
    assert not {q.step for q in second} & set(steps)


@pytest.mark.slow
def test_asking_stops_when_every_open_question_is_exhausted() -> None:
    asked: list[str] = []
    steps: list[int] = []
    for _ in range(10):
        qs = next_questions(intake(), asked, steps)
        if not qs:
            break
        asked += [q.field for q in qs]
        steps += [q.step for q in qs]
    else:
        raise AssertionError("questions never stopped")
    assert len(set(steps)) == len(steps) <= 6


def test_the_latency_target_is_asked_when_it_could_flip_the_answer() -> None:
    borderline = intake(
        labeled_examples=30_000,
        data_quality="high",
        monthly_requests=100_000,
        ml_expertise="limited",
        changes_often=False,
        deadline_weeks=20,
        needs="deep_domain",
        regulated=False,
    )
    fields = [q.field for q in next_questions(borderline)]
    assert "latency_p95_ms" in fields
    question = question_bank()["latency_p95_ms"]
    assert question.step == 1 and {a.value for a in question.quick_answers} >= {200, 5000}
    # once answered, it is not asked again, and a gated case never asks it
    assert "latency_p95_ms" not in [q.field for q in next_questions(borderline, ["latency_p95_ms"], [1])]
    assert next_questions(intake(ml_expertise="none")) == []


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"ml_expertise": "none"},
        {"labeled_examples": 50_000, "ml_expertise": "strong"},
        {"labeled_examples": 50_000, "ml_expertise": "strong", "monthly_requests": 5_000_000, "changes_often": False},
        {"labeled_examples": 800, "ml_expertise": "limited", "data_quality": "high"},
        {"changes_often": True, "labeled_examples": 30_000, "ml_expertise": "strong"},
        {"regulated": True, "sensitive_data": True, "deadline_weeks": 3},
    ],
)
def test_settled_means_one_reachable_approach(values: dict[str, Any]) -> None:
    # is_settled stops at the first approach that differs; reachable collects them all: the two must agree
    case = intake(**values)
    assert is_settled(case) == (len(reachable(case)) == 1)
    assert is_settled(case, ["deadline_weeks"]) == (len(reachable(case, ["deadline_weeks"])) == 1)
    assert (next_questions(case) == []) or not is_settled(case)
