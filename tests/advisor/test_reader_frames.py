"""Frames and structure (round 3): a number said in a question, a supposition, another party's or an earlier
project's frame states no fact about this project; a count said as what is needed is not what is had; list marks
count nothing; a budget noun nearer the number than a label cue owns it; a head count's implicit share is the
group's total when no one person could do that much.

Each mechanism has sentences that must be read and sentences whose wrong value must not come back. Every sentence
here was written for these tests; none comes from the evaluation corpora or the bench sets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor.extract import extract
from bot.advisor.reader.frames import frame, wanted
from bot.advisor.reader.numbers import find_quantities
from bot.advisor.reader.tokens import tokenize

TODAY = dt.date(2026, 11, 29)


def read(text: str) -> dict[str, Any]:
    out = extract(text, today=TODAY, turn=2).values()
    out.pop("industry", None)
    return out


def frame_of(text: str, number: str) -> str | None:
    """The frame of the quantity whose first token is `number` (digits only: "12k" is the tokens "12" and "k")."""
    tokens = tokenize(text)
    q = next(q for q in find_quantities(tokens) if tokens[q.start].text == number)
    return frame(tokens, q)


# --- questions: a number asked about is no fact -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Would 4k labeled reviews be enough to train on?", "labeled_examples"),
        ("Is 3 weeks realistic to get a pilot live?", "deadline_weeks"),
        ("could a budget of 25k cover it?", "budget_usd"),
        ("what if we get to 900k searches a month?", "monthly_requests"),
        ("Does 700 tagged invoices sound like a reasonable start?", "labeled_examples"),
    ],
)
def test_a_number_in_a_question_is_not_read(text: str, field: str) -> None:
    assert field not in read(text)


def test_the_fact_next_to_a_question_is_still_read() -> None:
    got = read("Would 5k labeled claims be enough? Right now we have 1,800 labeled claims.")
    assert got["labeled_examples"] == 1800
    got = read("We see 30k chats a month, would fine-tuning pay off?")
    assert got["monthly_requests"] == 30000


def test_a_question_mark_after_a_field_name_is_a_prompt_not_a_question() -> None:
    assert read("Volume per month? Around 12k tickets a month.")["monthly_requests"] == 12000


# --- suppositions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "wrong"),
    [
        (
            "If we had 50k labeled documents we would fine-tune, but we have 2k labeled documents.",
            "labeled_examples",
            50000,
        ),
        (
            "Suppose traffic grows to 2M requests a month, what then? Today it is 200k requests a month.",
            "monthly_requests",
            2e6,
        ),
        ("If the budget were 500k we'd hire a team; realistically the budget is 60k.", "budget_usd", 500000),
        ("Assuming 300 stores each send 20 photos a day, would that change things?", "monthly_requests", 180000),
    ],
)
def test_a_supposed_number_never_wins(text: str, field: str, wrong: float) -> None:
    assert read(text).get(field) != wrong


def test_the_real_value_after_a_supposition_is_read() -> None:
    assert (
        read("If we had 50k labeled documents we would fine-tune, but we have 2k labeled documents.")[
            "labeled_examples"
        ]
        == 2000
    )
    assert read("If the budget were 500k we'd hire a team; realistically the budget is 60k.")["budget_usd"] == 60000


# --- another party, an earlier project, "years ago" ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Our biggest competitor handles 3 million chats a month with a bot.", "monthly_requests"),
        ("The other team in marketing has 80k labeled images.", "labeled_examples"),
        ("Our previous project had a 300k budget and a 9-month timeline.", "budget_usd"),
        ("Three years ago we spent a 150k budget on a failed chatbot.", "budget_usd"),
        ("A sister company of ours gets 40k claims a month.", "monthly_requests"),
    ],
)
def test_another_partys_number_is_not_this_projects(text: str, field: str) -> None:
    assert field not in read(text)


def test_a_contrast_hands_the_sentence_back_to_this_project() -> None:
    got = read("Our competitor gets 2 million queries a day, but we only get about 3,000 queries a day.")
    assert got["monthly_requests"] == 90000


def test_labels_made_years_ago_still_exist() -> None:
    assert read("Two years ago our analysts labeled 6,000 contracts.")["labeled_examples"] == 6000
    assert frame_of("Two years ago our analysts labeled 6,000 contracts.", "6,000") == "past"


def test_frames_of_plain_statements_are_none() -> None:
    assert frame_of("We get 12k emails a month and have 3k labeled.", "12") is None
    assert frame_of("We get 12k emails a month and have 3k labeled.", "3") is None
    assert frame_of("Is 2k enough?", "2") == "question"
    assert frame_of("if we had 2k labels", "2") == "supposed"
    assert frame_of("our old vendor processed 9k a day", "9") == "other"


# --- needed is not had ------------------------------------------------------------------------------------


def test_a_count_said_as_needed_is_not_labeled_data() -> None:
    got = read("The consultants told us we need at least 10k labeled tickets. We have 1,500 labeled tickets.")
    assert got["labeled_examples"] == 1500
    assert "labeled_examples" not in read("Fine-tuning requires a minimum of 800 labeled examples.")


def test_need_before_other_fields_is_still_read() -> None:
    assert read("We need to handle 40k requests a month.")["monthly_requests"] == 40000
    assert read("We need it live in 7 weeks.")["deadline_weeks"] == 7


def test_wanted_looks_only_right_before_the_number() -> None:
    tokens = tokenize("we need a model for the 9k labeled tickets")
    q = next(q for q in find_quantities(tokens))
    assert not wanted(tokens, q)


# --- list marks -------------------------------------------------------------------------------------------


def test_list_marks_count_nothing() -> None:
    got = read("Facts: 1) 25k requests a month 2) 3,000 labeled 3) budget 45k 4) live in 9 weeks")
    assert got == {"monthly_requests": 25000, "labeled_examples": 3000, "budget_usd": 45000, "deadline_weeks": 9}
    got = read("(1) 700 labeled emails (2) 6k emails a month")
    assert got["labeled_examples"] == 700


def test_a_parenthesised_aside_is_not_a_list_mark() -> None:
    got = read("We have labeled tickets (roughly 40) and 8k tickets a month.")
    assert got.get("labeled_examples") != 8000
    assert got["monthly_requests"] == 8000


# --- the nearer noun owns the number ----------------------------------------------------------------------


def test_a_budget_noun_nearer_than_a_label_cue_owns_the_number() -> None:
    got = read("Finance gave the approved budget as 35k.")
    assert got.get("budget_usd") == 35000
    assert "labeled_examples" not in got
    assert read("We have 4k approved examples and a budget of 20k.") == {"labeled_examples": 4000, "budget_usd": 20000}


# --- a group's total is not one person's share ------------------------------------------------------------


def test_a_total_after_a_head_count_is_not_multiplied() -> None:
    assert read("Our 900 staff send roughly 3,000 expense questions a month.")["monthly_requests"] == 3000


def test_a_plausible_share_is_still_multiplied() -> None:
    assert read("Our 20 nurses each write 4 discharge notes a day.")["monthly_requests"] == 2400
    assert read("each of our 15 agents answers 40 chats a day")["monthly_requests"] == 18000


# --- money said without a sign ----------------------------------------------------------------------------


def test_a_bare_number_after_a_verb_of_paying_is_money_not_volume() -> None:
    got = read("The current tool costs 3k a month; we want something better.")
    assert got.get("monthly_requests") != 3000
    got = read("We already spend 20k a year on the API.")
    assert "monthly_requests" not in got


def test_the_value_of_a_budget_noun_is_money_not_volume() -> None:
    got = read("We want to spend under 40k; the company's annual IT budget is 3M.")
    assert got["budget_usd"] == 40000
    assert "monthly_requests" not in got
    assert read("The budget for the new assistant is 45k.")["budget_usd"] == 45000


def test_a_count_with_its_own_noun_after_a_verb_of_paying_is_still_a_count() -> None:
    assert read("We pay 30 agents to answer 7k chats a month.")["monthly_requests"] == 7000


# --- a share of a count -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("About 40% of our 5k contracts are annotated.", "labeled_examples", 2000),
        ("Half of the 12k chats have been tagged by agents.", "labeled_examples", 6000),
        ("Only 20% of our 30k emails a month need a drafted reply.", "monthly_requests", 6000),
    ],
)
def test_a_share_of_a_count_is_the_share(text: str, field: str, value: int) -> None:
    assert read(text)[field] == value


def test_a_percentage_elsewhere_scales_nothing() -> None:
    assert read("We have 5k labeled contracts and accuracy is 80% of what we need.")["labeled_examples"] == 5000


# --- yes/no and choice cues in the same frames ------------------------------------------------------------


def test_another_partys_team_or_stakes_are_not_ours() -> None:
    got = read("Another group in the company has strong ML engineers, but our team has nobody who knows ML.")
    assert got["ml_expertise"] == "none"
    assert "mission_critical" not in read("For our competitor the chatbot is mission critical.")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("What if the tax rules change every month?", "changes_often"),
        ("Would the answer change if the records were sensitive?", "sensitive_data"),
        ("We have 6k labeled emails, would that do if the labels are noisy?", "data_quality"),
    ],
)
def test_a_supposed_cue_states_nothing(text: str, field: str) -> None:
    assert field not in read(text)


def test_a_condition_naming_a_failure_still_states_the_stakes() -> None:
    assert read("if it routes a claim wrong the insurer pays twice")["mission_critical"] is True
    assert read("if the summary tool is down for a day nobody cares")["mission_critical"] is False


def test_a_questions_presupposition_is_kept() -> None:
    assert read("Does it matter that nobody on the team knows ML?")["ml_expertise"] == "none"


# --- phrase edges -----------------------------------------------------------------------------------------


def test_a_preposition_ends_a_numbers_noun_phrase() -> None:
    assert read("Budget is 900k over three years.")["budget_usd"] == 900000


def test_per_period_before_a_colon_is_a_rate_not_a_unit() -> None:
    assert read("Tickets per week: 2k support tickets.")["monthly_requests"] == 8667
    assert read("Per agent per day: 30 chats, and we have 8 agents.")["monthly_requests"] == 7200


def test_a_fronted_period_binds_across_subject_and_verb() -> None:
    assert read("Every week we receive 1,200 invoices.")["monthly_requests"] == 5200
    assert "monthly_requests" not in read("Every week our 3 annotators label 200 examples.")


def test_a_peak_rate_is_no_monthly_volume() -> None:
    assert "monthly_requests" not in read("At peak we expect about 3,000 lookups an hour.")
    assert read("Up to 400 chats a minute at peak, about 1.5M chats a month.")["monthly_requests"] == 1500000


def test_a_number_said_as_what_was_approved_is_money() -> None:
    got = read("40k is what the CFO approved for this.")
    assert got.get("budget_usd") == 40000
    assert "labeled_examples" not in got
    assert read("2,000 is the number of claims QA approved.").get("budget_usd") is None


# --- bullets, changes, prices ------------------------------------------------------------------------------


def test_a_bullet_dash_is_no_minus_sign() -> None:
    got = read("Our setup:\n- 9k labeled docs\n- 40k docs per month\n- budget 70k")
    assert got == {"labeled_examples": 9000, "monthly_requests": 40000, "budget_usd": 70000}
    assert "monthly_requests" not in read("readings of -20 a month")


def test_where_a_planned_change_goes_is_no_fact() -> None:
    got = read("We hope to scale from 4k to 40k bookings a month next year.")
    assert got.get("monthly_requests") not in {22000, 40000}


def test_a_change_that_happened_ends_at_what_is() -> None:
    assert read("Traffic grew from 6k to 9k chats a month this year.")["monthly_requests"] == 9000


def test_a_price_paid_or_charged_is_not_a_budget() -> None:
    got = read("Our old agency charged 12k a month for this work.")
    assert "budget_usd" not in got
    assert read("We spent 300k on the data platform; for this assistant the budget is 45k.")["budget_usd"] == 45000


def test_a_euro_amount_in_words_is_money() -> None:
    assert read("Budget at most 15 thousand euro.")["budget_usd"] == 15000


def test_how_long_something_takes_is_no_deadline() -> None:
    assert "deadline_weeks" not in read("We'd like to launch soon; onboarding a new hire takes 5 weeks.")
    assert read("It takes 7 weeks to go live, and that is our plan.")["deadline_weeks"] == 7


# --- what the counted items have or had done to them -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We kept 3,000 support chats and they're all tagged by topic.", 3000),
        ("We have 4,000 invoices, but only 900 have a cost centre code.", 900),
        ("About 2,500 answers were checked by our pharmacists.", 2500),
        ("Our 7k receipts are each labeled with a merchant category.", 7000),
    ],
)
def test_items_that_have_their_labels_are_labeled(text: str, value: int) -> None:
    assert read(text)["labeled_examples"] == value


def test_items_said_to_lack_labels_are_not_a_labeled_count() -> None:
    assert read("We have 6k emails and they're not labeled.").get("labeled_examples") != 6000
    assert read("We store 9k tickets and they arrive daily.").get("labeled_examples") is None


def test_each_after_a_count_is_still_per_class() -> None:
    assert read("12 categories, 150 labeled examples each.")["labeled_examples"] == 1800


def test_we_can_take_a_duration_is_an_allowance() -> None:
    assert read("We can take 4 months for this.")["deadline_weeks"] == pytest.approx(17.3, abs=0.1)
