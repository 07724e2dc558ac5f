"""The conversation core on the second round's forms: follow-ups addressed to the advisor after a card, commands
with trailing words, restarts after a change of mind, asides, export requests and answers that restate a fact.
Sentences written for these tests; bad or side messages change no stored fact."""

from __future__ import annotations

import pytest

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from tests.advisor.conversation_helpers import THIN
from tests.advisor.conversation_helpers import card as _card
from tests.advisor.conversation_helpers import state as _state


@pytest.mark.parametrize(
    "said",
    [
        "so you'd say drop the prompting idea altogether?",
        "what would make you go with a hybrid?",
        "and with twice the team would you still pick this?",
        "what would change your mind toward prompting?",
    ],
)
def test_after_the_card_a_question_addressed_to_the_advisor_is_a_follow_up(
    topical: Advisor, fresh_store: Store, said: str
) -> None:
    key, card = _card(topical, f"addressed-{said}")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "follow_up" and "knowledge answer" not in reply.text
    assert _state(fresh_store, card)[2] == before[2]


def test_before_any_card_a_question_with_you_about_the_topic_is_a_topic_question(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "why-would-you")
    reply = topical.handle(key, "u", "why would you need 10k examples for a pilot?")
    assert reply.heard == "topic_question" and reply.text.startswith("[knowledge answer")


def test_after_the_card_a_definition_is_still_a_topic_question(topical: Advisor) -> None:
    key, _ = _card(topical, "define-after")
    assert topical.handle(key, "u", "btw what is LoRA exactly, my lead keeps mentioning it").heard == "topic_question"
    assert topical.handle(key, "u", "can you explain when prompting beats fine-tuning?").heard == "topic_question"


def test_an_aside_question_during_the_intake_is_answered_and_changes_nothing(
    topical: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "aside")
    first = topical.handle(key, "u", THIN)
    before = _state(fresh_store, first)
    reply = topical.handle(
        key, "u", "sorry, side question: can a fine-tuned model leak what it was trained on? heard so"
    )
    assert reply.heard == "topic_question" and first.questions[0].text in reply.text
    assert _state(fresh_store, first) == before


def test_an_apology_before_a_fix_stays_a_correction(topical: Advisor) -> None:
    key, _ = _card(topical, "sorry-fix")
    reply = topical.handle(key, "u", "sorry, it's 6k labeled claims not 60k")
    assert reply.heard == "correction" and reply.intake["labeled_examples"] == 6000


@pytest.mark.parametrize(
    "said", ["ok just give me the recommendation now, i have a call in 10", "can we skip the 20 questions pls"]
)
def test_commands_with_trailing_words_recommend_now(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"now-{said}")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "command" and reply.kind == "recommendation"


def test_a_change_of_mind_then_new_project_asks_for_the_description(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "scrap")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "actually scrap that, new project pls")
    assert reply.heard == "command" and reply.conversation_id != first.conversation_id
    assert "#" in fresh_store.get_conversation(first.conversation_id).key  # archived, kept
    described = topical.handle(key, "u", "we want to tag incoming support tickets by product area, 40k tagged already")
    assert described.heard == "description" and described.conversation_id == reply.conversation_id


def test_a_restart_with_a_plan_after_it_is_a_restart(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "ugh")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "ugh actually start over, let me explain it better")
    assert reply.heard == "command" and reply.conversation_id != first.conversation_id


@pytest.mark.parametrize("opener", ["different thing now, ", "unrelated, ", "another project: "])
def test_a_description_after_a_change_of_subject_is_a_new_project(topical: Advisor, opener: str) -> None:
    key, card = _card(topical, f"switch-{opener}")
    reply = topical.handle(key, "u", opener + "our library wants a chatbot that answers questions about opening hours")
    assert reply.heard == "description" and reply.conversation_id != card.conversation_id


def test_unrelated_then_a_question_stays_in_the_assessment(topical: Advisor) -> None:
    key, card = _card(topical, "unrelated-q")
    reply = topical.handle(key, "u", "unrelated but what's distillation exactly? my cto keeps saying it")
    assert reply.heard == "topic_question" and reply.conversation_id == card.conversation_id


def test_export_after_the_card_names_the_adapters_exports_and_stores_nothing(
    topical: Advisor, fresh_store: Store
) -> None:
    key, card = _card(topical, "export")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "can u export this as a pdf for my board")
    assert reply.heard == "command" and "Export decision record" in reply.text and card.conversation_id in reply.text
    assert _state(fresh_store, card) == before


def test_export_before_any_card_says_there_is_nothing_to_export(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "export-early")
    first = topical.handle(key, "u", THIN)
    before = _state(fresh_store, first)
    reply = topical.handle(key, "u", "please export this as pdf")
    assert reply.heard == "command" and "no recommendation to export" in reply.text
    assert _state(fresh_store, first) == before


def test_an_answer_to_the_pending_question_is_an_answer_even_if_it_restates_a_fact(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "restate")
    first = topical.handle(key, "u", THIN + ", about 3k disputes a month")
    assert first.intake["monthly_requests"] == 3000 and "labeled_examples" in [q.field for q in first.questions]
    reply = topical.handle(key, "u", "about 2,000 past disputes with the replies we sent, 20k disputes a month")
    assert reply.heard == "answer" and reply.intake["monthly_requests"] == 20000
    fixed = topical.handle(key, "u", "sorry, it's 3k disputes a month, not 20k")
    assert fixed.heard == "correction" and fixed.intake["monthly_requests"] == 3000


@pytest.mark.parametrize("said", ["obrigado! very helpful", "ok cool that's what i figured", "danke"])
def test_thanks_in_other_languages_after_the_card(topical: Advisor, fresh_store: Store, said: str) -> None:
    key, card = _card(topical, f"thanks-{said}")
    before = _state(fresh_store, card)
    assert topical.handle(key, "u", said).heard == "small_talk"
    assert _state(fresh_store, card) == before
