"""Round 8 of the reader: number mechanisms stated over roles (a base, a change, a result; a first value and its
correction; parts and their total), so they hold in any reasonable word order and stay silent when a role is missing.

Sentences are written for these tests; each mechanism has cases that must read and cases that must not.
"""

from __future__ import annotations

import pytest

from tests.advisor.reading import asked, facts

# --- a change said before its base ("from") ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Our budget got cut in half from 80k.", "budget_usd", 40_000),
        ("The budget was halved from $80k.", "budget_usd", 40_000),
        ("Finance halved our budget from the original 120k.", "budget_usd", 60_000),
        ("we had budget cut by 25% from 40k, ugh", "budget_usd", 30_000),
        ("Budget is down to 40k from 80k.", "budget_usd", 40_000),
        ("budget slashed to 30k from 60k", "budget_usd", 30_000),
        ("Our budget went from 80k to 40k.", "budget_usd", 40_000),
        ("The budget increased from 20k to 35k after the demo.", "budget_usd", 35_000),
        ("our budget jumped from $10k to $18k", "budget_usd", 18_000),
        ("Annotated examples went from 4k to 6k once the interns joined.", "labeled_examples", 6_000),
        ("We label 3k tickets a month; volume grew from 10k to 14k a month.", "monthly_requests", 14_000),
    ],
)
def test_a_change_before_its_base_gives_the_result(text: str, field: str, value: float) -> None:
    assert facts(text)[field] == pytest.approx(value, rel=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "The budget may be cut in half from 60k next quarter.",  # supposed: what it will be is not known
        "If it gets halved from 60k we're in trouble.",
        "The budget got cut in half.",  # no base: nothing to compute
    ],
)
def test_a_supposed_or_baseless_change_before_a_number_states_no_budget(text: str) -> None:
    assert "budget_usd" not in facts(text)


def test_a_comparison_with_a_past_year_keeps_the_number_said() -> None:
    assert facts("Our budget of 80k is down 20% from last year.").get("budget_usd") in (None, 80_000)
    assert facts("Budget is 45k, down 10% from 50k last year.")["budget_usd"] == 45_000


def test_another_things_move_does_not_change_the_budget() -> None:
    assert facts("Budget is 50k. Headcount went from 10 to 12.")["budget_usd"] == 50_000
    assert facts("Revenue went from 2M to 3M and the budget is 50k.").get("budget_usd") in (None, 50_000)


# --- an amount taken off or added ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Budget was 50k, they trimmed 10k off.", "budget_usd", 40_000),
        ("budget $50k but finance cut it by $10k", "budget_usd", 40_000),
        ("we had a 70k budget; they shaved $15k off it", "budget_usd", 55_000),
        ("the budget: 30k, they took 5k off for licences", "budget_usd", 25_000),
        ("We get 20k tickets a month, now up by 5k.", "monthly_requests", 25_000),
    ],
)
def test_an_amount_taken_off_or_added_changes_the_base(text: str, field: str, value: float) -> None:
    assert facts(text)[field] == pytest.approx(value, rel=0.01)


def test_an_amount_larger_than_the_base_is_asked_about_not_read() -> None:
    read = facts("our 90k budget, cut by 100k")
    assert "budget_usd" not in read
    assert 90_000 in asked("our 90k budget, cut by 100k")


def test_an_amount_spent_is_not_a_change_of_the_budget() -> None:
    assert facts("Budget is 20k; we spent 5k off the books.")["budget_usd"] == 20_000


# --- money asked for and money granted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Budget: we asked for 150k, finance approved 90k.", 90_000),
        ("We requested 150k but got approved for 90k.", 90_000),
        ("Leadership approved 60k; we'd asked for 100k.", 60_000),
        ("They signed off on 70k after we requested 90k for the project.", 70_000),
        ("we asked for $200k, they gave us $120k", 120_000),
        ("The ask was €60k; what we were granted is €45k.", 45_000),
        ("The 200k budget we asked for became 120k.", 120_000),
        ("We got 60% of the 100k budget we asked for.", 60_000),
        ("We have a 90k budget. hmm, no, 90k is what we requested; what got signed off is 70k.", 70_000),
    ],
)
def test_the_amount_granted_is_the_budget_not_the_ask(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == value


def test_an_amount_only_asked_for_is_asked_about() -> None:
    assert "budget_usd" not in facts("We asked for 100k budget.")
    assert asked("We asked for 100k budget.") == [100_000]
    assert "budget_usd" not in facts("We got 20k tickets last month; we requested 30k in budget.")


@pytest.mark.parametrize(
    "text",
    [
        "We asked for 10 engineers and got 4; budget is 50k.",  # people asked for, not money
        "We asked for 3 months and got 6 weeks, budget 30k.",
    ],
)
def test_asks_of_other_things_leave_the_budget_alone(text: str) -> None:
    assert facts(text)["budget_usd"] in (50_000, 30_000)


def test_a_count_granted_is_not_a_budget() -> None:
    read = facts("We got 20k tickets last month; we requested 30k in budget.")
    assert read["monthly_requests"] == 20_000


# --- what is left after a subtraction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("The €20k budget minus the 8k already spent on hardware.", "budget_usd", 12_000),
        ("We have 12k labeled tickets minus about 2k duplicates.", "labeled_examples", 10_000),
    ],
)
def test_a_said_subtraction_leaves_the_remainder(text: str, field: str, value: float) -> None:
    assert facts(text)[field] == value


def test_an_amount_taken_off_is_never_read_as_the_field() -> None:
    assert facts("budget 30k minus $5k for licences").get("budget_usd") != 5_000


def test_a_subtraction_of_an_unknown_amount_asks() -> None:
    text = "Budget: $25k minus what we already paid the vendor."
    assert "budget_usd" not in facts(text)
    assert asked(text) == [25_000]


def test_less_than_is_a_comparison_not_a_subtraction() -> None:
    assert facts("budget is 40k, less than we hoped")["budget_usd"] == 40_000


def test_a_subtraction_larger_than_its_base_is_not_read() -> None:
    assert "labeled_examples" not in facts("we have 9000 labeled examples minus 12000 bad ones")


# --- labeled parts listed with "and" or commas --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We have 30k labeled emails and 5k labeled chats.", 35_000),
        ("We have 30k labeled emails, 5k labeled chats.", 35_000),
        ("about 2k annotated invoices, 500 annotated receipts and 300 annotated contracts", 2_800),
    ],
)
def test_listed_parts_that_each_say_labeled_are_summed(text: str, value: float) -> None:
    assert facts(text)["labeled_examples"] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We have 30k emails and 5k labeled chats.", 5_000),  # only the chats are labeled
        ("We have 30k labeled emails and 5k chats.", 30_000),
        ("we have 4k labeled tickets and 12 labeled categories", 4_000),  # classes are not examples
        ("We have 10k labeled reviews and 2k unlabeled reviews.", 10_000),
        ("8k labeled examples and 3 ML engineers", 8_000),
    ],
)
def test_a_part_that_is_not_labeled_data_is_not_added(text: str, value: float) -> None:
    assert facts(text)["labeled_examples"] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We get 20k emails and 4k chats a month.", 24_000),
        ("about 20k emails, 4k chats and 1k calls a month", 25_000),
    ],
)
def test_parts_listed_under_one_rate_are_summed(text: str, value: float) -> None:
    assert facts(text)["monthly_requests"] == value


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("We have 40 FAQ entries and maybe 10 questions a day.", 1_500),  # what exists is not part of what flows
        ("we have 20k customers and 4k tickets a month", 24_000),  # people are not items
        ("20k emails and 4k of them a month are spam", 24_000),  # "of them" is a share, not a part
    ],
)
def test_a_listed_count_that_is_not_a_part_is_not_added(text: str, total: float) -> None:
    assert facts(text).get("monthly_requests") != total


def test_rates_each_said_are_not_summed() -> None:
    assert facts("We get 20k emails a month and 4k chats a month.").get("monthly_requests") != 24_000


# --- a value compared with, a change with no result ----------------------------------------------------------------


def test_the_value_compared_with_is_never_read() -> None:
    assert facts("budget is 60k, down from 80k")["budget_usd"] == 60_000
    read = facts("Budget is now 60k, up from 40k last year.")
    assert read.get("budget_usd") in (None, 60_000)
    assert "monthly_requests" not in read  # "40k last year" is an old budget, not a yearly volume


def test_a_change_from_a_base_with_no_result_asks() -> None:
    text = "The budget was reduced from 100k."
    assert "budget_usd" not in facts(text)
    assert asked(text) == [100_000]


def test_a_change_said_with_both_base_and_result_takes_the_result() -> None:
    assert facts("Budget got cut by half from 80k to 40k")["budget_usd"] == 40_000
    assert facts("the budget rose 10% from 50k")["budget_usd"] == pytest.approx(55_000)


# --- a price or a wage beside the budget --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The license costs 12k a year and the budget is 40k.", 40_000),
        ("A contractor would cost 90k, and our budget is 30k.", 30_000),
        ("An ML engineer costs us 150k a year; budget for this is 40k.", 40_000),
    ],
)
def test_the_price_of_a_thing_or_a_person_is_not_the_budget(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == value


def test_what_the_project_may_cost_is_still_a_budget() -> None:
    assert facts("the whole project can cost at most 25k")["budget_usd"] == 25_000
    assert "budget_usd" not in facts("The license costs 12k a year.")


# --- owning up to a wrong number is no verdict on the labels -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "labeled examples: 5k. wait, that's wrong, it's 8k",
        "we have 5k labeled examples, I was wrong earlier about 3k",
    ],
)
def test_a_writer_correcting_a_number_says_nothing_of_label_quality(text: str) -> None:
    assert "data_quality" not in facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "We have 5k labels; that's wrong data in half the cases.",
        "5k labeled emails but the labels are wrong half the time",
    ],
)
def test_labels_said_to_be_wrong_are_still_poor(text: str) -> None:
    assert facts(text)["data_quality"] == "poor"
