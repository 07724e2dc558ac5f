"""The value as it stands, not one that was or belongs to someone else: a budget said "now" before what it was, a
department's budget beside this project's, and labels nobody has looked at yet.

Sentences are written for these tests; each mechanism has cases that must read and cases that must stay silent.
"""

from __future__ import annotations

import pytest

from tests.advisor.reading import asked, facts

# --- "now X, it was Y": Y is what it used to be --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "budget is now 35k (was 70k)",
        "Our budget - now 35k, it was 70k before the reorg - covers the whole pilot",
        "the budget's now 35k, it was originally 70k",
        "the pilot's budget is now 35k, it was 70k until finance stepped in",
    ],
)
def test_the_value_said_with_now_stands_over_what_it_was(text: str) -> None:
    assert facts(text)["budget_usd"] == 35000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("budget was 70k, now 35k", 35000),  # the usual order still reads the change
        ("now that the reorg is done, the budget was set at 70k", 70000),  # "now" with no number of its own
        ("we have 2k labeled tickets now, it was 500 in march", 2000),
    ],
)
def test_was_without_a_current_number_before_it_is_not_the_old_value(text: str, value: int) -> None:
    field = "labeled_examples" if "labeled" in text else "budget_usd"
    assert facts(text)[field] == value


def test_now_still_vetoes_money_paid_today() -> None:
    assert "budget_usd" not in facts("we pay 8k now for the vendor contract")


# --- a department's budget is not the project's ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no budget for the bot yet, the ops budget is like $3M but that's mostly fuel",
        "The marketing budget is 500k, we haven't got anything for this yet",
        "IT budget is 2M overall, nothing set aside for AI yet",
        "our company budget for software is 300k a year",
    ],
)
def test_a_department_budget_is_asked_about_not_read(text: str) -> None:
    assert "budget_usd" not in facts(text)
    assert asked(text)  # its own words say it is someone else's: "is that this project's?"


def test_a_department_budget_yields_to_this_projects() -> None:
    text = "the ops budget is 3M, for this we have 40k"
    assert facts(text)["budget_usd"] == 40000
    assert not asked(text)


@pytest.mark.parametrize(
    "text",
    [
        "the IT budget for this pilot is 40k",
        "the ops budget for the bot is 40k",
        "we have a 40k budget from the ops team",
        "project budget: 40k",
    ],
)
def test_a_department_budget_given_to_this_project_is_read(text: str) -> None:
    assert facts(text)["budget_usd"] == 40000


# --- not knowing about labels is not having none ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no idea about labels, haven't looked",
        "no clue re labels tbh",
        "no info on labeled data yet, ask me later",
    ],
)
def test_not_knowing_about_labels_is_no_count(text: str) -> None:
    assert "labeled_examples" not in facts(text)


@pytest.mark.parametrize("text", ["no labels at all", "we have no labeled data", "zero annotated examples so far"])
def test_saying_there_are_none_is_still_zero(text: str) -> None:
    assert facts(text)["labeled_examples"] == 0


# --- one ML team counted in parts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2 ML engineers in our innovation team + a data scientist",
        "1 ML engineer and 2 data scientists",
        "two data scientists plus an ML engineer",
        "we have 1 MLE + 2 DS",
    ],
)
def test_a_team_counted_in_parts_adds_up(text: str) -> None:
    assert facts(text)["ml_expertise"] == "strong"


@pytest.mark.parametrize(
    "text",
    [
        "2 ML engineers and a PM",  # not an ML person
        "2 ML engineers, and 40 analysts",
        "one ML engineer and we're hiring another ML engineer",  # a plan, not the team
        "2 ML engineers and 1 intern",
    ],
)
def test_parts_that_are_not_ml_people_are_not_added(text: str) -> None:
    assert facts(text)["ml_expertise"] == "limited"


# --- a date said with "no rush" is still the date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Q1 next year, no real rush", "end of March, no rush", "6 weeks, no time pressure tho"]
)
def test_a_date_said_as_not_urgent_stands(text: str) -> None:
    assert "deadline_weeks" in facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "by the summer, but honestly no hard date",
        "maybe June? no fixed deadline though",
        "the funding decision comes in the autumn. no rush really",  # "no rush" in another sentence
    ],
)
def test_a_date_beside_no_deadline_is_still_asked(text: str) -> None:
    assert "deadline_weeks" not in facts(text)
