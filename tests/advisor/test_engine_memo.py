"""`engine.recommend` and `questions.next_questions` are memoised on the intake's values: what they remember is what
they would work out afresh, whatever the facts' provenance, and each caller gets a copy of its own."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor import engine, questions
from bot.advisor.intake import FIELD_STEP, Intake, IntakeValues, Provenance
from tests.advisor.test_engine_costs_only import facts


def intake_of(values: dict[str, Any], quote: str) -> Intake:
    """An intake with `values`, each said in `quote`."""
    said = Provenance(source="message", turn=1, quote=quote)
    return Intake(values=IntakeValues(**values), provenance={name: said for name in values})


@settings(max_examples=60, deadline=None)
@given(facts)
def test_a_remembered_recommendation_is_the_one_built_afresh(values: dict[str, Any]) -> None:
    first = engine.recommend(intake_of(values, "first wording"))
    again = engine.recommend(intake_of(values, "other words, same facts"))  # a memo hit: same values
    fresh = engine._recommended.__wrapped__(engine.ByValues(intake_of(values, "x")), None)  # no memo
    assert first.model_dump() == fresh.model_dump()
    assert again.model_dump() == fresh.model_dump()


def test_each_caller_gets_its_own_copy() -> None:
    values = {"labeled_examples": 20_000, "monthly_requests": 500_000, "use_case": "invoice field extraction"}
    first = engine.recommend(intake_of(values, "a"))
    first.verdict = "changed by the caller"
    again = engine.recommend(intake_of(values, "b"))
    assert again is not first
    assert again.verdict != "changed by the caller"


def test_different_values_are_not_confused() -> None:
    base = {"labeled_examples": 50_000, "monthly_requests": 2_000_000, "ml_expertise": "strong"}
    other = {**base, "labeled_examples": 0, "changes_often": True}
    first, second = engine.recommend(intake_of(base, "a")), engine.recommend(intake_of(other, "a"))
    assert first.model_dump() != second.model_dump()
    assert engine.recommend(intake_of(base, "b")).model_dump() == first.model_dump()


@settings(max_examples=40, deadline=None)
@given(facts, st.sets(st.sampled_from(["labeled_examples", "monthly_requests", "ml_expertise", "deadline_weeks"])))
def test_remembered_questions_are_the_ones_planned_afresh(values: dict[str, Any], asked: set[str]) -> None:
    steps = frozenset(FIELD_STEP[name] for name in asked)
    first = questions.next_questions(intake_of(values, "first"), asked, steps)
    again = questions.next_questions(intake_of(values, "again"), sorted(asked), list(steps))  # a memo hit
    fresh = questions._next_questions.__wrapped__(engine.ByValues(intake_of(values, "x")), frozenset(asked), steps)
    assert [q.field for q in first] == [q.field for q in again] == [q.field for q in fresh]
    again.clear()  # the caller's own list
    assert [q.field for q in questions.next_questions(intake_of(values, "b"), asked, steps)] == [q.field for q in fresh]
