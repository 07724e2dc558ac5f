"""Who owns a number, pattern by pattern: each class of reading has cases that must be read and cases that must
stay unknown (a wrong value is worse than a miss).

Every sentence here was written for these tests; none comes from the evaluation corpora or the bench sets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor.extract import extract
from bot.advisor.reader.numbers import find_quantities
from bot.advisor.reader.tokens import tokenize

TODAY = dt.date(2026, 11, 29)


def read(text: str) -> dict[str, Any]:
    return extract(text, today=TODAY, turn=2).values()


def weak(text: str) -> set[str]:
    return extract(text, today=TODAY, turn=2).weak


# --- a count of classes is not a count of examples --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the bot should sort incoming letters into 32 codes",
        "each chat maps to one of 14 intents",
        "we route everything to 22 queues",
        "invoices get one of 450 GL codes",
        "the scheme has 75 label types",
        "our taxonomy has 120 tags",
        "there are 60 labels in the schema",
        "we grade on 5 severity levels",
        "3 kinds of documents come in",
    ],
)
def test_a_count_of_classes_is_never_a_count_of_examples(text: str) -> None:
    got = read(text)
    assert "labeled_examples" not in got and "monthly_requests" not in got


def test_a_count_of_classes_is_not_asked_about_either() -> None:
    assert extract("we file emails under 40 categories", today=TODAY, turn=2).unclear == []


@pytest.mark.parametrize(
    ("text", "examples"),
    [
        ("6 categories and roughly 7k annotated tickets", 7000),
        ("1,500 labeled photos across 11 classes", 1500),
        ("support gave us 3k labels last spring", 3000),  # "labels" with no label-set words is a data set
    ],
)
def test_examples_next_to_a_count_of_classes_are_still_read(text: str, examples: int) -> None:
    assert read(text)["labeled_examples"] == examples


@pytest.mark.parametrize(
    ("text", "examples"),
    [
        ("400 examples per class, 8 classes", 3200),
        ("12 intents with roughly 250 labeled examples each", 3000),
    ],
)
def test_a_per_class_count_is_multiplied_by_the_number_of_classes(text: str, examples: int) -> None:
    assert read(text)["labeled_examples"] == examples


def test_a_per_class_count_without_the_number_of_classes_is_not_read() -> None:
    assert "labeled_examples" not in read("we have about 300 examples per intent")


# --- money: the number before the word "budget", and money that is not a budget ---------------------------


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("there's a 300k budget for it", 300_000),
        ("a 90k budget, four months", 90_000),
        ("we have 60k set aside for a pilot", 60_000),
        ("the CFO approved 150k last week", 150_000),
        ("we did $25M revenue last year and the project has a 70k budget", 70_000),
    ],
)
def test_a_number_before_the_word_budget_is_the_budget(text: str, budget: float) -> None:
    assert read(text)["budget_usd"] == budget


@pytest.mark.parametrize(
    "text",
    [
        "our ARR is 900k",
        "we bring in 3 million a year in revenue",
        "every invoice costs us $6 to process",
        "the vendor's quote was $180k",
    ],
)
def test_money_that_is_not_the_projects_budget_stays_unknown(text: str) -> None:
    got = read(text)
    assert "budget_usd" not in got and "labeled_examples" not in got and "monthly_requests" not in got


# --- people, identifiers and team totals ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "GDPR Article 22 applies to this",
        "we're ISO 27001 and SOC 2 certified",
        "the filing falls under Rule 144",
    ],
)
def test_a_number_that_names_something_counts_nothing(text: str) -> None:
    got = read(text)
    assert not {"labeled_examples", "monthly_requests", "budget_usd"} & set(got)


def test_a_teams_total_is_not_multiplied_by_the_company_head_count() -> None:
    assert read("we have 1,800 employees and the claims team handles 7k claims a month")["monthly_requests"] == 7000


def test_uses_per_person_are_multiplied_by_the_people() -> None:
    assert read("40 nurses would use it, maybe 6 times a day each")["monthly_requests"] == 7200


def test_how_often_something_happens_alone_is_not_a_volume() -> None:
    assert "monthly_requests" not in read("we meet 3 times a week")


# --- vague magnitudes: the geometric middle of the order of magnitude, marked as an estimate ----------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("tens of thousands of chats a month", "monthly_requests", 30_000),
        ("hundreds of thousands of lookups a month", "monthly_requests", 300_000),
        ("we'd expect tens of millions of calls per month", "monthly_requests", 30_000_000),
        ("tens of thousands of annotated receipts", "labeled_examples", 30_000),
    ],
)
def test_orders_of_magnitude_read_as_their_middle(text: str, field: str, value: float) -> None:
    assert read(text)[field] == value
    assert field in weak(text)  # an estimate a model reading may replace, never a stated figure


def test_a_stated_figure_is_not_marked_as_an_estimate() -> None:
    assert "monthly_requests" not in weak("about 30,000 chats a month")


# --- deadlines ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("it must be running within 5 weeks", 5),
        ("we need it up and running in 3 weeks", 3),
        ("it should be live within two months", 8.7),
        ("timeline is 4 months", 17.3),
    ],
)
def test_go_live_durations_are_deadlines(text: str, weeks: float) -> None:
    assert read(text)["deadline_weeks"] == pytest.approx(weeks, abs=0.1)


@pytest.mark.parametrize(
    "text",
    [
        "the tool has been running for 6 years",
        "I'm presenting this at a board meeting in 3 weeks",
        "we could tag about 1k samples in a couple of weeks",
        "our docs change every sprint (2 weeks)",
        "our fiscal year ends in 4 months",
        "it was due Oct 1 but that slipped",
        "it's the top priority this quarter",
        "can you send the report before the Q2 review?",
    ],
)
def test_durations_and_dates_of_other_things_are_not_deadlines(text: str) -> None:
    assert "deadline_weeks" not in read(text)


# --- negations, denials and hedges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we have no labeled data yet, though we could label ~3k if needed", "labeled_examples", 0),
        ("we don't have 20k labeled examples, more like 800", "labeled_examples", 800),
        ("not 4,000 tickets a day, 400", "monthly_requests", 12_000),
        ("the deadline isn't 2 months, it's 5 weeks", "deadline_weeks", 5),
        ("we can't spend 100k, more like 30k", "budget_usd", 30_000),
        ("budget is maybe 8k, not sure yet", "budget_usd", 8000),
        ("perhaps 12k labeled emails, I'd have to check", "labeled_examples", 12_000),
        ("we can spend no more than 40k", "budget_usd", 40_000),
    ],
)
def test_denials_and_hedges(text: str, field: str, value: float) -> None:
    assert read(text)[field] == pytest.approx(value, rel=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "how many labeled examples would we need? is 1,000 enough?",
        "we plan to annotate 5k tickets next quarter",
        "three annotators could label about 150 a week",
    ],
)
def test_data_that_does_not_exist_yet_is_not_read(text: str) -> None:
    got = read(text)
    assert "labeled_examples" not in got and "monthly_requests" not in got


# --- cues: quality, stakes, change, expertise ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("our labels are inconsistent across regions", "data_quality", "mixed"),
        ("the annotators use different criteria, so the labels vary", "data_quality", "mixed"),
        ("the tags are kinda noisy", "data_quality", "mixed"),
        ("the tags are super noisy", "data_quality", "poor"),
        ("the labels were done by board-certified physicians", "data_quality", "high"),
        ("the policy is revised once a year", "changes_often", False),
        ("the rules change every year and several times in between", "changes_often", True),
        ("if it mislabels one, an agent just fixes it", "mission_critical", False),
        ("people's safety depends on it", "mission_critical", True),
        ("we have an ML team of 4, all fresh grads and juniors", "ml_expertise", "limited"),
    ],
)
def test_cues(text: str, field: str, value: Any) -> None:
    assert read(text)[field] == value


# --- per-unit volumes and corrections across sentences -------------------------------------------------------


def test_each_of_the_counted_units_multiplies_their_rate() -> None:
    assert read("each of our 40 branches files about 5 reports a day")["monthly_requests"] == 6000


def test_a_share_with_nothing_to_multiply_it_by_is_not_read_as_the_total() -> None:
    assert "monthly_requests" not in read("every technician closes about 6 jobs a day")


def test_a_slash_between_adjectives_is_not_a_per_unit_rate() -> None:
    assert read("about 90 new/renewed policies per month")["monthly_requests"] == 90


def test_a_number_in_a_later_sentence_corrects_only_when_it_says_so() -> None:
    assert read("Volume: 500/day. Data: a spreadsheet, so we have about 20k.")["monthly_requests"] == 15_000
    assert read("about 2k tickets a week. sorry, I meant 3k")["monthly_requests"] == pytest.approx(13_000, rel=0.01)


def test_a_growth_goal_by_next_year_is_not_a_deadline() -> None:
    assert "deadline_weeks" not in read("we have 2,000 users now and are hoping for 20k by next year")


@pytest.mark.parametrize(
    ("text", "value"),
    [("12 500", 12_500), ("3 000 000", 3_000_000), ("12.500", 12_500), ("2.400.000", 2_400_000), ("2.5", 2.5)],
)
def test_spaces_and_dots_as_thousands_separators(text: str, value: float) -> None:
    found = find_quantities(tokenize(text))
    assert len(found) == 1 and found[0].value == value


def test_a_count_before_a_hyphenated_number_is_not_joined_to_it() -> None:
    assert [q.value for q in find_quantities(tokenize("4 300-page binders"))] == [4, 300]


# --- things that were, and decisions that come before the work ---------------------------------------------


def test_a_former_budget_gives_way_to_the_current_one() -> None:
    assert read("our previous budget was 400k, this year it's 90k")["budget_usd"] == 90_000


def test_a_former_ml_team_is_not_the_team_there_is_now() -> None:
    assert "ml_expertise" not in read("we had 3 ML engineers until spring but they all left")


def test_a_short_ml_line_saying_none() -> None:
    assert read("ML: none. budget: 15k")["ml_expertise"] == "none"


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("sign-off on the vendor decision in 3 weeks, live in 4 months", 17.3),
        ("we have 2 years to show results", 104),
    ],
)
def test_the_go_live_is_the_deadline(text: str, weeks: float) -> None:
    assert read(text)["deadline_weeks"] == pytest.approx(weeks, abs=0.1)


@pytest.mark.parametrize("text", ["we have 45 days to decide", "we have 6 years and about 80k emails"])
def test_decisions_and_years_of_history_are_not_deadlines(text: str) -> None:
    assert "deadline_weeks" not in read(text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("we are a small law firm", "regulated"),
        ("our users are sensitive about tone", "sensitive_data"),
        ("it's critical that answers come back fast", "mission_critical"),
        ("the only key thing is price", "mission_critical"),
    ],
)
def test_the_words_of_a_cue_meaning_something_else_say_nothing(text: str, field: str) -> None:
    assert field not in read(text)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("if it's offline for a day nobody minds", "mission_critical", False),
        ("the manual gets revised once in a blue moon", "changes_often", False),
        ("it is critical that every dose is right", "mission_critical", True),
    ],
)
def test_more_cues(text: str, field: str, value: Any) -> None:
    assert read(text)[field] == value


def test_no_data_scientists_is_about_the_team_not_the_data() -> None:
    got = read("IT has 25 people, no data scientists")
    assert "labeled_examples" not in got and got["ml_expertise"] == "none"


def test_how_long_past_work_took_is_not_a_deadline() -> None:
    assert "deadline_weeks" not in read("a contractor hacked together a demo in 3 days")
    assert read("we need it live in 5 weeks; the demo took 3 days")["deadline_weeks"] == 5


def test_a_number_in_a_how_much_question_is_a_what_if() -> None:
    assert "labeled_examples" not in read("How much would fine-tuning on 20k examples cost?")
    assert read("how many do we need? we have 4k labeled")["labeled_examples"] == 4000


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we have no tech staff at all", "ml_expertise", "none"),
        ("our one analyst dabbles in ML", "ml_expertise", "limited"),
        ("there's a solid ML team down the hall", "ml_expertise", "strong"),
        ("a manager signs off on every letter", "mission_critical", False),
        ("risk calls it high-risk", "mission_critical", True),
        ("it touches borrowers' financial details", "sensitive_data", True),
        ("these notes are deeply personal", "sensitive_data", True),
        ("2,400 confirmed fraud cases", "labeled_examples", 2400),
    ],
)
def test_cue_words_people_use(text: str, field: str, value: Any) -> None:
    assert read(text)[field] == value


def test_no_tech_debt_says_nothing_about_the_team() -> None:
    assert "ml_expertise" not in read("we have no tech debt to speak of")


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("it should ship in a month and a half", "deadline_weeks", 6.5),
        ("go-live in three and a half months", "deadline_weeks", 15.2),
        ("4-6 weeks would be ideal", "deadline_weeks", 5),
        ("annual volume: 120k", "monthly_requests", 10_000),
    ],
)
def test_halves_targets_and_annual_volumes(text: str, field: str, value: float) -> None:
    assert read(text)[field] == pytest.approx(value, abs=0.1)


def test_a_year_and_a_half_of_history_is_not_a_deadline() -> None:
    assert "deadline_weeks" not in read("we've been at this for a year and a half")
