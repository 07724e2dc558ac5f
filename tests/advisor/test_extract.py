"""The offline extractor: chat text -> intake facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advisor.extract import MAX_TEXT, clean_text, extract
from bot.advisor.intake import Intake
from tests.conftest import TODAY


def values(text: str, **kw: Any) -> dict[str, Any]:
    return extract(text, today=TODAY, turn=2, **kw).values()


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("We have 20k labeled examples", "labeled_examples", 20_000),
        ("about 1.5M labelled records", "labeled_examples", 1_500_000),
        ("we have a few dozen examples", "labeled_examples", 36),
        ("no labeled data at all", "labeled_examples", 0),
        ("zero training data", "labeled_examples", 0),
        ("3,500 annotated tickets", "labeled_examples", 3_500),
        ("10M requests a month", "monthly_requests", 10_000_000),
        ("around 2 million calls per month", "monthly_requests", 2_000_000),
        ("500 calls a week", "monthly_requests", 2_167),
        ("1,000 queries per day", "monthly_requests", 30_000),
        ("120k documents a year", "monthly_requests", 10_000),
        ("budget is $250k", "budget_usd", 250_000.0),
        ("we can spend under $5k", "budget_usd", 5_000.0),
        ("$2,000 total", "budget_usd", 2_000.0),
        ("we need it in 3 weeks", "deadline_weeks", 3.0),
        ("live within a month", "deadline_weeks", 4.3),
        ("must ship by Friday", "deadline_weeks", 1.0),
        ("next month would be great", "deadline_weeks", 4.9),
        ("this quarter", "deadline_weeks", 4.9),
        ("ML team of 5", "ml_expertise", "strong"),
        ("a 7-person ML team", "ml_expertise", "strong"),
        ("no data scientists", "ml_expertise", "none"),
        ("two developers, no ML", "ml_expertise", "none"),
        ("one ML engineer", "ml_expertise", "limited"),
        ("handles PHI under HIPAA", "regulated", True),
        ("a retail bank", "industry", "financial services"),
        ("FDA cleared device software", "regulated", True),
        ("this is not regulated", "regulated", False),
        ("it handles patient info", "sensitive_data", True),
        ("no personal data involved", "sensitive_data", False),
        ("the rules change every sprint", "changes_often", True),
        ("the taxonomy has been stable for years", "changes_often", False),
        ("noisy labels from three vendors", "data_quality", "poor"),
        ("answers questions from our Confluence pages", "knowledge_gap", True),
        ("drafts in our house style", "behavior_gap", True),
        ("our fine-tuned model works well", "has_fine_tuned_model", True),
        ("accuracy is critical", "priority", "accuracy"),
        ("deep legal domain expertise", "needs", "deep_domain"),
    ],
)
def test_extracts_field(text: str, field: str, expected: Any) -> None:
    assert values(text).get(field) == expected


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("product launches every two weeks", "deadline_weeks"),
        ("we pay $3 per 1k requests", "budget_usd"),
        ("the bot should be fast", "deadline_weeks"),
        ("we have 40 people in support", "labeled_examples"),
    ],
)
def test_does_not_misread(text: str, field: str) -> None:
    assert field not in values(text)


def test_no_deadline_is_addressed_without_inventing_a_date() -> None:
    found = extract("no hard deadline, budget isn't decided yet", today=TODAY)
    assert "deadline_weeks" not in found.values() and "budget_usd" not in found.values()
    assert found.addressed == {"deadline_weeks", "budget_usd"}


def test_relative_dates_follow_today() -> None:
    monday = dt.date(2026, 11, 23)
    assert extract("by Friday", today=monday).values()["deadline_weeks"] == 0.6
    assert extract("by end of year", today=dt.date(2026, 12, 17)).values()["deadline_weeks"] == 2.0


def test_answer_to_a_question_lands_in_the_expected_field() -> None:
    assert values("about 5k", expecting=["labeled_examples"])["labeled_examples"] == 5_000
    assert values("none", expecting=["ml_expertise"])["ml_expertise"] == "none"
    assert values("yes", expecting=["regulated"])["regulated"] is True
    assert values("6 weeks", expecting=["deadline_weeks"])["deadline_weeks"] == 6.0
    assert values("2 months", expecting=["deadline_weeks"])["deadline_weeks"] == 8.7


def test_provenance_names_the_turn_and_words() -> None:
    found = extract("We have 20k labeled examples", turn=3, today=TODAY)
    fact = next(f for f in found.facts if f.field == "labeled_examples")
    assert fact.provenance.turn == 3
    assert fact.provenance.source == "message"
    assert "20k labeled" in (fact.provenance.quote or "")


@pytest.mark.parametrize(
    ("text", "field", "note"),
    [
        ("we have -5 examples", "labeled_examples", "negative"),
        ("10^30 requests a month", "monthly_requests", "beyond"),
    ],
)
def test_absurd_numbers_are_ignored_with_a_note(text: str, field: str, note: str) -> None:
    found = extract(text, today=TODAY)
    assert field not in found.values()
    assert any(note in n for n in found.notes)


def test_contradiction_keeps_the_specific_number() -> None:
    found = extract("no data... well, actually we have 50k examples", today=TODAY)
    assert found.values()["labeled_examples"] == 50_000
    assert any("going with 50,000" in n for n in found.notes)


def test_huge_and_binary_text_is_read_safely() -> None:
    found = extract("x\x00\x07" * 40_000 + " 20k labeled examples", today=TODAY)
    assert any(str(MAX_TEXT) in n.replace(",", "") for n in found.notes)
    assert extract("\x00\x01\x02", today=TODAY).facts == []


def test_the_core_leaves_platform_markup_to_the_adapters() -> None:
    """The reader is platform-neutral: Slack's or Teams' markup is the adapter's to turn into plain text (see
    tests/slack/test_markup.py), so here it is just text the user typed, kept as it is."""
    typed = "<@U123> <#C1|general> <!here> <!subteam^S1|@ml> <https://x.io|a link> <at>Dana</at> R&amp;D"
    assert clean_text(typed) == typed
    assert clean_text(" tabs\tand\x00controls ") == "tabs and controls"


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_valid_intake(text: str) -> None:
    found = extract(text, today=TODAY)
    Intake().merged(found.facts)  # validates every value
