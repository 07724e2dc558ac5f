"""Round 10 of the reader: skills said as owning models, suppositions past a filler, shares of a larger sum, asks
corrected, parts of one labeled count, label quality from how labels were judged, stakes as forbidden failures,
whose data it is, hourly rates over a working day, and a "not labeled" said of one part of the data.

Sentences are written for these tests (varied order, register, typos, non-native English); each mechanism has cases
that must read and cases that must stay silent or ask.
"""

from __future__ import annotations

import pytest

from tests.advisor.reading import asked, facts

# --- ML expertise said as owning the models the business runs on ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Our risk analytics group is 7 people and they built the scoring models themselves.",
        "we have a real data science team (4 ppl), they run all our demand models",
        "the data team is good - they ship models to prod every sprint",
        "me + 2 MLEs, both have trained plenty of models at their last jobs",
        "Our analysts who maintain the churn models would own it.",
    ],
)
def test_a_team_that_owns_models_is_strong(text: str) -> None:
    assert facts(text)["ml_expertise"] == "strong"


@pytest.mark.parametrize(
    "text",
    [
        "Nobody here is technical, we are a travel agency.",
        "honestly noone there is techy",
        "We have no one for machine learning in the company.",
    ],
)
def test_no_technical_people_is_none(text: str) -> None:
    assert facts(text)["ml_expertise"] == "none"


@pytest.mark.parametrize(
    "text",
    [
        "they built one model once, years ago, nothing since",
        "they don't build models, they are accountants",
        "we've got people who played with langchain but no one doing ML for real",
    ],
)
def test_no_owned_models_is_not_strong(text: str) -> None:
    assert facts(text).get("ml_expertise") != "strong"


def test_a_good_word_about_the_data_team_is_not_label_quality() -> None:
    found = facts("The data team is great, they run our forecasting models. We have 3k labeled orders.")
    assert "data_quality" not in found
    assert found["ml_expertise"] == "strong"


# --- a supposition goes on past a filler set off by commas --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "if we had, say, 8k tagged emails and a 15k budget, is fine-tuning realistic?",
        "If we got, like, 300 chats a day, would a bot pay off?",
        "Suppose we had, say, 2,000 labeled receipts - enough?",
    ],
)
def test_a_supposition_interrupted_by_a_filler_states_nothing(text: str) -> None:
    found = facts(text)
    assert not {"labeled_examples", "budget_usd", "monthly_requests"} & found.keys()


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we get, say, 400 tickets a day and the budget is 25k", "monthly_requests", 12000),
        ("so, say, 400 tickets a day. budget is 25k", "budget_usd", 25000),
    ],
)
def test_a_filler_without_a_supposition_still_states(text: str, field: str, value: float) -> None:
    assert facts(text)[field] == pytest.approx(value, rel=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "how long do these usually take? our last one ran 6 months and cost about $120k",
        "The previous one cost us 40k.",
    ],
)
def test_the_cost_of_an_earlier_project_is_no_budget(text: str) -> None:
    assert "budget_usd" not in facts(text)


def test_this_projects_budget_beside_an_earlier_ones_cost() -> None:
    assert facts("the previous one cost us 40k, this one has a 25k budget").get("budget_usd") in (None, 25000)


# --- this project's share of a larger sum -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The program has €2M overall, for this piece maybe 200.000 €.", 200_000),
        ("Funding landed: $900k total for the modernisation, of which $90k is for the chatbot part.", 90_000),
        ("Our grant is $80k over two years but only 30k of it is for the tech side.", 30_000),
        ("40k for this pilot, out of a $300k innovation grant", 40_000),
        ("$500k for the whole platform program, maybe 60k for this part", 60_000),
    ],
)
def test_the_share_for_this_project_is_the_budget(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == value


@pytest.mark.parametrize(
    "text",
    [
        "the department has $2M, of which 300k is for the other project",
        "our budget is 500k for the whole program, the rest of the company has more",
    ],
)
def test_a_share_for_something_else_is_not_read_as_this_projects(text: str) -> None:
    assert facts(text).get("budget_usd") != 300_000


def test_a_count_for_this_project_is_not_money() -> None:
    found = facts("we have a $50k budget, and 2,000 tickets for this project")
    assert found.get("budget_usd") != 2000


# --- an amount later called the ask -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("finance gave us 90k approved - wait no, 90k was the ask, we got 70k", 70_000),
        ("120k was what we requested, we got 85k", 85_000),
        ("sorry, scratch that: 50k was the ask. we got 35k.", 35_000),
        ("The ask was €30k, they gave us 25k.", 25_000),
    ],
)
def test_what_was_got_after_the_ask_is_the_budget(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == value


def test_a_count_got_after_an_ask_is_not_money() -> None:
    text = "we asked for 100k; we got 2,000 tickets a month"
    assert facts(text).get("budget_usd") != 2000
    assert 100_000 in asked(text)


# --- parts of one labeled count, said with no noun of their own ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we have 4k labeled + 800 more from the pilot client", 4800),
        ("annotated defects: 500 from line audits + 300 from returns + 70 from field reports", 870),
        ("labeled pairs: 3k from our team and another 2k the agency did", 5000),
        ("Labeled: 900 from the helpdesk plus 300 from email.", 1200),
    ],
)
def test_parts_of_one_labeled_count_are_summed(text: str, value: float) -> None:
    assert facts(text)["labeled_examples"] == value


@pytest.mark.parametrize(
    "text",
    [
        "we have 3k labeled tickets and 2k more coming next month",
        "we have 3k labeled tickets and also 200k raw emails",
        "we have 3k labeled tickets and another 40 agents",
        "we have 3k labeled tickets and then 40 agents",
    ],
)
def test_a_part_to_come_or_of_something_else_is_not_added(text: str) -> None:
    assert facts(text)["labeled_examples"] == 3000


# --- label quality from how the labels were made and judged -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3,000 essays were graded independently by two teachers and they agreed about 90% of the time.",
        "800 notes were coded separately by two nurses, disagreements adjudicated by a physician.",
        "We have 1,500 annotated x-rays, each double-read by radiologists.",
    ],
)
def test_labels_made_apart_and_reconciled_are_high(text: str) -> None:
    assert facts(text)["data_quality"] == "high"


@pytest.mark.parametrize(
    "text",
    [
        "we have 9k rated calls but the raters disagreed on about half of them, so I would not trust those scores",
        "10k tagged tickets - honestly I wouldn't trust those tags at all",
    ],
)
def test_disagreement_on_half_or_the_writers_distrust_is_poor(text: str) -> None:
    assert facts(text)["data_quality"] == "poor"


@pytest.mark.parametrize(
    "text",
    [
        "6,000 labeled claims: the first 4k by senior adjusters and solid, the rest rushed by interns",
        "we've tagged about 8k reviews, some taggers are careful and others just click anything",
    ],
)
def test_solid_work_beside_rushed_or_careless_work_is_mixed(text: str) -> None:
    assert facts(text)["data_quality"] == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "we have 4k labeled tickets but I don't trust the vendor",
        "we have 4k labeled tickets, reviewers disagreed on about 10% of them",
    ],
)
def test_distrust_of_someone_or_a_small_disagreement_is_not_poor(text: str) -> None:
    assert facts(text).get("data_quality") != "poor"


# --- stakes said as a forbidden failure, a grade or a big deal ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "if the dispatch queue stalls ambulances wait, so it can't go down",
        "we cannot miss a single allergy flag",
        "Errors are not an option for dosage labels.",
        "Criticality: high, a bad routing stops the plant.",
        "the stakes are high here",
        "a wrong translation in a drug leaflet is a really big deal",
    ],
)
def test_stakes_said_as_a_forbidden_failure_are_critical(text: str) -> None:
    assert facts(text)["mission_critical"] is True


@pytest.mark.parametrize(
    "text",
    [
        "it's not a big deal if it's wrong sometimes",
        "Criticality: low, internal tool only",
    ],
)
def test_low_stakes_are_not_critical(text: str) -> None:
    assert facts(text)["mission_critical"] is False


@pytest.mark.parametrize(
    "text",
    [
        "Missing the deadline is not an option, but the tool itself only suggests tags.",
        "GDPR is a big deal for us since our users are in Europe.",
        "privacy is a really big deal to our members",
    ],
)
def test_the_weight_of_a_deadline_or_a_rule_is_not_the_stakes_of_failure(text: str) -> None:
    assert facts(text).get("mission_critical") is not True


# --- whose data it is, and who rules over it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "fraud desk: ~2k alerts a day, all of it customer transaction data",
        "it is mostly client tax data from our small business customers",
        "we triage patient messages for a clinic network",
        "the client portfolios of our advisors are part of the data",
    ],
)
def test_data_about_peoples_money_or_health_is_sensitive(text: str) -> None:
    assert facts(text)["sensitive_data"] is True


@pytest.mark.parametrize(
    "text",
    [
        "IRS rules on return preparers apply to everything we do",
        "Our insurer is supervised by BaFin.",
        "the FTC has opinions about our marketing claims",
    ],
)
def test_a_regulator_named_is_regulated(text: str) -> None:
    assert facts(text)["regulated"] is True


@pytest.mark.parametrize(
    "text",
    [
        "we want to summarize FERC filings and SEC press releases for our traders",
        "pharmacy chain, but the bot only answers store hours, no health info at all",
    ],
)
def test_a_regulators_publications_or_a_denied_health_cue_leave_regulated_open(text: str) -> None:
    assert facts(text).get("regulated") is not True


def test_a_public_body_beside_a_data_team_is_not_public_data() -> None:
    found = facts("City public health department, data team. Reports carry patient names, so yes, sensitive.")
    assert found["sensitive_data"] is True


# --- hourly rates over a working day, shifts over working days ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("about 60 requests an hour over a 12-hour service day", 60 * 12 * 30),
        ("we get 50 tickets an hour, 10 hours a day", 50 * 10 * 30),
        ("~500 scans per shift, 2 shifts, 5 days a week", 500 * 2 * 5 * 4.33),
        ("each line makes about 90 reports per shift, 3 shifts, 6 days a week", 90 * 3 * 6 * 4.33),
    ],
)
def test_rates_cover_the_hours_and_days_the_work_runs(text: str, value: float) -> None:
    assert facts(text)["monthly_requests"] == pytest.approx(value, rel=0.02)


def test_an_hourly_rate_with_hours_in_another_sentence_stays_round_the_clock() -> None:
    assert facts("we get 50 tickets an hour. The team works 8-hour days.")["monthly_requests"] == 50 * 720


# --- "not labeled" of one part of the data ------------------------------------------------------------------------


def test_not_labeled_beside_labeled_data_is_no_zero() -> None:
    text = "Our scans are not labeled at all. What is labeled is the repair log, about 6,000 entries."
    assert facts(text).get("labeled_examples") != 0


@pytest.mark.parametrize(
    "text",
    [
        "nothing is labeled. we have 20k tickets.",
        "The photos are labeled? no, nothing is labeled yet.",
    ],
)
def test_not_labeled_alone_is_zero(text: str) -> None:
    assert facts(text)["labeled_examples"] == 0


# --- the writer's own verdict on how often things change ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Our tariff tables change a few times per year, surcharges too. So yeah, I'd say often.", True),
        ("the style guide changes with every new editor (so every ~3 years, not really often)", False),
        ("the rules change once a year. I'd say not often.", False),
    ],
)
def test_the_writers_verdict_on_change_decides(text: str, value: bool) -> None:
    assert facts(text)["changes_often"] is value


def test_how_often_is_no_verdict() -> None:
    assert facts("the catalog changes every week, how often would we retrain?")["changes_often"] is True


# --- money not decided yet, set aside for something else, or of a larger whole ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We have 0 budget approved so far, finance wants a business case first.",
        "budget: $0 for now",
    ],
)
def test_a_zero_not_yet_decided_is_no_budget(text: str) -> None:
    assert "budget_usd" not in facts(text)


def test_a_zero_budget_said_plainly_is_read() -> None:
    assert facts("budget is 0, we do this on the side")["budget_usd"] == 0


def test_money_set_aside_for_a_license_is_not_this_projects() -> None:
    text = "We got $400k for the whole data program; $250k is earmarked for the platform license."
    found = facts(text)
    assert "budget_usd" not in found
    assert 400_000 in asked(text)


@pytest.mark.parametrize(("text", "value"), [("we have $100k for the whole thing", 100_000)])
def test_money_for_the_whole_project_is_its_budget(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == value


@pytest.mark.parametrize(
    "text",
    [
        "would anything change if our data were regulated (like HIPAA)? we're a game studio, just curious",
        "if it's regulated (e.g. GDPR) what changes?",
    ],
)
def test_an_example_in_brackets_inside_a_supposition_states_nothing(text: str) -> None:
    found = facts(text)
    assert found.get("regulated") is not True
    assert found.get("sensitive_data") is not True


def test_an_example_in_brackets_after_a_statement_is_read() -> None:
    assert facts("we're regulated (like HIPAA), 5k notes a month")["regulated"] is True


# --- labels named by who wrote them; "not have" without "do" ------------------------------------------------------


def test_items_with_expert_written_outputs_are_labeled() -> None:
    found = facts("about 2,500 of the products already have editor-written blurbs, really excellent ones")
    assert found["labeled_examples"] == 2500


@pytest.mark.parametrize("text", ["We not have labeled data, only old chats.", "they not have any tagged examples"])
def test_not_have_without_do_is_no_labels(text: str) -> None:
    assert facts(text)["labeled_examples"] == 0


def test_not_have_budget_is_not_labels() -> None:
    assert "labeled_examples" not in facts("we not have budget yet")
