"""One assessment per project: what each message is taken for, when a description starts another assessment, and
which assessment a top-level message of a threaded chat (a Slack DM) belongs to."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey

# A hiring-assistant project, then a fraud-screening one: different in nearly every fact.
RECRUITING = (
    "We'd like a bot that answers candidates' questions about our hiring process. No labeled examples at all, "
    "a couple of web developers and nobody who does ML, we need it in 5 weeks"
)
FRAUD = (
    "We want to flag fraudulent expense reports: 90k reviewed reports with labels, 4 data scientists, about "
    "2 million reports a month, live in 9 months"
)


def test_a_description_that_contradicts_the_known_facts_starts_another_assessment(
    advisor: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "contradicts-1")
    old = advisor.handle(key, "u", RECRUITING)
    new = advisor.handle(key, "u", FRAUD)
    assert new.conversation_id != old.conversation_id and new.heard == "description"
    assert len(new.notes) >= 1 and "different project" in new.notes[0] and old.conversation_id in new.notes[0]
    assert new.intake["labeled_examples"] == 90_000 and "deadline_weeks" in new.intake
    assert "candidates" not in str(new.intake.get("use_case")) and "expense" in str(new.intake["use_case"])
    kept = fresh_store.latest_intake(old.conversation_id).known()
    assert kept["labeled_examples"] == 0 and kept["deadline_weeks"] == pytest.approx(5)  # untouched
    assert {old.conversation_id, new.conversation_id} <= {row["id"] for row in fresh_store.assessments()}


def test_a_what_if_that_changes_most_facts_is_still_a_what_if(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "what-if-2")
    advisor.handle(key, "u", FRAUD + ", reports are reviewed twice, budget $500k, not regulated")
    card = advisor.handle(key, "u", "recommend now")
    assert card.kind == "recommendation"
    supposed = advisor.handle(key, "u", "what if we wanted to classify them with 2k labels and no data scientists?")
    assert supposed.conversation_id == card.conversation_id and supposed.heard == "follow_up"


@pytest.mark.parametrize(
    "fix",
    [
        "actually we have 2000 examples",
        "sorry, I meant 12 weeks, and we do have about 3k labeled examples",
        "turns out we have 40k labeled examples and 3 ML engineers",
    ],
)
def test_a_correction_stays_in_the_same_assessment(advisor: Advisor, fix: str) -> None:
    key = ConversationKey("cli", "t", "c", f"fix-{abs(hash(fix))}")
    first = advisor.handle(key, "u", RECRUITING)
    fixed = advisor.handle(key, "u", fix)
    assert fixed.conversation_id == first.conversation_id
    assert fixed.heard == "correction" and not any("different project" in n for n in fixed.notes)


@pytest.mark.slow
def test_every_kind_of_message_is_recognised_in_one_conversation(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "kinds-1")
    said = [
        ("hello", "small_talk"),
        ("We want a tool that drafts answers to supplier emails", "description"),
        ("maybe 300 labeled emails", "answer"),
        ("how long does a fine-tune usually take to train?", "topic_question"),
        ("actually it's closer to 600 labeled emails", "correction"),
        ("recommend now", "command"),
        ("why?", "follow_up"),
        ("why not fine-tuning?", "follow_up"),
        ("what if we had 30k labeled emails?", "follow_up"),
        ("thanks, very clear", "small_talk"),
    ]
    heard = [topical.handle(key, "u", text).heard for text, _ in said]
    assert heard == [kind for _, kind in said]


@pytest.mark.slow
def test_a_reply_to_the_pending_question_fills_only_fields_its_words_fit(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "fit-1")
    asked = advisor.handle(key, "u", "an assistant that writes first drafts of replies to customer emails")
    assert [q.field for q in asked.questions] == ["labeled_examples"]
    reply = advisor.handle(key, "u", "we have a data science team of 4. budget is roughly 300k")
    assert reply.heard == "answer" and "labeled_examples" not in reply.intake
    assert reply.intake["budget_usd"] == 300_000 and reply.intake["ml_expertise"] == "strong"
    fixed = advisor.handle(key, "u", "those 1500 old support tickets are basically labeled examples, btw")
    assert fixed.heard == "correction" and fixed.intake["labeled_examples"] == 1500


def test_thanks_and_topic_questions_do_not_start_an_intake(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "topic-2")
    answer = topical.handle(key, "u", "how is retrieval different from fine-tuning a model?")
    assert answer.heard == "topic_question" and answer.text.startswith("[knowledge answer")
    thanks = topical.handle(key, "u", "thanks, that's useful")
    assert thanks.heard == "small_talk" and "Describe" in thanks.text and "Happy to help" not in thanks.text
    assert not fresh_store.latest_intake(answer.conversation_id).known()


def test_why_not_hybrid_compares_instead_of_listing_the_steps(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "why-not-2")
    card = advisor.handle(key, "u", RECRUITING + ", not regulated, the process changes every quarter")
    assert card.kind == "recommendation"
    reply = advisor.handle(key, "u", "why not hybrid though?")
    assert reply.heard == "follow_up" and reply.text.startswith("Why not hybrid")
    assert "→ prompting (" not in reply.text  # not the six steps with their weights


def test_restart_keeps_the_old_assessment_exportable_and_the_next_one_gets_its_use_case(
    advisor: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "restart-2")
    old = advisor.handle(key, "u", RECRUITING)
    restarted = advisor.handle(key, "u", "restart")
    assert restarted.heard == "command" and old.conversation_id in restarted.text
    new = advisor.handle(key, "u", FRAUD)
    assert new.conversation_id == restarted.conversation_id and "expense" in str(new.intake["use_case"])
    assert {old.conversation_id, new.conversation_id} <= {row["id"] for row in fresh_store.assessments()}


# --- top-level messages of a threaded chat ---

DM = ConversationKey("slack", "T1", "D9", "")


def at(ts: str) -> ConversationKey:
    return ConversationKey(DM.platform, DM.team, DM.channel, ts)


def test_each_description_in_a_dm_opens_its_own_assessment(topical: Advisor, fresh_store: Store) -> None:
    first = topical.route_top_level(at("1.1"), "U1", RECRUITING)
    assert first == at("1.1")
    hr = topical.handle(first, "U1", RECRUITING)
    # a second project, said at the top level: a new thread, not a merge
    assert topical.route_top_level(at("2.2"), "U1", FRAUD) == at("2.2")
    fraud = topical.handle(at("2.2"), "U1", FRAUD)
    assert fraud.conversation_id != hr.conversation_id and not fraud.notes  # nothing archived: separate threads
    assert fresh_store.latest_intake(hr.conversation_id).known()["labeled_examples"] == 0
    # a greeting in front of a description is still a description
    assert topical.route_top_level(at("2.5"), "U1", "hi, we want to summarise our sales calls") == at("2.5")


def test_top_level_questions_thanks_and_help_belong_to_no_assessment(topical: Advisor, fresh_store: Store) -> None:
    for text in ("what does fine-tuning cost compared to prompting?", "thanks!", "help", "new project", ""):
        assert topical.route_top_level(at("3.3"), "U1", text) is None, text
    reply = topical.answer_outside("what does fine-tuning cost compared to prompting?")
    assert reply.conversation_id == "" and reply.heard == "topic_question"
    assert topical.answer_outside("new project").heard == "command"
    assert fresh_store.assessments() == []


def test_top_level_answers_and_follow_ups_continue_the_latest_assessment(topical: Advisor) -> None:
    assert topical.route_top_level(at("4.4"), "U2", "we have 20k labeled examples") == at("4.4")  # none yet
    topical.handle(at("5.5"), "U2", FRAUD)
    for text in ("about 6 months", "why?", "what if we had no labels?", "actually only 10k reviewed reports"):
        assert topical.route_top_level(at("6.6"), "U2", text) == at("5.5"), text
    assert topical.route_top_level(at("7.7"), "U3", "about 6 months") == at("7.7")  # someone else's DM state


def test_an_answer_sent_before_its_description_was_answered_joins_that_description(topical: Advisor) -> None:
    # Both are routed (as Slack's middleware does) before the advisor has answered either.
    assert topical.route_top_level(at("8.8"), "U4", RECRUITING) == at("8.8")
    assert topical.route_top_level(at("8.9"), "U4", "oh and the budget is $20k") == at("8.8")
