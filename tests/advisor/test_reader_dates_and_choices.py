"""Years said as a next event, hyphenated names with a number, and choice cues said of something else."""

from __future__ import annotations

import pytest

from bot.advisor.extract import extract
from tests.advisor.reading import asked, facts


@pytest.mark.parametrize(
    "text",
    [
        "The product catalogue was frozen in 2020; next overhaul maybe 2027.",
        "contract renewal probably 2028, nothing planned before that",
        "policy revision due 2027",
        "no changes until 2029",
    ],
)
def test_a_year_after_a_word_of_when_is_neither_read_nor_asked_about(text: str) -> None:
    assert asked(text) == []
    assert not {"labeled_examples", "monthly_requests", "budget_usd"} & set(facts(text))


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we have maybe 2000 labeled tickets", "labeled_examples", 2000),
        ("until 2500 tickets are labeled we wait; we have 2500 labeled already", "labeled_examples", 2500),
    ],
)
def test_a_count_that_looks_like_a_year_is_still_a_count(text: str, field: str, value: int) -> None:
    assert facts(text)[field] == value


@pytest.mark.parametrize(
    "text",
    [
        "our rules hit 80% top-1 accuracy",
        "we tried gpt-4 and claude-3 last year",
        "covid-19 changed our volumes",
    ],
)
def test_a_number_joined_to_a_word_by_a_hyphen_is_no_negative_number(text: str) -> None:
    assert not any("negative" in note for note in extract(text).notes)


def test_a_real_negative_number_is_still_noted() -> None:
    assert any("negative" in note for note in extract("budget: -5k").notes)


@pytest.mark.parametrize(
    "text",
    [
        "timeline flexible, 6 months works",
        "the budget is flexible within reason",
        "Timeline is flexible, maybe next spring.",
    ],
)
def test_flexibility_said_of_a_schedule_or_money_is_no_need_for_breadth(text: str) -> None:
    read = facts(text)
    assert "needs" not in read and read.get("priority") != "adaptability"


def test_flexibility_said_of_the_task_is_still_read() -> None:
    assert facts("it has to be flexible across many different request types")["needs"] == "broad_flexibility"


@pytest.mark.parametrize(
    "text",
    [
        "they'd rather get it right than fast",
        "better to be accurate than quick",
    ],
)
def test_the_lesser_side_of_a_comparison_is_not_the_priority(text: str) -> None:
    assert facts(text).get("priority") != "speed"


@pytest.mark.parametrize("text", ["we need to ship fast", "timeline asap, leadership wants it yesterday"])
def test_speed_said_plainly_is_still_the_priority(text: str) -> None:
    assert facts(text)["priority"] == "speed"


def test_a_count_after_next_month_is_still_a_count() -> None:
    assert asked("next month maybe 2000 tickets") == [2000]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("our policies dont change often", "changes_often", False),
        ("we dont have any labeled data yet", "labeled_examples", 0),
        ("it isnt regulated at all", "regulated", False),
    ],
)
def test_a_negation_spelled_without_its_apostrophe_still_negates(text: str, field: str, value: object) -> None:
    assert facts(text)[field] == value


@pytest.mark.parametrize("text", ["doesn't that change things?", "wouldnt the rules change every month?"])
def test_a_negative_question_states_nothing_of_what_it_asks(text: str) -> None:
    assert "changes_often" not in facts(text)


def test_items_counted_in_reply_to_the_labeled_question_are_asked_about() -> None:
    found = extract(
        "we have 2M product pages where the merchants filled in every attribute", expecting=["labeled_examples"]
    )
    assert [(u.value, u.candidates) for u in found.unclear] == [(2_000_000, ("labeled_examples",))]
    assert extract("we have 2M product pages where the merchants filled in every attribute").unclear == []


@pytest.mark.parametrize(
    "text",
    ["we have 2M product pages but none of them are labeled", "the catalogue has 40k products in 300 categories"],
)
def test_items_said_to_be_unlabeled_or_several_counts_are_not_asked_as_labeled(text: str) -> None:
    found = extract(text, expecting=["labeled_examples"])
    assert not [u for u in found.unclear if u.candidates == ("labeled_examples",)]


@pytest.mark.parametrize(
    "text",
    [
        "we can't share patient data with any vendor",
        "we cannot send customer PII to an outside API",
        "we are not allowed to upload client financials anywhere",
    ],
)
def test_a_restriction_on_handling_data_says_the_data_is_there(text: str) -> None:
    assert facts(text)["sensitive_data"] is True


@pytest.mark.parametrize("text", ["we have no patient data", "no PII involved at all", "we don't hold personal data"])
def test_data_said_to_be_absent_is_still_absent(text: str) -> None:
    assert facts(text)["sensitive_data"] is False
