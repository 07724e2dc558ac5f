"""The conversation core on the third round's gaps: follow-ups without "you", slang requests, a restart with a
description, a topic question first, an answer with a question beside it, hedged answers, a second project,
corrections that name the replaced number, and changes said as a factor. Sentences written for these tests; side
messages change no stored fact."""

from __future__ import annotations

import pytest

from bot.errors import InputError
from bot.knowledge.query import KnowledgeIndex, answer
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from tests.advisor.conversation_helpers import THIN
from tests.advisor.conversation_helpers import card as _card
from tests.advisor.conversation_helpers import state as _state
from tests.conftest import TODAY


@pytest.mark.parametrize(
    "said",
    [
        "so no fine-tuning then?",
        "hmm and with a much smaller team?",
        "what would push this toward a hybrid?",
        "doesn't prompting get expensive at that volume tho?",
        "so which part would be tuned and which part prompted?",
    ],
)
def test_after_the_card_a_question_tied_to_the_advice_is_a_follow_up(
    topical: Advisor, fresh_store: Store, said: str
) -> None:
    key, card = _card(topical, f"tied-{said}")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "follow_up" and "knowledge answer" not in reply.text
    assert _state(fresh_store, card)[2] == before[2]


def test_after_the_card_a_general_question_is_still_a_topic_question(topical: Advisor) -> None:
    key, _ = _card(topical, "general")
    reply = topical.handle(key, "u", "does fine-tuning reduce hallucinations?")
    assert reply.heard == "topic_question" and reply.text.startswith("[knowledge answer")


@pytest.mark.parametrize(
    "said", ["ok just gimme the rec", "skip the rest just tell me what to do", "ok hit me w the verdict pls"]
)
def test_slang_and_requests_in_a_row_give_the_card_now(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"slang-{said}")
    asked = topical.handle(key, "u", THIN)
    assert asked.kind == "questions"
    reply = topical.handle(key, "u", said)
    assert reply.heard == "command" and reply.kind == "recommendation"


def test_a_first_description_asking_what_to_do_is_a_description(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "what-to-do")
    reply = topical.handle(key, "u", THIN + ", what should we do?")
    assert reply.heard == "description" and reply.kind == "questions"
    hurried = topical.handle(ConversationKey("cli", "t", "c", "just-tell"), "u", THIN + ", just tell me")
    assert hurried.heard == "command" and hurried.kind == "recommendation"  # a request, not a question


def test_a_restart_with_a_new_description_resets_then_assesses_it(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "restart-desc")
    first = topical.handle(key, "u", THIN + ". We have 3 ML engineers")
    assert first.intake["ml_expertise"] == "strong"
    said = "ugh scrap that, start over - we need a tool that tags incoming contracts by risk, about 800 a month"
    reply = topical.handle(key, "u", said)
    assert reply.heard == "description" and reply.conversation_id != first.conversation_id
    assert reply.intake["monthly_requests"] == 800 and "ml_expertise" not in reply.intake
    assert fresh_store.get_conversation(first.conversation_id).key != str(key)  # kept, off the thread


def test_a_restart_then_a_new_one_described_in_its_facts_assesses_it(topical: Advisor) -> None:
    # the description names its task in words no task list has; the opener and the facts say it is the project
    key = ConversationKey("cli", "t", "c", "restart-new-one")
    first = topical.handle(key, "u", THIN)
    said = (
        "scrap that, start over: new one - shift-handover digests for our hospital wards, "
        "40k past handovers written up by nurses and 2 ML engineers"
    )
    reply = topical.handle(key, "u", said)
    assert reply.heard == "description" and reply.conversation_id != first.conversation_id
    assert reply.intake["ml_expertise"] == "limited" and "handover" in reply.intake["use_case"]


def test_a_restart_with_a_comment_after_it_is_only_a_restart(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "restart-comment")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "actually forget all that, start over - my manager has another priority")
    assert reply.heard == "command" and reply.conversation_id != first.conversation_id
    assert not reply.intake
    nxt = topical.handle(key, "u", "we want to classify warehouse incident reports into 12 types")
    assert nxt.heard == "description" and nxt.conversation_id == reply.conversation_id


def test_a_topic_question_first_is_answered_and_starts_no_intake(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "topic-first")
    reply = topical.handle(key, "u", "hey whats the real difference between RAG and fine-tuning? everyone says both")
    assert reply.heard == "topic_question" and reply.text.startswith("[knowledge answer")
    assert not fresh_store.latest_intake(reply.conversation_id).known()
    described = topical.handle(key, "u", "so our case: we want a bot that drafts replies to tenant complaints")
    assert described.heard == "description" and "tenant" in described.intake["use_case"]


def test_an_answer_with_a_topic_question_beside_it_records_and_answers(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "answer-and-ask")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "about 3k labeled disputes. what is LoRA btw?")
    assert reply.heard == "answer" and reply.intake["labeled_examples"] == 3000
    assert reply.notes[0].startswith("[knowledge answer to: what is LoRA btw?")
    transcript = [t["text"] for t in fresh_store.turns(reply.conversation_id)]
    assert any(str(t).startswith("[knowledge answer") for t in transcript)


def test_an_answer_asking_about_the_advice_gets_no_topic_answer(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "answer-and-advice")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "we have 3k labeled disputes, is that enough?")
    assert reply.heard == "answer" and reply.intake["labeled_examples"] == 3000
    assert not any("knowledge answer" in n for n in reply.notes)


@pytest.mark.parametrize("said", ["5k", "idk maybe 5k?", "~5000 i think"])
def test_a_bare_or_hedged_number_answers_the_pending_question(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"hedged-{said}")
    asked = topical.handle(key, "u", THIN)
    assert [q.field for q in asked.questions] == ["labeled_examples"]
    reply = topical.handle(key, "u", said)
    assert reply.heard == "answer" and reply.intake["labeled_examples"] == 5000


def test_a_second_project_mid_intake_inherits_nothing(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "two-projects")
    first = topical.handle(key, "u", THIN + ". We have 3 ML engineers and 40k disputes a month")
    reply = topical.handle(key, "u", "a classifier that routes shipping documents into 25 customs categories")
    assert reply.heard == "description" and reply.conversation_id != first.conversation_id
    assert "ml_expertise" not in reply.intake and "monthly_requests" not in reply.intake
    assert fresh_store.latest_intake(first.conversation_id).known()["ml_expertise"] == "strong"


def test_more_about_the_same_project_stays_in_it(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "same-project")
    first = topical.handle(key, "u", THIN + ". We have 3 ML engineers")
    reply = topical.handle(key, "u", "we want it to also draft the follow-up emails to suppliers")
    assert reply.conversation_id == first.conversation_id and reply.intake["ml_expertise"] == "strong"


def test_a_correction_naming_the_old_number_fixes_that_field(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "old-number")
    topical.handle(key, "u", THIN)
    topical.handle(key, "u", "we have 20k labeled disputes")
    fixed = topical.handle(key, "u", "oh wait sorry, it's 2k not 20k")
    assert fixed.heard == "correction" and fixed.intake["labeled_examples"] == 2000
    assert not any("neither" in q.text for q in fixed.questions)  # no confirming question


@pytest.mark.parametrize(
    "said",
    [
        "those 1500 old tickets are labeled examples btw",
        "but the rules change every week",  # adds a fact plainly: an answer
    ],
)
def test_only_a_message_that_says_it_fixes_is_a_correction(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"says-{said}")
    topical.handle(key, "u", THIN + ", the rules are stable, 5k labeled disputes")
    reply = topical.handle(key, "u", said)
    assert reply.heard == ("correction" if "btw" in said else "answer")


def test_a_change_said_as_a_factor_is_tried_not_stored(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "factor")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "and if volume triples?")
    assert reply.heard == "follow_up" and "1,200,000" in reply.text and "keep it" in reply.text
    assert _state(fresh_store, card)[2] == before[2]


def test_in_a_dm_a_top_level_question_tied_to_the_card_continues_it(topical: Advisor) -> None:
    dm = ConversationKey("slack", "T1", "D7", "")
    first = ConversationKey(dm.platform, dm.team, dm.channel, "1.1")
    _, card = _card(topical, "dm-card")  # another user's thread: not this DM
    topical.handle(first, "U1", THIN)
    reply = topical.handle(first, "U1", "recommend now")
    assert reply.kind == "recommendation" and card.conversation_id != reply.conversation_id
    at = ConversationKey(dm.platform, dm.team, dm.channel, "2.2")
    assert topical.route_top_level(at, "U1", "so no fine-tuning then?") == first
    assert topical.route_top_level(at, "U1", "does fine-tuning reduce hallucinations?") is None


def test_facts_are_kept_when_the_aside_beside_them_has_nothing_to_search(
    fresh_store: Store, shipped_index: KnowledgeIndex
) -> None:
    # The real knowledge answer refuses a question without searchable words; an aside it refuses must not cost
    # the facts said beside it.
    answers = Advisor(fresh_store, today=TODAY, answer_topic=lambda q: answer(q, shipped_index)[0])
    key = ConversationKey("cli", "t", "c", "aside-without-words")
    reply = answers.handle(key, "u", "we route claims. about 2k labeled ones, budget 40k. any more?")
    assert reply.intake["budget_usd"] == 40000 and reply.intake["labeled_examples"] == 2000
    with pytest.raises(InputError):
        answer("any more?", shipped_index)  # the aside: nothing in it to search for
