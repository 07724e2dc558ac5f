"""Precision mechanisms of the reader: a number is tied to what it quantifies, distractors block it from every
field, a weak reading that another number contests is asked about rather than stated, and a value said as past
yields to the present one. Each mechanism has cases that must be read and cases that must stay unknown.

Every sentence here was written for these tests; none comes from the evaluation corpora or the bench sets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor import confirm
from bot.advisor.extract import Extraction, Unclear, extract

TODAY = dt.date(2026, 11, 29)


def reading(text: str) -> Extraction:
    return extract(text, today=TODAY, turn=2)


def read(text: str) -> dict[str, Any]:
    return reading(text).values()


# --- a number said as the value of a distractor noun belongs to no field -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Our revenue is 40M a year and we want to classify contracts.",
        "ARR around 9M annually, we sell HR software.",
        "Headcount: 2,400. We want a policy Q&A bot.",
        "Users: 350k. Looking at a help-center assistant.",
        "We raised 12M last year and want an onboarding assistant.",
        "Total monthly revenue of 800k, mostly subscriptions.",
    ],
)
def test_a_distractor_subject_blocks_every_number_field(text: str) -> None:
    got = read(text)
    assert got.get("monthly_requests") is None
    assert got.get("labeled_examples") is None
    assert got.get("budget_usd") is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("We raised 12M last year; we handle about 70k chats a month.", "monthly_requests", 70_000),
        ("For revenue ops we get 5k emails a month.", "monthly_requests", 5_000),
        ("Users send us 3k questions a week.", "monthly_requests", 13_000),
        ("Revenue is fine. We have 6k labeled invoices.", "labeled_examples", 6_000),
    ],
)
def test_a_number_with_its_own_noun_is_still_read(text: str, field: str, value: int) -> None:
    assert read(text)[field] == pytest.approx(value, rel=0.02)


# --- a count of people is an audience; with a rate only a weak reading ------------------------------------


def test_people_with_a_rate_lose_to_a_workload_said_elsewhere() -> None:
    got = reading("We have 600k monthly users, and support gets 12k tickets a month.")
    assert got.values()["monthly_requests"] == 12_000
    assert "monthly_requests" not in got.weak


@pytest.mark.parametrize(
    "text",
    [
        "Around 2 million customers use the app each month.",
        "The clinic sees 30,000 patients a year.",
        "We onboard 500 new clients a month.",
    ],
)
def test_people_with_a_rate_alone_are_only_a_weak_reading(text: str) -> None:
    got = reading(text)
    assert "monthly_requests" in got.weak  # never stated as firm; a model or a question may replace it


def test_a_people_noun_that_only_qualifies_the_items_is_not_an_audience() -> None:
    got = reading("We get 5k customer emails a month.")
    assert got.values()["monthly_requests"] == 5_000
    assert "monthly_requests" not in got.weak


@pytest.mark.parametrize(
    "text",
    ["We have 8,000 students.", "Our platform has 40k subscribers.", "About 1,200 patients are enrolled."],
)
def test_people_without_a_rate_are_no_field(text: str) -> None:
    got = read(text)
    assert got.get("monthly_requests") is None
    assert got.get("labeled_examples") is None


# --- a contested weak reading is asked about, not stated -------------------------------------------------


def test_a_weak_reading_with_a_rival_number_becomes_a_question() -> None:
    got = reading("Our site gets 5,000 visitors a day but only about 200 of them ask in chat.")
    assert got.values().get("monthly_requests") is None
    asked = [u for u in got.unclear if "monthly_requests" in u.candidates]
    assert asked, got.unclear


def test_a_weak_reading_with_no_rival_is_kept() -> None:
    got = reading("The clinic sees 30,000 patients a year; we want to summarize visit notes.")
    assert got.values()["monthly_requests"] == pytest.approx(2_500, rel=0.02)
    assert not got.unclear


def test_a_one_field_confirmation_reads_yes_and_no() -> None:
    u = Unclear("5,000 visitors a day", 150_000.0, ("monthly_requests",))
    q = confirm.question(u)
    assert "requests per month" in q.text and "yes / no" in q.text
    yes = confirm.resolve(u, "yes", turn=3)
    assert yes is not None and yes[0].field == "monthly_requests" and yes[0].value == 150_000
    assert confirm.resolve(u, "no", turn=3) == []
    assert confirm.resolve(u, "not sure yet, let me check with the team first", turn=3) is None


# --- a rate or a "per" binds to the number right before it ------------------------------------------------


def test_a_rate_said_after_one_number_is_not_read_before_the_next() -> None:
    got = read("Around 250 forms a day across 3 clinics.")
    assert got["monthly_requests"] == pytest.approx(7_500, rel=0.02)


def test_per_after_a_price_does_not_make_the_next_volume_a_share() -> None:
    got = read("Pricing is $0.02 per call and we make 2M calls a month.")
    assert got["monthly_requests"] == 2_000_000


def test_each_after_a_count_still_distributes() -> None:
    got = read("About 300 branches each upload two scans a day.")
    assert got["monthly_requests"] == pytest.approx(18_000, rel=0.02)


# --- a day of a date is not a count ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["We need it by march 20, ml team of 3.", "Go-live is 14 February."])
def test_a_day_of_a_date_is_never_asked_about(text: str) -> None:
    got = reading(text)
    assert not [u for u in got.unclear if u.value in (20, 14)]


# --- a value said as past yields to the present one -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Last year we had 30k requests a month. This year we expect 60k a month.", 60_000),
        ("We used to get 900 tickets a week; since the merger we get 2,000 a week.", 8_667),
        ("Volume was 10k a month in 2024, and now we handle 25k requests a month.", 25_000),
    ],
)
def test_the_present_value_wins_over_the_past_one(text: str, value: int) -> None:
    assert read(text)["monthly_requests"] == pytest.approx(value, rel=0.02)


def test_two_present_values_are_asked_about_not_chosen_by_order() -> None:
    # round 5: order is no evidence; the field stays unknown and the later reading is asked about
    out = extract("We get 40k chats a month and 3k emails a month.", today=TODAY)
    assert "monthly_requests" not in out.values()
    assert [(u.value, u.candidates) for u in out.unclear] == [(3_000, ("monthly_requests",))]


# --- an amount of time or matter is not a count of requests or examples -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Reviewers spend about 6,000 hours a year on this.",
        "We ingest 3 TB of logs a month.",
        "The mill ships 80k tons a year.",
    ],
)
def test_a_measure_unit_is_no_volume(text: str) -> None:
    got = read(text)
    assert got.get("monthly_requests") is None
    assert got.get("labeled_examples") is None


def test_a_measure_unit_does_not_hide_the_real_volume() -> None:
    got = read("Agents spend 2,000 hours a month answering about 9k tickets a month.")
    assert got["monthly_requests"] == 9_000


# --- money is the budget only when its own clause says so --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Budget: whatever it takes, we lose $1M a year to fraud.",
        "Budget is open; we lost $250k to chargebacks last year.",
    ],
)
def test_money_lost_is_never_a_budget(text: str) -> None:
    assert read(text).get("budget_usd") is None


def test_a_budget_word_in_another_clause_gives_only_a_weak_reading() -> None:
    got = reading("On the budget side, honestly, we were thinking of $40k.")
    assert got.values()["budget_usd"] == 40_000
    assert "budget_usd" in got.weak
    firm = reading("Our budget for this is $40k.")
    assert firm.values()["budget_usd"] == 40_000 and "budget_usd" not in firm.weak


# --- a number's own noun beats a cue borrowed from the words before it -------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Our annotations span 9 regions and we have 2,400 examples.", 2_400),
        ("The labeled part covers 14 markets, 3k samples in all.", 3_000),
    ],
)
def test_a_count_with_its_own_label_noun_wins(text: str, value: int) -> None:
    assert read(text)["labeled_examples"] == value


def test_a_borrowed_cue_still_reads_when_nothing_competes() -> None:
    assert read("We have labeled roughly 4,500 support tickets.")["labeled_examples"] == 4_500


# --- a yes/no field whose cues disagree is unknown, unless the message settles it ---------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Nothing sensitive in the specs; our payroll system holds PII but that's a separate tool.", "sensitive_data"),
        ("The FAQ content rarely changes; the promo banner changes weekly but is out of scope.", "changes_often"),
    ],
)
def test_disagreeing_cues_leave_the_field_unknown(text: str, field: str) -> None:
    assert read(text).get(field) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Not regulated. Hmm, wait, actually lending is regulated for us.", "regulated", True),
        ("I'd say it's critical... scratch that, it's a nice-to-have, not critical.", "mission_critical", False),
        ("No personal data here, and no PII either.", "sensitive_data", False),
    ],
)
def test_a_settled_conflict_or_a_single_reading_is_kept(text: str, field: str, value: bool) -> None:
    assert read(text).get(field) is value
