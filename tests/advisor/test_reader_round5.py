"""Round 5: how the reader decides between readings, not which phrases it knows.

Two readings of one number field that disagree are not chosen by the order they were said in: a reading whose own
words say it is not this project's (an organisation's whole budget, unlabeled items, site traffic, a number said
before the message turns to its project) yields, and when two still disagree neither is stated and the later one
is asked about. A deadline date said again more exactly takes the restatement. A small ML head count described
as experienced reads strong. A yes/no cue quoted in a question, or hedged with a question mark, states nothing;
"cannot get it wrong" forbids a failure. Every sentence here was written for these tests; none comes from the
evaluation corpora or the bench sets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor import confirm
from bot.advisor.extract import Extraction, extract
from bot.advisor.reader.tokens import tokenize

TODAY = dt.date(2026, 11, 29)


def reading(text: str) -> Extraction:
    return extract(text, today=TODAY, turn=2)


def read(text: str) -> dict[str, Any]:
    out = reading(text).values()
    out.pop("industry", None)
    return out


def asked(text: str) -> list[tuple[float, tuple[str, ...]]]:
    return [(u.value, u.candidates) for u in reading(text).unclear]


# --- competing readings: never by order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "later"),
    [
        (
            "The pilot got a budget of $15k and closes in 2 weeks. The rollout gets a budget of $60k.",
            "budget_usd",
            60_000,
        ),
        ("Stakeholders see a demo in 3 weeks, and it goes to production in about 10 weeks.", "deadline_weeks", 10),
        ("Tool one handles 2,000 tickets/mo. Tool two handles ~700 tickets/mo.", "monthly_requests", 700),
    ],
)
def test_two_disagreeing_readings_are_asked_about_not_chosen(text: str, field: str, later: float) -> None:
    out = reading(text)
    assert field not in out.values()  # neither the first (the old rule) nor the second is asserted
    assert [(u.value, u.candidates) for u in out.unclear if field in u.candidates] == [(later, (field,))]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Budget is $30k-$40k for the first phase.", "budget_usd", 30_000),  # a range's ends are one reading
        ("About 4,000 requests/month. Call it 4,200 requests/month to be safe.", "monthly_requests", 4_000),
        ("We have 600 labeled examples and another 8,000 unlabeled ones.", "labeled_examples", 600),
        ("About 3k requests a month; the site itself gets 9M pageviews a month.", "monthly_requests", 3_000),
    ],
)
def test_readings_that_agree_or_yield_are_still_read(text: str, field: str, value: float) -> None:
    assert read(text)[field] == pytest.approx(value, rel=0.01)
    assert not reading(text).unclear


def test_a_self_correction_anywhere_between_two_readings_settles_them() -> None:
    text = "We have around 2k labeled - hmm no wait, I looked it up and it is 2,900 labeled rows."
    assert read(text)["labeled_examples"] == 2_900


def test_what_was_yields_to_what_is_without_a_question() -> None:
    out = reading("Requests: 900 a week now (it was 400 a week last year).")
    assert out.values()["monthly_requests"] == pytest.approx(3_900, rel=0.01)
    assert not out.unclear


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("The division's overall budget is $4M for all its tools.", "budget_usd"),
        ("Our company's operating budget is $9M a year.", "budget_usd"),
    ],
)
def test_a_reading_its_own_words_demote_is_asked_not_stated(text: str, field: str) -> None:
    out = reading(text)
    assert field not in out.values()
    assert any(u.candidates == (field,) for u in out.unclear)


@pytest.mark.parametrize(
    "text",
    [
        "Two years ago we ran a forecasting project on 30k labeled rows for $150k. New project: a triage bot.",
        "Our previous vendor charged $200k and took a year. This time we want a small FAQ assistant.",
    ],
)
def test_numbers_before_the_message_turns_to_its_project_are_not_stated(text: str) -> None:
    got = read(text)
    assert "budget_usd" not in got and "labeled_examples" not in got and "deadline_weeks" not in got


def test_the_projects_own_numbers_after_the_turn_are_read() -> None:
    text = "Last year a churn model cost us $90k. New project: invoice coding, budget $25k, 1,200 invoices a month."
    got = read(text)
    assert got["budget_usd"] == 25_000 and got["monthly_requests"] == 1_200
    assert not reading(text).unclear


def test_a_number_in_the_same_clause_as_this_project_is_not_turned_away() -> None:
    assert read("For this project we have 5,000 labeled emails.")["labeled_examples"] == 5_000


# --- a deadline said again more exactly -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("We need it before the holidays, so roughly 3 weeks.", 3.0),
        ("Go-live is before spring, i.e. by the end of February.", 13.0),
    ],
)
def test_a_restated_deadline_takes_the_exact_restatement(text: str, weeks: float) -> None:
    assert read(text)["deadline_weeks"] == pytest.approx(weeks, abs=0.6)


SEASONS_APART = "We must launch before summer, say by mid-January."


def test_a_restatement_that_disagrees_by_more_than_a_season_is_asked() -> None:
    out = reading(SEASONS_APART)
    assert "deadline_weeks" not in out.values()
    assert [u.candidates for u in out.unclear] == [("deadline_weeks",)]
    assert out.unclear[0].value == pytest.approx(6.7, abs=0.6)  # mid-January, the later and more exact


def test_a_deadline_question_reads_yes_and_no() -> None:
    u = reading(SEASONS_APART).unclear[0]
    q = confirm.question(u)
    assert "weeks from now" in q.text and "mid-january" in q.text.lower() and q.field == "deadline_weeks"
    yes = confirm.resolve(u, "yes", turn=3)
    assert yes is not None and yes[0].field == "deadline_weeks" and yes[0].value == u.value
    assert confirm.resolve(u, "no", turn=3) == []
    assert confirm.resolve(u, "no, more like 10 weeks", turn=3) is None  # another number: read as a message


# --- experience of a small ML team ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We have 2 senior ML engineers.",
        "Our 1 data scientist has shipped three models to production.",
        "ML: 2 NLP engineers with a PhD background in speech.",
    ],
)
def test_a_small_experienced_ml_team_is_strong(text: str) -> None:
    assert read(text)["ml_expertise"] == "strong"


@pytest.mark.parametrize(
    "text",
    [
        "We have 2 ML engineers.",
        "We have 1 data scientist, not senior, who mostly builds dashboards.",
        "Our 2 ML engineers are new grads. Our product shipped last year.",
    ],
)
def test_a_small_ml_team_without_such_words_is_limited(text: str) -> None:
    assert read(text)["ml_expertise"] == "limited"


# --- label quality said by degree ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quality"),
    [
        ("We have 3k labeled claims but the labels are inconsistent.", "mixed"),
        ("We have 3k labeled claims, the labels are patchy.", "mixed"),
        ("We have 3k labeled claims, the labels are really inconsistent.", "poor"),
        ("We have 3k labeled claims; labels are a little messy.", "mixed"),
        ("We have 3k labeled claims; the labels are messy.", "poor"),
    ],
)
def test_label_quality_follows_the_degree_said(text: str, quality: str) -> None:
    assert read(text)["data_quality"] == quality


# --- yes/no cues that state nothing, and a forbidden failure -------------------------------------------------


def test_quotes_mark_the_words_they_enclose_and_an_apostrophe_opens_nothing() -> None:
    tokens = tokenize("what does 'regulated' mean for our users' data?")
    assert [t.text for t in tokens if t.quoted] == ["regulated"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("How do I answer 'regulated' on the form? We're a bakery.", "regulated"),
        ('What counts as "mission critical" for an internal wiki?', "mission_critical"),
        ("it's only public data so no PII i think?", "sensitive_data"),
    ],
)
def test_a_mentioned_or_hedged_cue_states_nothing(text: str, field: str) -> None:
    assert field not in read(text)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("This is 'mission critical' for the trading desk.", "mission_critical", True),  # scare quotes, no question
        ("Is it a problem that the data has PHI?", "sensitive_data", True),  # a question's presupposition
        ("No PII in there, I think.", "sensitive_data", False),  # a hedge without a question mark still states
    ],
)
def test_quoted_or_questioned_cues_that_are_used_still_state(text: str, field: str, value: bool) -> None:
    assert read(text)[field] is value


@pytest.mark.parametrize(
    "text",
    ["Our reviewers cannot get it wrong.", "Honestly we must not get this wrong."],
)
def test_cannot_fail_is_a_demand_not_a_denial(text: str) -> None:
    assert read(text)["mission_critical"] is True


def test_a_negated_failure_without_cannot_still_denies() -> None:
    assert read("If the summary is wrong it's not a big deal, nobody gets hurt.")["mission_critical"] is False


# --- binders confined to their units ----------------------------------------------------------------------------


def test_each_group_multiplies_by_the_count_of_groups() -> None:
    got = read("We're 4 crews of ~10 techs and each crew closes about 50 jobs a week.")
    assert got["monthly_requests"] == pytest.approx(4 * 50 * 4.3333, rel=0.02)


@pytest.mark.parametrize("text", ["Family business, founded 1987, we want a quote helper.", "Operating since 2011."])
def test_a_year_after_a_word_of_when_is_no_amount(text: str) -> None:
    out = reading(text)
    assert not {"budget_usd", "monthly_requests", "labeled_examples"} & set(out.values())
    assert not out.unclear


def test_a_year_with_a_possessive_is_no_amount() -> None:
    out = reading("That target was 2023's plan.")
    assert not out.unclear and "monthly_requests" not in out.values()


def test_a_later_number_corrects_an_earlier_one_across_a_distant_actually() -> None:
    text = "We handle roughly 60,000 forms a year. Oh actually that was the old figure, now it is closer to 90k."
    assert read(text)["monthly_requests"] == pytest.approx(7_500, rel=0.02)


def test_a_later_number_without_a_correction_does_not_replace_the_first() -> None:
    text = "We handle roughly 60,000 forms a year. The archive holds 90k."
    assert read(text)["monthly_requests"] == pytest.approx(5_000, rel=0.02)


def test_a_count_nobody_owns_does_not_contest_a_weak_deadline() -> None:
    out = reading("Sorting claims into 12 reasons, 40k labeled claims, 8 months.")
    assert out.values()["deadline_weeks"] == pytest.approx(34.7, abs=0.2)
    assert all("deadline_weeks" not in u.candidates for u in out.unclear)


def test_two_weak_readings_of_a_field_raise_one_question_about_the_later() -> None:
    assert asked("2 weeks? hmm, 2 months. I misremembered.") == [(8.7, ("deadline_weeks",))]


def test_nothing_is_asked_about_a_reading_that_rounds_to_nothing() -> None:
    assert all(u.value > 0 for u in reading("Two things on our plate, one of them urgent.").unclear)


def test_wanting_a_new_tool_is_no_turn_to_another_project() -> None:
    got = read("We have 20k labeled tickets and 3k new ones a month. We want a new bot to route them.")
    assert got["labeled_examples"] == 20_000 and got["monthly_requests"] == 3_000
