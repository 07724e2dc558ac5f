"""What the conversation core takes a message for when a question is pending or a card was given, and that a
message taken for something other than an answer changes no stored fact. Sentences written for these tests."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey, Reply
from tests.advisor.conversation_helpers import THIN
from tests.advisor.conversation_helpers import card as _card
from tests.advisor.conversation_helpers import state as _state


def _pending(topical: Advisor, fresh_store: Store, thread: str) -> tuple[ConversationKey, Reply]:
    key = ConversationKey("cli", "t", "c", thread)
    first = topical.handle(key, "u", THIN)
    assert first.kind == "questions" and fresh_store.get_conversation(first.conversation_id).expecting
    return key, first


@pytest.mark.parametrize(
    ("said", "heard"),
    [
        ("how come?", "follow_up"),
        ("what is distillation?", "topic_question"),
        ("can we use our old dispute emails for that?", "topic_question"),
        ("brilliant, ta", "small_talk"),
        ("🙏", "small_talk"),
        ("nah, forget it", "small_talk"),
    ],
)
def test_a_message_that_answers_no_pending_question_is_taken_by_its_form_and_the_question_asked_again(
    topical: Advisor, fresh_store: Store, said: str, heard: str
) -> None:
    key, first = _pending(topical, fresh_store, f"pending-{said}")
    before = _state(fresh_store, first)
    reply = topical.handle(key, "u", said)
    assert reply.heard == heard and reply.kind == "message"
    question = first.questions[0].text
    assert question in reply.text  # asked again
    assert _state(fresh_store, first) == before  # no fact, no version, the same pending question
    answered = topical.handle(key, "u", "about 2,000 past disputes with the replies we sent")
    assert answered.heard == "answer" and answered.intake["labeled_examples"] == 2000


@pytest.mark.parametrize("said", ["none yet", "not sure", "roughly 700", "zero, we would start from scratch"])
def test_a_reply_that_speaks_to_the_pending_question_is_still_an_answer(
    topical: Advisor, fresh_store: Store, said: str
) -> None:
    key, _ = _pending(topical, fresh_store, f"answer-{said}")
    assert topical.handle(key, "u", said).heard == "answer"


@pytest.mark.parametrize(
    "said", ["skip the rest, just tell me", "enough questions please", "ok then, give me your verdict"]
)
def test_recommend_now_in_other_words(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"now-{said}")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "command" and reply.kind == "recommendation"


def test_facts_said_before_the_request_are_read_first(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "now-with-facts")
    advisor.handle(key, "u", THIN)
    reply = advisor.handle(key, "u", "we have about 3k labelled disputes, just recommend")
    assert reply.heard == "command" and reply.kind == "recommendation"
    assert reply.intake["labeled_examples"] == 3000


def test_a_request_about_the_topic_is_not_recommend_now(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "not-now")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "tell me about distillation")
    assert reply.heard == "topic_question" and reply.kind == "message"


def test_a_conditional_question_after_the_card_is_tried_not_stored(advisor: Advisor, fresh_store: Store) -> None:
    key, card = _card(advisor, "and-if")
    before = _state(fresh_store, card)
    for said in ("and if we only had 600 labeled claims?", "with just 600 labeled claims?"):
        reply = advisor.handle(key, "u", said)
        assert reply.heard == "follow_up" and reply.recommendation is not None and "keep it" in reply.text
        assert fresh_store.latest_intake(card.conversation_id).known() == before[2]
    declined = advisor.handle(key, "u", "nah, leave it")
    assert declined.heard == "small_talk" and "stay" in declined.text
    assert _state(fresh_store, card)[0] == before[0]
    assert fresh_store.latest_intake(card.conversation_id).values.labeled_examples == 60_000


def test_a_statement_with_a_changed_fact_after_the_card_still_corrects(advisor: Advisor) -> None:
    key, _ = _card(advisor, "fix")
    reply = advisor.handle(key, "u", "sorry, it's 6k labeled claims, not 60k")
    assert reply.heard == "correction" and reply.intake["labeled_examples"] == 6000


@pytest.mark.parametrize(
    ("said", "shows"),
    [("how so?", "confidence"), ("really?", "confidence"), ("would hybrid be better for us then?", "Why not hybrid")],
)
def test_questions_about_the_card(topical: Advisor, said: str, shows: str) -> None:
    key, _ = _card(topical, f"card-{said}")
    reply = topical.handle(key, "u", said)
    assert reply.heard == "follow_up" and shows in reply.text


def test_a_refusal_of_a_confirming_question_drops_the_number(advisor: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "confirm-no")
    asked = advisor.handle(key, "u", "Routing for facilities requests. We have 7,000 tickets and a budget of $80k.")
    assert asked.kind == "questions" and "7,000" in asked.text
    reply = advisor.handle(key, "u", "no thanks, leave it")
    assert reply.heard == "small_talk"
    assert "labeled_examples" not in reply.intake and "monthly_requests" not in reply.intake


@pytest.mark.parametrize("said", ["let's start over", "can we start again?", "reset please", "start fresh"])
def test_restart_in_other_words(advisor: Advisor, fresh_store: Store, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"restart-{said}")
    first = advisor.handle(key, "u", THIN)
    reply = advisor.handle(key, "u", said)
    assert reply.heard == "command" and reply.conversation_id != first.conversation_id
    assert fresh_store.latest_intake(first.conversation_id).known()  # the previous assessment is kept


@pytest.mark.parametrize("said", ["help me", "what can I ask?", "how do I use this?"])
def test_help_in_other_words(advisor: Advisor, said: str) -> None:
    reply = advisor.handle(ConversationKey("cli", "t", "c", f"help-{said}"), "u", said)
    assert reply.heard == "command" and "Describe the AI feature" in reply.text


def test_one_more_project_after_the_card_gets_its_own_assessment(advisor: Advisor, fresh_store: Store) -> None:
    key, card = _card(advisor, "another")
    reply = advisor.handle(
        key, "u", "thanks! we also want a chatbot that answers staff questions about the pension plan"
    )
    assert reply.heard == "description" and reply.conversation_id != card.conversation_id
    assert "pension" in str(reply.intake.get("use_case"))
    assert fresh_store.latest_intake(card.conversation_id).values.labeled_examples == 60_000  # kept as it was
    same = advisor.handle(key, "u", "we also need it to answer in Spanish")
    assert same.conversation_id == reply.conversation_id
