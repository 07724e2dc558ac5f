"""Round 6 of the reader: how people describe ML skills without naming a level.

Sentences are written for these tests; each mechanism has cases that must read and cases that must not.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.advisor.extract import extract


def skill(text: str) -> str | None:
    """The ML expertise the reader takes from one message."""
    value = extract(text, today=dt.date(2026, 11, 29)).values().get("ml_expertise")
    return None if value is None else str(value)


@pytest.mark.parametrize(
    "text",
    [
        "We're a bakery with four shops and honestly nobody technical works here.",
        "I'm not technical at all, I run the front desk.",
        "No one in the office knows programming.",
        "Neither of us has ever trained a model.",
        "Nobody on staff has built a classifier before.",
        "Our IT contractor handles laptops but doesn't do ML.",
        "Team: 4 designers, no tech ppl at all.",
        "There are no ML folks at the warehouse.",
    ],
)
def test_people_without_the_skill_read_none(text: str) -> None:
    assert skill(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "Our ops analyst knows a bit of SQL and Python.",
        "One marketer has played with scikit-learn on weekends.",
        "We have a data guy who builds dashboards.",
        "Our two devs built a prototype on the OpenAI API last month.",
        "Our finance lead did a Udemy course on forecasting.",
        "The analysts are statisticians, not really ML people.",
        "Two people who know ML joined from the research side.",
    ],
)
def test_skills_next_to_ml_read_limited(text: str) -> None:
    assert skill(text) == "limited"


def test_a_statement_of_none_outweighs_skills_next_to_ml() -> None:
    assert skill("Our analyst knows some Python, but there are no ML people here.") == "none"


@pytest.mark.parametrize(
    "text",
    [
        "The pricing group trains gradient-boosted models every quarter and deploys them.",
        "Our risk team has deep NLP experience.",
        "We have a forecasting department with ML experience.",
        "We're all ML engineers in this lab.",
        "Three quants who do ML sit next to us.",
        "Our postdocs do deep learning daily.",
        "The company has an ML guild that reviews every model.",
        "We rely on a strong ML platform team.",
        "Plenty of ML expertise on the team.",
    ],
)
def test_groups_that_own_models_read_strong(text: str) -> None:
    assert skill(text) == "strong"


@pytest.mark.parametrize(
    "text",
    [
        "We're hiring two ML engineers next quarter.",
        "Next year we plan to recruit an ML team.",
        "Nobody technical on the finance team, they just approve the budget.",
        "No ML people in marketing, but the platform group is another story.",
        "We sell 40 kinds of coffee and have 12 baristas.",
        "Our support team of 9 agents answers the chats.",
        "We want to train a model on our tickets.",
    ],
)
def test_plans_other_departments_and_head_counts_say_nothing_about_skill(text: str) -> None:
    assert skill(text) is None


def fact(text: str, field: str) -> object:
    """One field the reader takes from one message."""
    return extract(text, today=dt.date(2026, 11, 29)).values().get(field)


@pytest.mark.parametrize(
    "text",
    [
        "We have 3,000 contracts our paralegals labeled very carefully.",
        "About 8k essays graded by two readers each.",
        "Our 5k tickets were tagged with double review.",
        "The 2,000 claims were coded by certified coders.",
        "We labeled 900 calls and agreement was really high.",
        "12k segments of professional quality translations, labeled by staff.",
    ],
)
def test_how_labels_were_made_reads_high_quality(text: str) -> None:
    assert fact(text, "data_quality") == "high"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("The 4k labeled scans are awful, half of them blurry.", "poor"),
        ("We tagged 6,000 orders; label quality is medium.", "mixed"),
    ],
)
def test_plain_words_for_bad_and_middling_labels(text: str, level: str) -> None:
    assert fact(text, "data_quality") == level


@pytest.mark.parametrize(
    "text",
    [
        "We want to be careful with patient data; 2,000 visits a month.",
        "Our reviewers check every reply before it goes out.",
    ],
)
def test_care_outside_labels_is_not_label_quality(text: str) -> None:
    assert fact(text, "data_quality") is None


@pytest.mark.parametrize(
    "text",
    [
        "We have years of call recordings but no labeled footage or transcripts.",
        "Labeled data: none so far.",
        "We don't have any tagged outcomes.",
        "About 4,000 survey answers, never coded.",
        "We have labelled none of the photos.",
        "Thousands of reviews and zero tags on them.",
    ],
)
def test_labels_said_to_be_absent_read_zero(text: str) -> None:
    assert fact(text, "labeled_examples") == 0


@pytest.mark.parametrize(
    "text",
    [
        "We have 1,200 labeled rows and never tagged the rest.",
        "We have 2,500 labeled emails.",
    ],
)
def test_unlabeled_rest_and_plain_counts_are_not_read_as_no_labels(text: str) -> None:
    assert fact(text, "labeled_examples") != 0
