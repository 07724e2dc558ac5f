"""Round 4: corrections, groups that each do the work, and counts said per cycle.

A dash between spaces ends a clause like an em dash; a correction may replace a number with its own weak reading
of the same field, but never with a count of the people doing the work; "each of our N teams" multiplies; a count
said per cycle ("per shift", "each batch") is multiplied by the cycles' own rate, and the count of cycles is no
volume. Every sentence here was written for these tests; none comes from the evaluation corpora or the bench sets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor.extract import extract
from bot.advisor.reader.tokens import tokenize

TODAY = dt.date(2026, 11, 29)


def read(text: str) -> dict[str, Any]:
    out = extract(text, today=TODAY, turn=2).values()
    out.pop("industry", None)
    return out


# --- a spaced dash is a clause break; a range between amounts is not -----------------------------------------


def test_spaced_dash_breaks_the_clause() -> None:
    tokens = tokenize("funding is 80k - we think, anyway")
    assert tokens[2].clause != tokens[-1].clause


@pytest.mark.parametrize("text", ["4 - 6 months", "$40k - $60k"])
def test_a_range_between_amounts_is_one_clause(text: str) -> None:
    tokens = tokenize(text)
    assert len({t.clause for t in tokens}) == 1


def test_bullet_dash_still_reads_its_number() -> None:
    assert read("Quick facts:\n - 12k labeled invoices\n - 3k invoices a month")["labeled_examples"] == 12_000


# --- corrections -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("We can spend 70k — sorry, I meant 25k, the 70k was last year's plan.", "budget_usd", 25_000),
        ("Go-live in 5 weeks. Actually scratch that, it moved, now it's 9 weeks.", "deadline_weeks", 9),
        ("The spend cap is 12k - no wait, make that 20k.", "budget_usd", 20_000),
    ],
)
def test_a_later_correction_replaces_the_first_value(text: str, field: str, value: float) -> None:
    assert read(text)[field] == value


def test_a_count_of_workers_corrects_no_volume() -> None:
    got = read("we handle about 180 chats a day and only four people on the help desk")
    assert got["monthly_requests"] == 5400
    assert got["monthly_requests"] != 120  # four people a day is not the volume


def test_a_crowd_still_narrows_a_volume() -> None:
    got = read("the app sees 2M sessions a month but only about 30k people tap the help button")
    assert got.get("monthly_requests") != 2_000_000


# --- groups that each do the work ----------------------------------------------------------------------------


def test_each_of_our_groups_multiplies() -> None:
    assert read("each of our 5 field crews logs around 80 inspection notes a week")[
        "monthly_requests"
    ] == pytest.approx(1733, rel=0.02)


def test_groups_named_with_a_total_are_not_multiplied() -> None:
    assert read("our 3 teams send 200 invoices a day in total")["monthly_requests"] == 6000


# --- counts per cycle ----------------------------------------------------------------------------------------


def test_a_count_per_cycle_times_the_cycles_rate() -> None:
    assert read("roughly 25 defects per batch, and we run 4 batches a day")["monthly_requests"] == 3000


def test_the_cycle_said_before_the_count() -> None:
    assert read("two production runs a week, each run flags maybe 50 parts")["monthly_requests"] == pytest.approx(
        433, rel=0.02
    )


def test_the_cycle_count_alone_is_no_volume() -> None:
    got = read("we run 3 shifts a day in the warehouse")
    assert got.get("monthly_requests") != 90


def test_a_count_per_cycle_without_the_cycles_rate_is_not_guessed() -> None:
    got = read("about 30 tickets per shift")
    assert got.get("monthly_requests") is None


def test_a_labeled_set_after_every_item_is_no_cycle() -> None:
    got = read("annotators labeled every invoice for two years, so about 40k labeled invoices")
    assert got["labeled_examples"] == 40_000


def test_a_price_per_item_makes_no_cycle() -> None:
    assert read("each lookup costs $0.01 per query and we run 900k queries a month")["monthly_requests"] == 900_000


# --- a period corrected without a new number -----------------------------------------------------------------


def test_a_corrected_period_keeps_the_number() -> None:
    assert read("we see 500 orders a week, no wait, a day")["monthly_requests"] == 15_000


def test_a_second_number_is_no_period_correction() -> None:
    assert read("we see 500 orders a week, so about 2,100 a month")["monthly_requests"] == pytest.approx(
        2_100, rel=0.05
    )


def test_a_period_without_a_correction_changes_nothing() -> None:
    assert read("we see 500 orders a week, and reports go out a day later")["monthly_requests"] == pytest.approx(
        2_167, rel=0.02
    )


# --- "in the month" ---------------------------------------------------------------------------------------------


def test_in_the_month_is_a_rate() -> None:
    assert read("Approx. 700 quotes in the month, all by email.")["monthly_requests"] == 700


def test_in_the_month_after_an_event_is_no_rate() -> None:
    assert read("we answered 700 quotes in the month after the fair").get("monthly_requests") != 700


# --- yes/no and expertise cues -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["we screen card transactions for fraud", "PCI-DSS is in scope for us", "it reads payment statements"]
)
def test_card_and_payment_data_is_sensitive(text: str) -> None:
    assert read(text)["sensitive_data"] is True


def test_no_card_data_is_not_sensitive() -> None:
    assert read("no card transactions touch this tool").get("sensitive_data") is not True


def test_scripting_skills_do_not_turn_no_ml_people_into_limited() -> None:
    # writers disagree whether scripting skills with "no ML" are limited or none: no scripting cue exists
    assert read("our ops crew is two people who know a little python, no ML people")["ml_expertise"] == "none"


# --- an average after a count of units is each one's share ------------------------------------------------------


def test_an_average_after_a_count_of_users_is_per_user() -> None:
    assert read("about 3,000 daily users, avg 2 notes a day")["monthly_requests"] == 180_000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("our 5 agents average 80 calls a day in total", 2_400),  # said as the team's total
        ("we average 400 chats a day", 12_000),  # no count of units to share it
    ],
)
def test_an_average_that_is_a_total_is_not_multiplied(text: str, value: int) -> None:
    assert read(text)["monthly_requests"] == value


# --- a bare number said against a framed one -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("The consultant says we'd need at least 30k labeled examples. We have 6k.", "labeled_examples", 6_000),
        ("what if usage climbs to 2M requests a month next year? today it's about 200k.", "monthly_requests", 200_000),
        ("Would 50k labeled rows be enough? Right now we've got 8k.", "labeled_examples", 8_000),
    ],
)
def test_a_bare_number_against_a_framed_one_states_it(text: str, field: str, value: int) -> None:
    assert read(text)[field] == value


def test_a_bare_number_without_saying_it_is_what_there_is_stays_unread() -> None:
    got = read("would 30k labeled examples be enough? maybe 6k more later.")
    assert got.get("labeled_examples") is None


def test_the_framed_number_itself_is_still_not_read() -> None:
    got = read("if we had 40k labeled tickets it would be easy. We have 3k.")
    assert got["labeled_examples"] == 3_000
    assert got["labeled_examples"] != 40_000
