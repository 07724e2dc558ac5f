"""The conversation core on forms round 5 is about, in sentences written for these tests (none is from a benchmark
set): a request for the card in chat words or with an emoji, export and help asked for in other words, saying the
card will be passed on, a question set aside with "random q", a disagreement that argues rather than corrects, a
disagreement said while a question is open or ending with a question, a number said earlier disowned, and the words
"actually" and "btw" inside a sentence. What must not change is checked against the store."""

from __future__ import annotations

import pytest

from bot.advisor import message_form, message_kind, message_refs
from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey
from tests.advisor.conversation_helpers import THIN
from tests.advisor.conversation_helpers import card as _card
from tests.advisor.conversation_helpers import state as _state

# --- asking for the card in chat words, with an emoji, after any acknowledgement ---


@pytest.mark.parametrize(
    "said",
    ["kk gimme the verdict", "cool, hit us w the recommendation pls 🙏", "yep just tell me what to do :pray:"],
)
def test_a_request_for_the_card_after_an_acknowledgement_or_before_an_emoji(said: str) -> None:
    assert message_form.recommend_now(said) == ""


@pytest.mark.parametrize("said", ["kk the verdict was odd", "cool, we hit 5k tickets 🙏"])
def test_no_request_without_its_verb(said: str) -> None:
    assert message_form.recommend_now(said) is None


def test_a_slang_request_while_a_question_is_open_gives_the_card(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "slang-rec")
    asked = topical.handle(key, "u", THIN)
    assert asked.kind == "questions"
    reply = topical.handle(key, "u", "k hit me w the rec 🙏")
    assert reply.heard == "command" and reply.kind == "recommendation"


# --- export and help in other words ---


@pytest.mark.parametrize(
    "said",
    [
        "can you turn this into a one-pager for the steering group",
        "pls write this up as a report i can forward",
        "could u put the recommendation into a google doc",
        "make this a summary i can drop in notion",
    ],
)
def test_export_asked_in_other_words(said: str) -> None:
    assert message_form.asks_export(said)


@pytest.mark.parametrize(
    "said",
    [
        "can a fine-tuned model write a summary of a contract?",
        "we turn support tickets into summaries for managers",
        "put the changing rules into the prompt?",
    ],
)
def test_no_export_in_a_task_or_a_question(said: str) -> None:
    assert not message_form.asks_export(said)


def test_an_export_in_other_words_names_what_exists_and_stores_nothing(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "export-words")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "nice - could you dump this into a doc for my boss")
    assert reply.heard == "command" and "Export decision record" in reply.text
    assert _state(fresh_store, card) == before


@pytest.mark.parametrize("said", ["pull up the help menu", "show me your commands", "list the commands pls"])
def test_help_asked_in_other_words(topical: Advisor, said: str) -> None:
    reply = topical.handle(ConversationKey("cli", "t", "c", f"help-{said}"), "u", said)
    assert reply.heard == "command" and "Describe the AI feature" in reply.text


def test_a_description_that_mentions_a_menu_is_no_help_request(topical: Advisor) -> None:
    said = "we want a bot that shows customers the lunch menu and takes table bookings"
    assert topical.handle(ConversationKey("cli", "t", "c", "menu"), "u", said).heard == "description"


# --- saying the card will be passed on ---


@pytest.mark.parametrize(
    "said",
    [
        "great, I'll forward it to my CTO",
        "will share this with the team, cheers",
        "k sending it to jo",
        "sharing it with my lead now",
    ],
)
def test_passing_the_card_on_is_small_talk(topical: Advisor, fresh_store: Store, said: str) -> None:
    key, card = _card(topical, f"pass-on-{said}")
    before = _state(fresh_store, card)
    assert topical.handle(key, "u", said).heard == "small_talk"
    assert _state(fresh_store, card) == before


def test_sending_data_somewhere_is_no_small_talk() -> None:
    assert not message_form.passes_on("we send 20k invoices a month to the ERP")
    assert not message_form.passes_on("will it forward the tickets to the right team?")


# --- a question set aside ---


@pytest.mark.parametrize(
    "said",
    [
        "random q while i have you - what's RAG?",
        "side q: can a tuned model forget things if you retrain it too often?",
    ],
)
def test_a_question_set_aside_is_about_the_topic(topical: Advisor, fresh_store: Store, said: str) -> None:
    key, card = _card(topical, f"aside-{said}")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", said)
    assert reply.heard == "topic_question" and "[knowledge answer to:" in reply.text
    assert _state(fresh_store, card) == before


def test_a_what_if_after_an_aside_word_about_us_stays_a_what_if(topical: Advisor) -> None:
    key, _ = _card(topical, "aside-whatif")
    reply = topical.handle(key, "u", "btw what if we had only 2k labeled claims?")
    assert reply.heard == "follow_up"


# --- disagreeing ---


@pytest.mark.parametrize(
    "said",
    [
        "I don't agree with this. we have 5k labels",
        "hmm disagree tbh, no ML team",
        "don't agree with that card: 3 devs",
    ],
)
def test_a_disagreement_pointing_at_the_card_is_a_dispute(said: str) -> None:
    assert message_refs.disputes(said)


def test_an_argument_without_a_fact_is_a_follow_up_and_changes_nothing(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "argue")
    topical.handle(key, "u", THIN)
    card = topical.handle(key, "u", "recommend now")
    before = _state(fresh_store, card)
    reply = topical.handle(
        key, "u", "not sure i agree. warranty law here is really specialised, would prompting really cope with it?"
    )
    assert reply.heard == "follow_up" and reply.kind == "message"
    assert _state(fresh_store, card) == before


@pytest.mark.parametrize(
    "said",
    [
        "that's wrong, we have no ML engineers at all, so why fine-tuning?",
        "I don't agree with this. I asked around: no ML people here. where did you get that from?",
    ],
)
def test_a_disagreement_stating_a_fact_and_asking_why_corrects(topical: Advisor, fresh_store: Store, said: str) -> None:
    key, _ = _card(topical, f"dispute-why-{said}")
    reply = topical.handle(key, "u", said)
    assert reply.heard == "correction" and _state(fresh_store, reply)[2]["ml_expertise"] == "none"


def test_a_disagreement_with_a_number_ending_in_a_question_corrects(topical: Advisor, fresh_store: Store) -> None:
    key, _ = _card(topical, "dispute-q")
    reply = topical.handle(key, "u", "I don't agree with this. we only have 2k labeled claims. so why fine-tuning?")
    assert reply.heard == "correction" and reply.kind == "recommendation"
    assert not any("knowledge answer" in n for n in reply.notes)  # the question is about the card, not the topic
    assert _state(fresh_store, reply)[2]["labeled_examples"] == 2000


def test_a_disagreement_while_a_question_is_open_corrects_and_stores(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "dispute-asking")
    topical.handle(key, "u", THIN)
    topical.handle(key, "u", "about 20k labeled disputes")
    reply = topical.handle(key, "u", "that doesn't match what I said - it's 2k labeled disputes, not 20k")
    assert reply.heard == "correction"
    assert _state(fresh_store, reply)[2]["labeled_examples"] == 2000


def test_a_no_while_a_question_is_open_still_answers(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "no-asking")
    topical.handle(key, "u", THIN)
    assert topical.handle(key, "u", "no, nothing labeled yet").heard == "answer"


# --- a number said earlier, disowned ---


def test_a_number_said_before_disowned_is_a_correction(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "disown-said")
    topical.handle(key, "u", THIN)
    topical.handle(key, "u", "30k labeled disputes")
    reply = topical.handle(
        key, "u", "wait, the 30k I gave you is the refunds project, not this. for disputes it's ~900"
    )
    assert reply.heard == "correction"
    assert _state(fresh_store, reply)[2]["labeled_examples"] == 900


# --- "actually" and "btw" inside a sentence ---


@pytest.mark.parametrize(
    "said",
    [
        "labels? we have 400 replies we actually like",
        "two ML engineers, the rules haven't changed since 2021 btw",
    ],
)
def test_a_marker_inside_a_sentence_is_no_correction(said: str) -> None:
    assert not message_kind.is_correction(said)


@pytest.mark.parametrize("said", ["actually it's 4k", "oh actually, 4k", "btw it's 4k not 400", "sorry, 4k"])
def test_a_marker_opening_a_clause_still_corrects(said: str) -> None:
    assert message_kind.is_correction(said)


# --- questions announced ("two things: …") ---


def test_announced_questions_are_each_answered(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "announced")
    before = _state(fresh_store, card)
    reply = topical.handle(
        key,
        "u",
        "couple of qs - why not just prompting with good examples? and how often would we retrain the tuned model?",
    )
    assert reply.heard == "follow_up" and "Why not prompt engineering" in reply.text
    assert "*and how often would we retrain the tuned model?*" in reply.text
    assert _state(fresh_store, card) == before


def test_two_things_said_as_facts_are_no_questions() -> None:
    assert message_refs.questions("two things: we have 5k labels. and the rules change weekly") == []


# --- another number set beside a stored one ---


def test_a_stored_number_or_another_is_tried_not_stored(topical: Advisor, fresh_store: Store) -> None:
    key, card = _card(topical, "or-number")
    before = _state(fresh_store, card)
    reply = topical.handle(key, "u", "is the 60k really needed, or would 8k be enough?")
    assert reply.heard == "follow_up" and "If labeled examples" in reply.text and "8k" in reply.text
    assert _state(fresh_store, card)[2] == before[2]


def test_two_new_numbers_with_or_are_no_alternative(topical: Advisor) -> None:
    key, _ = _card(topical, "or-new")
    reply = topical.handle(key, "u", "is 5k or 8k enough for a tuned model?")
    assert not reply.text.startswith("If labeled examples")


# --- weighing an approach before the card ---


def test_weighing_an_approach_before_the_card_asks_about_the_advice_so_far(
    topical: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "weigh-before")
    asked = topical.handle(key, "u", THIN)
    before = _state(fresh_store, asked)
    reply = topical.handle(key, "u", "what would tip this toward fine-tuning?")
    assert reply.heard == "follow_up" and "[knowledge answer" not in reply.text
    assert _state(fresh_store, asked)[2] == before[2]


@pytest.mark.parametrize("said", ["what's hybrid exactly?", "does fine-tuning help with hallucinations?"])
def test_a_question_about_an_approach_itself_stays_a_topic_question(topical: Advisor, said: str) -> None:
    key = ConversationKey("cli", "t", "c", f"weigh-topic-{said}")
    topical.handle(key, "u", THIN)
    assert topical.handle(key, "u", said).heard == "topic_question"


# --- a project replaced by "something else: …" ---


def test_something_else_with_a_description_replaces_the_project(topical: Advisor, fresh_store: Store) -> None:
    key = ConversationKey("cli", "t", "c", "something-else")
    first = topical.handle(key, "u", THIN)
    topical.handle(key, "u", "about 20k labeled disputes")
    reply = topical.handle(
        key,
        "u",
        "hold on - our director would rather do something else: classifying inbound tenders by product line. "
        "could you look at that one?",
    )
    assert reply.heard == "description" and reply.conversation_id != first.conversation_id
    assert "labeled_examples" not in _state(fresh_store, reply)[2]


def test_something_else_without_a_description_replaces_nothing(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "something-else-q")
    first = topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "is there something else: like a cheaper option?")
    assert reply.conversation_id == first.conversation_id


def test_a_restart_keeps_only_the_description_after_its_comments(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "restart-comment")
    topical.handle(key, "u", THIN)
    reply = topical.handle(
        key, "u", "ugh start over, ignore all that. actual project: summarising shift handover notes for nurses"
    )
    assert reply.heard == "description"
    assert reply.intake["use_case"].startswith("summarising shift handover notes")


# --- the lead's fixes after the sealed seventh set ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ok skip the rest of the qs, just spill the tea — which one is it?",
        "enough qs — so which one is it?",
        "spill it, what's the verdict",
    ],
)
def test_a_request_for_the_card_across_a_dash_and_in_slang(text: str) -> None:
    assert message_form.recommend_now(text) == ""


def test_words_before_a_dash_and_a_request_are_kept_for_reading() -> None:
    assert message_form.recommend_now("we need it by june — just tell me") == "we need it by june"


@pytest.mark.parametrize(
    ("text", "about_case"),
    [
        ("what tips it back to prompting?", True),
        ("what swings the balance toward fine-tuning?", True),
        ("what moves things in favour of a hybrid?", True),
        ("does it scale to millions of users?", False),
        ("what does it cost to switch to prompting?", False),
    ],
)
def test_moving_the_decision_toward_an_approach_is_about_the_case(text: str, about_case: bool) -> None:
    assert message_form.about_the_case(text) is about_case


def test_a_request_after_a_spaced_dash_gives_the_card_while_a_question_is_open(topical: Advisor) -> None:
    key = ConversationKey("cli", "t", "c", "dash-request")
    topical.handle(key, "u", THIN)
    reply = topical.handle(key, "u", "ok skip the rest of the qs, just spill it - which one is it?")
    assert reply.heard == "command" and reply.kind == "recommendation"


def test_recommend_now_right_after_the_card_says_it_stands_and_stores_no_copy(
    topical: Advisor, fresh_store: Store
) -> None:
    key = ConversationKey("cli", "t", "c", "recommend-twice")
    topical.handle(key, "u", THIN)
    card = topical.handle(key, "u", "recommend now")
    assert card.kind == "recommendation"
    again = topical.handle(key, "u", "just give me the recommendation")
    assert again.kind == "message" and "it stands" in again.text
    versions = [
        r
        for r in fresh_store.db.execute(
            "select count(*) from recommendations where conversation_id = ?", [card.conversation_id]
        )
    ]
    assert versions[0][0] == 1
    changed = topical.handle(key, "u", "we have 40k labeled examples, recommend now")
    assert changed.kind == "recommendation"  # a new fact: a new card
