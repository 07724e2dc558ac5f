"""Round 7 of the reader: mechanisms that keep wrong values out on text nobody tuned on.

Sentences are written for these tests; each mechanism has cases that must read and cases that must not.
"""

from __future__ import annotations

import pytest

from tests.advisor.reading import asked, facts

# --- a change said right after a number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Our budget was 60k, now cut in half.", "budget_usd", 30_000),
        ("At first the budget was $90,000 but finance has since cut it by a third.", "budget_usd", 60_000),
        ("the budget was 50k, then procurement cut it by 20%", "budget_usd", 40_000),
        ("Budget was $70k but it got cut to $45k in October.", "budget_usd", 45_000),
        ("Spend was 20k. It has since been doubled.", "budget_usd", 40_000),
        ("about 6,000 tagged images, halved after we dropped the blurry ones", "labeled_examples", 3_000),
    ],
)
def test_a_change_said_of_the_number_applies_to_it(text: str, field: str, value: float) -> None:
    got = facts(text).get(field)
    assert got is not None and abs(got - value) <= 0.01 * value


def test_a_change_to_a_new_amount_takes_the_number_after_to_and_reads_it_nowhere_else() -> None:
    got = facts("Budget was 40k but leadership trimmed it to 28k last month.")
    assert got.get("budget_usd") == 28_000
    assert "monthly_requests" not in got  # "28k last month" is the new budget, not a volume


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        # a comparison describes the number said; it changes nothing
        ("We handle 12k chats a month, down 20% from last year.", "monthly_requests", 12_000),
        ("volume is 30k/mo, doubled since 2024", "monthly_requests", 30_000),
        # a bound is not a change
        ("budget is 30k, up to 50k if the pilot works", "budget_usd", 30_000),
        # the change is said of another subject
        ("Budget is 25k and our ticket volume doubled recently.", "budget_usd", 25_000),
        ("We had roughly 8k labeled claims, then the backlog review doubled.", "labeled_examples", 8_000),
    ],
)
def test_comparisons_bounds_and_other_subjects_change_nothing(text: str, field: str, value: float) -> None:
    assert facts(text).get(field) == value


@pytest.mark.parametrize(
    "text",
    ["Budget is 80k but it might get cut in half.", "we have a $50k budget, though it may be slashed by 30% in Q2"],
)
def test_a_supposed_change_states_no_budget_and_asks(text: str) -> None:
    assert "budget_usd" not in facts(text)
    assert asked(text)


# --- a count in two parts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we have 30k tagged emails + 5k tagged chats", "labeled_examples", 35_000),
        ("about 20k labeled tickets plus 3k labeled calls", "labeled_examples", 23_000),
        ("it reads ~12k invoices + 3k credit notes a month", "monthly_requests", 15_000),
    ],
)
def test_two_parts_of_one_count_are_added(text: str, field: str, value: float) -> None:
    assert facts(text).get(field) == value


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("we have 40 agents + 5k chats a month", "monthly_requests", 5_000),  # people are no part of a volume
        ("12k labeled tickets + 300 a month new ones", "labeled_examples", 12_000),  # another field
        ("12 categories + 4k labeled examples", "labeled_examples", 4_000),  # a count of classes
    ],
)
def test_parts_of_other_kinds_are_not_added(text: str, field: str, value: float) -> None:
    assert facts(text).get(field) == value


def test_unlabeled_and_labeled_parts_are_not_added() -> None:
    got = facts("we have 30k raw emails + 5k tagged chats")
    assert got.get("labeled_examples") != 35_000


# --- shares and units ------------------------------------------------------------------------------------------


def test_a_share_per_named_unit_multiplies_by_the_count_of_that_unit() -> None:
    text = "We keep 40 thousand photos. The plant runs 2 lines, each line checks around 1,500 parts per day."
    assert facts(text).get("monthly_requests") == 2 * 1_500 * 30


def test_a_share_per_unit_with_no_count_of_it_keeps_the_old_reading() -> None:
    assert facts("4,000 clients, each sends ~300 a month").get("monthly_requests") == 1_200_000


@pytest.mark.parametrize(
    "text",
    [
        "we're about 3,000 staff and I'd guess 200 questions a week reach HR",
        "around 900 employees, I'm guessing 400 requests a week",
    ],
)
def test_the_speakers_estimate_after_a_head_count_is_the_total(text: str) -> None:
    got = facts(text).get("monthly_requests")
    assert got is not None and got < 2_000


def test_people_doing_the_work_still_multiply() -> None:
    assert facts("our 10 nurses write 4 notes a day").get("monthly_requests") == 10 * 4 * 30


# --- labeled data: none of, corrections, parts, mentions ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "None of our 14,000 tickets are labeled.",
        "none of the 3k contracts have been annotated",
        "Neither of the 2 datasets is tagged.",
    ],
)
def test_none_of_the_count_labeled_is_zero(text: str) -> None:
    assert facts(text).get("labeled_examples") == 0


def test_none_of_a_labeled_count_says_something_else() -> None:
    assert facts("None of our 9k labeled tickets mention refunds.").get("labeled_examples") == 9_000


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("No labeled data at all. Correction: the ops team tagged about 250 in spring.", 250),
        ("We have zero labeled examples - sorry, support annotated roughly 600 last quarter.", 600),
    ],
)
def test_a_self_correction_replaces_a_stated_count(text: str, value: int) -> None:
    assert facts(text).get("labeled_examples") == value


@pytest.mark.parametrize(
    "text",
    [
        "we labeled 1,200 records so far, the rules changed midway so the first 500 are shaky",
        "2,000 annotated transcripts; the other 800 are still waiting for review",
    ],
)
def test_a_part_of_a_count_does_not_replace_it(text: str) -> None:
    assert facts(text).get("labeled_examples") not in {500, 800}


@pytest.mark.parametrize(
    "text",
    [
        "What counts as 'a few hundred examples' in your guide? We have maybe 900.",
        'when the docs say "thousands of labeled rows", is that a hard floor?',
    ],
)
def test_a_number_in_a_quoted_term_is_a_mention(text: str) -> None:
    assert facts(text).get("labeled_examples") not in {300, 2_000, 3_000, 200}


def test_a_quoted_number_alone_is_still_read() -> None:
    assert facts('we have "20k" labeled tickets').get("labeled_examples") == 20_000


# --- supposed failures and what follows from them ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "If the tagger is down for a day the warehouse doesn't stop, we'd sort by hand.",
        "Drivers get a bit grumpy if the estimate is off, but nothing breaks.",
        "if it fails nobody notices for a week honestly",
    ],
)
def test_a_failure_whose_consequence_is_negated_is_not_read_as_critical(text: str) -> None:
    assert facts(text).get("mission_critical") is not True


@pytest.mark.parametrize(
    "text",
    [
        "if it breaks we can't ship orders",
        "If the model is wrong, a patient could get the wrong dose.",
    ],
)
def test_a_failure_with_a_grave_consequence_is_still_critical(text: str) -> None:
    assert facts(text).get("mission_critical") is True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We're a toy maker; one bad answer to a child would be a nightmare.", True),
        ("toy company here, the assistant must be safe, a lawsuit would sink us", True),
        ("it's a toy project, just for fun", False),
    ],
)
def test_toys_as_a_business_are_not_a_toy_project(text: str, value: bool) -> None:
    assert facts(text).get("mission_critical") is value


# --- a team's size corrected ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we have 1 ML engineer - wait no, we just hired two more, so 3 now", "strong"),
        ("4 ML engineers, sorry, 2 - the others moved to platform", "limited"),
    ],
)
def test_a_corrected_team_size_replaces_the_first(text: str, value: str) -> None:
    assert facts(text).get("ml_expertise") == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 ML engineers, actually we're hiring 3 more next year", "limited"),  # an increment, planned
        ("we have 3 data scientists, so 20k labeled examples should be plenty", "strong"),  # a number of its own
    ],
)
def test_increments_and_other_numbers_do_not_correct_a_team_size(text: str, value: str) -> None:
    assert facts(text).get("ml_expertise") == value


# --- a share pointed to as the project's scope ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we process 200k invoices a month and about 10% need a human look, that's what the bot would handle", 20_000),
        ("20k tickets a month, 30% are refunds, which is what I care about", 6_000),
    ],
)
def test_a_share_pointed_to_as_the_scope_is_the_volume(text: str, value: int) -> None:
    assert facts(text).get("monthly_requests") == value


@pytest.mark.parametrize(
    "text",
    [
        "we get 80k emails a month; roughly 5% are complaints",
        "50k chats a month and 20% are in Spanish, those are the ones we worry about less",
        "we get 80k calls a month, 15% are Spanish, not sure what to do with those",
    ],
)
def test_a_share_without_a_pointer_changes_nothing(text: str) -> None:
    assert facts(text).get("monthly_requests") in {80_000, 50_000}


# --- numbers that are not this project's field ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["our team of 6 labeled 4k tickets", "a crew of 9 tagged about 4,000 photos last spring"],
)
def test_a_group_of_people_is_no_count_of_labels(text: str) -> None:
    assert facts(text).get("labeled_examples") == 4_000


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Our old system got 5k queries a day back in 2022.", "monthly_requests"),
        ("two years ago we had a budget of 100k for a chatbot", "budget_usd"),
        ("the previous vendor setup cost us $40k", "budget_usd"),
    ],
)
def test_flows_and_money_of_the_past_are_not_stated(text: str, field: str) -> None:
    assert field not in facts(text)


def test_labeled_data_from_an_old_system_is_still_data() -> None:
    assert facts("we have 20k labeled tickets from our old system").get("labeled_examples") == 20_000


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Say we got to 100k requests a month, would the API still be cheaper?", "monthly_requests"),
        ("let's say the budget is 20k, what then?", "budget_usd"),
    ],
)
def test_say_opening_a_clause_supposes(text: str, field: str) -> None:
    assert field not in facts(text)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("As for labeled data, I'd say roughly 900 examples.", "labeled_examples", 900),
        ("say 40k tickets a month", "monthly_requests", 40_000),
    ],
)
def test_say_as_an_estimate_still_states(text: str, field: str, value: int) -> None:
    assert facts(text).get(field) == value


@pytest.mark.parametrize(
    "text", ["Finance said no budget approved until Q2.", "we get budget approval in January", "funding lands in March"]
)
def test_a_date_of_money_is_no_deadline(text: str) -> None:
    assert "deadline_weeks" not in facts(text)


@pytest.mark.parametrize(
    "text", ["budget is 20k and we need it by March", "funding comes in March, we need it live by March too"]
)
def test_a_date_the_work_is_due_is_still_a_deadline(text: str) -> None:
    assert facts(text).get("deadline_weeks") is not None


# --- skills said as done, ease with the hard part ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no ML team but 2 analysts who've done some NLP",
        "no data scientists, but our devs have done a little machine learning",
        "we've done some ML before, nothing serious",
    ],
)
def test_some_practice_said_as_done_is_limited(text: str) -> None:
    assert facts(text).get("ml_expertise") == "limited"


@pytest.mark.parametrize(
    "text",
    ["I used to be an ML engineer, so I'm comfortable fine-tuning", "we're confident training our own models"],
)
def test_ease_with_fine_tuning_is_strong(text: str) -> None:
    assert facts(text).get("ml_expertise") == "strong"


@pytest.mark.parametrize(
    ("text", "value"),
    [("nobody here has done any ML", "none"), ("we're not comfortable fine-tuning anything", None)],
)
def test_no_practice_is_none_and_unease_says_nothing(text: str, value: str | None) -> None:
    assert facts(text).get("ml_expertise") == value


# --- a cue said as a form's label and answered ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Regulated? Nope. It's an internal tool for the canteen.", "regulated", False),
        ("regulated? not really", "regulated", False),
        ("Sensitive data: yes, salaries and home addresses.", "sensitive_data", True),
        ("PII? none, it's product specs only", "sensitive_data", False),
    ],
)
def test_a_label_answered_takes_the_answer(text: str, field: str, value: bool) -> None:
    assert facts(text).get(field) is value


@pytest.mark.parametrize(
    ("text", "field"),
    [("Is it regulated? No idea honestly.", "regulated"), ("mission critical? not sure yet", "mission_critical")],
)
def test_a_label_asked_and_not_known_states_nothing(text: str, field: str) -> None:
    assert field not in facts(text)


def test_a_label_colon_inside_a_sentence_is_no_form() -> None:
    assert facts("We're regulated: no way around it, the state insurance board audits us.").get("regulated") is True


# --- restatements ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["we get about 10k tickets a month, well, more like 8k", "roughly 10k emails a month - more like 8k honestly"],
)
def test_more_like_after_a_volume_corrects_it(text: str) -> None:
    assert facts(text).get("monthly_requests") == 8_000


def test_a_season_s_value_is_no_correction() -> None:
    assert facts("we have 10k tickets a month, more like 30k in December").get("monthly_requests") == 10_000


def test_update_as_a_verb_corrects_nothing() -> None:
    text = "small FAQ bot, ~300 questions/month, policies update maybe once a year"
    assert facts(text).get("monthly_requests") == 300


# --- rates that are not the system's volume ----------------------------------------------------------------------


def test_the_article_of_a_volumes_rate_is_no_deadline() -> None:
    got = facts("About 600 contracts come in a month.")
    assert got.get("monthly_requests") == 600 and "deadline_weeks" not in got


def test_a_month_said_again_for_the_deadline_is_still_read() -> None:
    assert facts("we get 600 contracts a month and need it live in a month").get("deadline_weeks") == 4.3


@pytest.mark.parametrize(
    "text",
    [
        "We've got 2 people who can label part-time, maybe 100 a day",
        "one intern could annotate on Fridays, about 150 a week",
    ],
)
def test_a_bare_rate_after_a_labeling_ability_is_no_volume(text: str) -> None:
    assert "monthly_requests" not in facts(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("we could label some, and we get 400 tickets a day", 12_000), ("we labeled 2k, we get 100 a day", 3_000)],
)
def test_a_volume_after_labeling_words_is_still_read(text: str, value: int) -> None:
    assert facts(text).get("monthly_requests") == value


@pytest.mark.parametrize(
    ("text", "industry"),
    [("we'd use a contractor for the ML part", None), ("we're a general contractor with 40 sites", "construction")],
)
def test_hiring_a_contractor_is_no_industry(text: str, industry: str | None) -> None:
    assert facts(text).get("industry") == industry


# --- a cue denied by its own predicate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("compliance isn't a concern here, it's internal marketing copy", "regulated"),
        ("regulation is not an issue for this one", "regulated"),
        ("PII is not involved at all, it's sensor readings", "sensitive_data"),
        ("none of the tickets contain PII", "sensitive_data"),
        ("None of our 14k labeled tickets have PII", "sensitive_data"),
    ],
)
def test_a_general_cue_denied_after_it_reads_false(text: str, field: str) -> None:
    assert facts(text).get(field) is False


def test_one_named_rule_denied_says_nothing_of_the_others() -> None:
    assert facts("GDPR doesn't apply but HIPAA does").get("regulated") is True
    assert "regulated" not in facts("HIPAA doesn't apply to us, it's a vet practice")


def test_a_predicate_that_is_not_about_presence_denies_nothing() -> None:
    assert facts("PII isn't stored, but it's in the prompts").get("sensitive_data") is True


def test_a_quote_never_closed_hides_no_numbers() -> None:
    got = facts("`0 ticket triage; 50k clean labeled tickets, 2M requests a month, budget $300k")
    assert got.get("labeled_examples") == 50_000 and got.get("budget_usd") == 300_000
