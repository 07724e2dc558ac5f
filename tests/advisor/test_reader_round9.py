"""Round 9 of the reader: skills said as experience, money that is not granted, dates beside "no hard date", defects
of a part of the data, rates per unit by role, and totals with their parts.

Sentences are written for these tests (varied order, register, typos, non-native English); each mechanism has cases
that must read and cases that must stay silent or ask.
"""

from __future__ import annotations

import pytest

from tests.advisor.reading import asked, facts

# --- ML expertise said as experience ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Our two data scientists have trained and deployed several CNNs already.",
        "we got 2 ML engineers, they productionized a fraud model last spring",
        "Team of 2 MLEs, both solid.",
        "one cofounder did NLP at Amazon for 7 years",
        "our analytics lead spent 10 yrs at a bank building credit models, plus one MLE under him",
        "ML-wise: strong. we run our own ranking models",
        "the platform group is really strong in machine learning",
        "We have one data scientist, she is very solid and built our churn model.",
        "we've got an ML guy who did his PhD on computer vision",
        "3 researchers who train transformers daily",
        "our risk team has solid ML chops",
        "2 engineers with years building models in production",
    ],
)
def test_experience_makes_a_small_team_strong(text: str) -> None:
    assert facts(text)["ml_expertise"] == "strong"


@pytest.mark.parametrize(
    "text",
    [
        "we have 2 ML engineers, both junior",
        "one data scientist, fresh out of a bootcamp",
        "2 ML engineers who have never deployed a model",
        "one of our analysts does ML as a hobby",
        "our marketing guy has played around with ML a little",
        "The stats group knows regression but isn't really an ML team.",
    ],
)
def test_little_or_untested_experience_stays_limited(text: str) -> None:
    assert facts(text)["ml_expertise"] == "limited"


@pytest.mark.parametrize(
    "text",
    [
        "none of us are technical, honestly",
        "Nobody here codes.",
        "our staff is not techy at all",
        "no internal tech folks, just ops",
        "We dont have any person who know machine learning.",
        "our IT team makes websites, they never did ML",
    ],
)
def test_no_one_with_the_skill_reads_none(text: str) -> None:
    assert facts(text)["ml_expertise"] == "none"


@pytest.mark.parametrize(
    "text",
    [
        "we have 5k labeled tickets and 2 solid ML engineers",
        "3k annotated chats. Our data scientist is pretty good.",
        "we have 2 data scientists, pretty good ones, and 4k labeled emails",
    ],
)
def test_a_good_word_about_people_is_not_label_quality(text: str) -> None:
    assert "data_quality" not in facts(text)


def test_a_good_word_about_the_labels_still_is() -> None:
    assert facts("4k tickets labeled by agents, pretty solid")["data_quality"] == "high"
    assert facts("2k labeled examples, our ML engineer says they're pretty good")["data_quality"] == "high"
    assert facts("600 contracts annotated by lawyers (very good quality)")["data_quality"] == "high"


# --- money that is not granted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("No budget yet - we're applying for a $25k innovation grant.", 25_000),
        ("we are hoping for 30k from the board next quarter", 30_000),
        ("If the demo goes well my director may find more money, maybe 15k, but nothing's approved.", 15_000),
        ("we have 25k, not approved yet", 25_000),
        ("two projects: the chatbot, budget was 20k, already live; the new one has no budget yet.", 20_000),
    ],
)
def test_money_sought_or_unset_is_asked_about_not_stated(text: str, value: float) -> None:
    assert "budget_usd" not in facts(text)
    assert value in asked(text)


@pytest.mark.parametrize(
    "text",
    [
        "an outside agency built us a classifier for $70k in 2021 and it never worked",
        "Last year a consultancy developed a chatbot for 45k.",
        "if we get the budget approved (maybe 40k?) would fine-tuning be possible?",
    ],
)
def test_a_past_price_or_a_supposed_amount_is_no_budget(text: str) -> None:
    assert "budget_usd" not in facts(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("budget is 40k but not approved yet", 40_000),  # the budget's own words, hedged: still the budget
        ("budget maybe 30k, my boss hasn't confirmed", 30_000),
        ("We got a grant of 50k for this.", 50_000),
        ("it needs to be built for under $50k", 50_000),
        ("if it helps (budget is 40k) we can start in January", 40_000),
    ],
)
def test_a_budget_said_with_its_own_words_stays(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == pytest.approx(value, rel=0.01)


# --- dates beside "no hard date" ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "would be nice to have it by spring, but honestly no hard deadline",
        "We're thinking 8 weeks but nothing's committed.",
        "No rush. The committee meets in the autumn.",
    ],
)
def test_a_date_beside_no_deadline_is_asked_about(text: str) -> None:
    assert "deadline_weeks" not in facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll get back to you in a couple of weeks.",
        "let me circle back in a month after I talk to legal",
        "will report back in 2 weeks",
    ],
)
def test_the_writers_reply_time_is_no_deadline(text: str) -> None:
    assert "deadline_weeks" not in facts(text)


def test_a_flexible_timeline_with_a_number_or_a_deadline_after_a_reply_time_is_read() -> None:
    assert facts("Timeline is flexible, maybe 6 months.")["deadline_weeks"] == pytest.approx(26, rel=0.05)
    assert facts("I'll follow up in 2 weeks; we need it live in 10 weeks")["deadline_weeks"] == 10
    assert facts("we need to get it up and running in 3 weeks")["deadline_weeks"] == 3


# --- a defect of a part of the data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We have 30k tagged emails, but everything before 2021 is sloppy.",
        "80k labeled invoices, though a fair chunk of them are wrong",
        "about 10% of our 12k labels are wrong",
        "50k annotated rows, some of them are garbage",
    ],
)
def test_a_defect_of_a_part_is_mixed(text: str) -> None:
    assert facts(text)["data_quality"] == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "5k labels and they are sloppy",
        "our 8k labeled tickets, about 40% are wrong",
        "5k labels, not some but all of them are garbage",
    ],
)
def test_a_defect_of_the_whole_stays_poor(text: str) -> None:
    assert facts(text)["data_quality"] == "poor"


# --- rates per unit by role --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Each of our 3 regional claims teams handles about 400 claims a week.", 3 * 400 * 4.33),
        ("We run a help desk with ~60 agents. Agents answer avg 30 chats a shift, one shift a day.", 60 * 30 * 30),
        ("We have 20 agents. Agents handle about 30 chats a day each.", 20 * 30 * 30),
        ("per store per item every day: 10 stores x 50 items = 500 forecasts a day", 500 * 30),
    ],
)
def test_a_rate_per_unit_is_multiplied_by_its_units(text: str, value: float) -> None:
    assert facts(text)["monthly_requests"] == pytest.approx(value, rel=0.02)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We have 20 agents. The agents and the bot handle 3k chats a day.", 90_000),  # a joint subject
        ("We have 20 agents. Agents handle 3k chats a day.", 90_000),  # more than one person does by hand
        ("our 5 agents handle 2k tickets a week in total", 2_000 * 4.33),
        ("We have 40 agents. Customers send 3k emails a day.", 90_000),  # another subject
    ],
)
def test_a_total_is_not_multiplied(text: str, value: float) -> None:
    assert facts(text)["monthly_requests"] == pytest.approx(value, rel=0.02)


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("We have 200 agents. Agents write about 300 new listings a month.", 200 * 300),
        ("Roughly 80 nurses on staff; nurses file 150 incident notes a month.", 80 * 150),
    ],
)
def test_a_rate_whose_only_unit_is_the_subject_is_asked_about(text: str, product: float) -> None:
    # each one's share or the group's total? Nothing says which: the product is asked about, not read
    assert "monthly_requests" not in facts(text)
    assert asked(text) == [pytest.approx(product)]


# --- totals and their parts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("budget: whatever's left of the $20k after we pay for the new CRM ($8k).", 12_000),
        ("Budget is what remains of our 50k after the licences, 12k.", 38_000),
        ("money: $500k total grant, maybe 60k for this part", 60_000),
        ("the budget is 80k total, 30k for this pilot", 30_000),
        ("Budget is €40k for this year.", 40_000),
        ("budget: the VP said 'under 100k', realistically 60-70k", 65_000),
    ],
)
def test_the_budget_is_the_share_or_remainder_said(text: str, value: float) -> None:
    assert facts(text)["budget_usd"] == pytest.approx(value, rel=0.02)


def test_a_remainder_with_nothing_taken_off_is_asked() -> None:
    text = "the budget is what's left of the 30k after the agency is paid"
    assert "budget_usd" not in facts(text)
    assert 30_000 in asked(text)


def test_a_monthly_budget_is_still_a_rate() -> None:
    assert facts("budget is 5k a month")["budget_usd"] == pytest.approx(180_000)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Labeled photos: around 2k cracked parts and 30k fine ones, all labeled by our inspectors.", 32_000),
        ("we have 4k emails and 600 chats, both annotated by agents", 4_600),
        ("We have 700 nurse-flagged notes, the rest is unlabeled.", 700),
        ("we have 3k tagged tickets, the rest are not labeled", 3_000),
    ],
)
def test_labeled_parts_said_together(text: str, value: float) -> None:
    assert facts(text)["labeled_examples"] == value


@pytest.mark.parametrize(
    "text",
    [
        "we have 4k emails and 600 chats, all from last year",
        "we're thinking of paying annotators to label 15k examples",
        "we want to hire a vendor to annotate 8k images",
    ],
)
def test_parts_not_said_to_be_labeled_or_labels_only_planned_are_not_read(text: str) -> None:
    assert facts(text).get("labeled_examples") in (None, 0)
    assert facts(text).get("labeled_examples") != 4_600


# --- labeled data by more words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Our fraud analysts dispositioned roughly 40k cases over two years.", 40_000),
        ("We have 90 thousand loans with their result (repaid or not).", 90_000),
        ("we did annotate errors on ~900 invoices for an audit", 900),
        ("we have 5k labeled emails and another 2k labeled chats", 7_000),
        ("We have 3,000 scans radiologists labeled by finding.", 3_000),
    ],
)
def test_labeled_data_said_in_other_words(text: str, value: float) -> None:
    assert facts(text)["labeled_examples"] == value


@pytest.mark.parametrize(
    "text",
    [
        "each label was reviewed by two inspectors",
        "we have 2 senior reviewers labeled as leads",
        "our 4 investigators handle the cases",
    ],
)
def test_a_count_of_people_is_no_labeled_data(text: str) -> None:
    assert facts(text).get("labeled_examples") is None


def test_about_half_bad_is_mixed_and_half_bad_is_poor() -> None:
    assert facts("12k labeled notes, but about half of those labels are outdated")["data_quality"] == "mixed"
    assert facts("12k labeled notes and half the labels are wrong")["data_quality"] == "poor"


# --- label quality in more words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("We have 900 tickets with label, but quality of labels is not so good, many mistakes.", "poor"),
        ("annotated set of 3K forms, annotation was done by temps and quality is hit and miss", "mixed"),
        ("we've got 40k messages labeled by moderators; agreement between mods is like 65%, so meh", "mixed"),
        ("about 4k complaints labeled by our team but the labels is not very consistent", "mixed"),
        ("20 yrs of inspection records but the old ones were scanned badly, tons of missing fields", "poor"),
        ("our editors marked 10k clips, marks are usually accurate to the second", "high"),
    ],
)
def test_label_quality_said_in_other_words(text: str, value: str) -> None:
    assert facts(text)["data_quality"] == value


@pytest.mark.parametrize(
    "text",
    [
        "A wrong answer would hurt us, so a human always reviews.",  # reviewing outputs is no label quality
        "we sent out 500 discount codes and many were wrong",  # codes that are not labels
    ],
)
def test_words_near_other_things_are_no_label_quality(text: str) -> None:
    assert "data_quality" not in facts(text)


# --- stakes said as consequences -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "If the model misses a fraud case we're in serious trouble with the regulator.",
        "if it misroutes an emergency that's a real safety problem",
        "It can't go down during tax season, it's core to our operations.",
        "a missed flag is a compliance violation, so it really can't fail",
        "honestly if it misses one we are in big trouble",
    ],
)
def test_a_grave_consequence_is_mission_critical(text: str) -> None:
    assert facts(text)["mission_critical"] is True


@pytest.mark.parametrize(
    "text",
    [
        "not a life-or-death thing, just convenience",
        "no real risk here, if a caption is meh nobody dies",
        "if the forecast is off we waste a bit of stock, no biggie",
        "If it misses something the regular human review still catches it - advisory only.",
    ],
)
def test_a_harmless_failure_is_not_mission_critical(text: str) -> None:
    assert facts(text)["mission_critical"] is False


def test_a_forbidden_failure_without_stakes_words_still_reads_the_stakes() -> None:
    assert facts("we cannot get this wrong")["mission_critical"] is True


# --- rates in other words --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("we publish 30ish posts a day", 900),
        ("Around 300 documents by month.", 300),
        ("we get 50 claims by day", 1_500),
    ],
)
def test_a_rate_said_with_ish_or_by(text: str, value: float) -> None:
    assert facts(text)["monthly_requests"] == pytest.approx(value, rel=0.01)


@pytest.mark.parametrize(
    "text",
    [
        "we need 500 examples by month 3",
        "300 tickets by month end would be the goal",
    ],
)
def test_by_a_named_month_is_no_rate(text: str) -> None:
    assert facts(text).get("monthly_requests") not in (500, 300)


# --- yes/no fields in more words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("the state commission regulates us", "regulated", True),
        ("21 CFR Part 11 applies to every record", "regulated", True),
        ("Solvency II capital numbers depend on this", "regulated", True),
        ("Customer account data is involved.", "sensitive_data", True),
        ("the letters are pretty private (addresses, income)", "sensitive_data", True),
        ("billing info shows up in most chats", "sensitive_data", True),
        ("the catalogue gets reworked all the time", "changes_often", True),
        ("style rules vary per client, constantly", "changes_often", True),
        ("the policy keeps getting revised", "changes_often", True),
        ("every project is a new rulebook for us", "changes_often", True),
        ("the rules get revised a few times a year, not that often", "changes_often", False),
    ],
)
def test_yes_no_fields_in_other_words(text: str, field: str, value: bool) -> None:
    assert facts(text)[field] is value


def test_a_code_title_is_no_count() -> None:
    assert asked("21 CFR Part 11 applies.") == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("the contracts are confidential but hold no personal data", "sensitive_data"),
        ("we might be regulated?? not sure", "regulated"),
    ],
)
def test_a_denied_or_doubted_cue_is_not_read_as_yes(text: str, field: str) -> None:
    assert facts(text).get(field) is not True


# --- a question about a field states nothing of it -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("do we need to worry about GDPR if the bot only answers opening hours?", "regulated"),
        ("if it goes offline for a day, is that critical?", "mission_critical"),
        ("would our data count as sensitive if it's only first names?", "sensitive_data"),
    ],
)
def test_a_question_about_the_field_is_not_an_answer(text: str, field: str) -> None:
    assert field not in facts(text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Is it regulated? Yes, HIPAA.", "regulated"),  # asked and answered
        ("is it critical? if it breaks we lose money", "mission_critical"),  # the answer in the next sentence
        ("does it matter that we have patient data?", "sensitive_data"),  # presupposed
        ("would fine-tuning work for our mission-critical triage?", "mission_critical"),
    ],
)
def test_a_question_that_presupposes_or_is_answered_still_reads(text: str, field: str) -> None:
    assert facts(text)[field] is True


# --- a second estimate said in short ---------------------------------------------------------------------------------


def test_a_short_second_estimate_takes_the_first_ones_scale() -> None:
    assert 6_500 in asked("the annotated set? about 6,000, maybe 6.5")  # asked about at its real size, not 6.5
    assert facts("The graded set? about 6,000, maybe 6.5 - scored by teachers")["labeled_examples"] == 6_500
    assert 4_500 not in asked("we get 20k emails a month, maybe 25")  # a whole number keeps its own value
    assert facts("we have 12k labeled tickets, maybe 15")["labeled_examples"] == 12_000


def test_a_decimal_far_from_the_first_number_is_left_alone() -> None:
    assert facts("about 3,000 labeled, or 3.5 if you count the new batch")["labeled_examples"] == 3_000
    assert facts("2,000 labeled; v4.5 of the model")["labeled_examples"] == 2_000
