"""Message forms of the third round: questions tied to the advice without "you", chat spellings, requests in a
row, question marks mid-message, corrections that say so, numbers a correction replaces, a second project's
opening and changes said as a factor. Sentences written for these tests, with the near misses that must not count."""

from __future__ import annotations

import pytest

from bot.advisor import message_form as form
from bot.advisor import message_kind


@pytest.mark.parametrize(
    "text",
    [
        "so no prompting at all then?",
        "and with three times the traffic?",
        "hmm and if the vendor raised prices?",
        "what would tip it toward a hybrid?",
        "wouldn't a smaller model be enough here?",
        "isn't fine-tuning overkill for 12 categories?",
        "what would have to be true for you to pick fine-tuning?",
        "what would change ur mind",
        "Makes sense. What would the rollout look like in the first month?",
        "ok and the tuned model would really be cheaper after year two?",
    ],
)
def test_after_a_card_a_question_tied_to_the_advice_is_about_the_case(text: str) -> None:
    assert form.about_the_case(text)


@pytest.mark.parametrize(
    "text",
    [
        "what's distillation?",
        "does fine-tuning reduce hallucinations?",
        "how often do tuned models need retraining?",
        "are there rules about AI in banking?",
        "btw, would LoRA work on a 7B model?",  # set aside by its opener: about the topic
        "side question: could a tuned model leak its training data?",
        "can you explain when retrieval beats fine-tuning?",
        "we should go with it then",  # not a question
    ],
)
def test_a_general_question_set_aside_or_a_definition_is_not_about_the_case(text: str) -> None:
    assert not form.about_the_case(text)


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("ok just gimme the rec", ""),
        ("skip the rest just tell me what to do", ""),
        ("lemme see ur verdict pls", None),  # "see" is not a way of asking to be given it
        ("we have 4k labels, gimme the verdict", "we have 4k labels"),
        ("can we skip the qs pls", ""),  # "qs": questions
        ("just tell me what you'd pick bro", ""),  # a form of address after the request
        ("the rest of the qs are about data, right?", None),
        ("we get like 3 qs a day from dealers", None),
    ],
)
def test_chat_spellings_and_requests_in_a_row_ask_for_the_card(text: str, before: str | None) -> None:
    assert form.recommend_now(text) == before


def test_chat_spellings_are_written_out_word_by_word() -> None:
    assert form.normal("gimme ur rec") == "give me your rec"
    assert form.normal("our output") == "our output"  # only whole words change


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("hey whats the real difference between RAG and tuning? everyone says both", True),
        ("so basically a mix? ok how do the parts talk to each other", True),
        ("ML ppl? no not really", False),  # echoes the question asked before answering it
        ("data? like 15 old newsletters", False),
        ("we have 5k labels. budget is 20k", False),
    ],
)
def test_a_question_mark_mid_message_asks_when_its_sentence_does(text: str, question: bool) -> None:
    assert form.is_question(text) is question


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("ok and the tuned model would be cheaper?", True),
        ("doesn't that cost more?", True),
        ("we have 3 ML engineers, do we need more?", False),
    ],
)
def test_a_message_opens_by_asking_or_by_stating(text: str, first: bool) -> None:
    assert form.asks_first(text) is first


@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("it's 2k not 20k", True),
        ("300, not 3000 reviewed examples", True),
        ("update: the team is 4 now", True),
        ("the style guide changes every week but the format is fixed", False),
        ("they update the brand guide every quarter", False),
        ("no rush, H2 roadmap", False),
    ],
)
def test_a_correction_says_so(text: str, correction: bool) -> None:
    assert message_kind.is_correction(text) is correction


def test_the_number_a_correction_replaces_names_its_field() -> None:
    known = {"use_case": "triage tickets", "labeled_examples": 20_000, "monthly_requests": 5_000}
    assert message_kind.replaced("sorry, it's 2k not 20k", known) == [(2000.0, 20000.0, "labeled_examples")]
    assert message_kind.replaced("5k tickets, not 50k", known) == []  # nothing stored is 50k
    assert message_kind.replaced("2k and 20k", known) == []  # no "not" between them


@pytest.mark.parametrize(
    ("text", "another"),
    [
        ("a classifier that routes invoices into 30 cost centres, 100k labeled", True),
        ("we also need to summarize board minutes for the legal team", True),
        ("we want it to also summarize the thread", False),  # "it": the same project
        ("we need the tool to draft supplier replies in German too", False),
        ("we've got 2M aligned sentence pairs from human translations", False),  # data, not a description
        ("sorry, we want a classifier for invoices", False),  # says it fixes
        ("we want a bot that drafts replies to supplier emails faster", False),  # the same subject
        ("we need before the audit, so six weeks tops", False),  # says when, not what
        ("we'd like one live by the end of Q1", False),
        ("i want in 2 months max", False),
    ],
)
def test_a_message_opens_another_project(text: str, another: bool) -> None:
    use_case = "We want a bot that drafts replies to supplier emails"
    assert message_kind.opens_another(text, use_case) is another


def test_a_factor_on_a_stored_number_is_a_change() -> None:
    known = {"monthly_requests": 40_000, "labeled_examples": 2_000, "budget_usd": 100_000.0}
    assert message_kind.scaled("and if volume triples?", known) == {"monthly_requests": 120_000}
    assert message_kind.scaled("with half the budget?", known) == {"budget_usd": 50_000}
    assert message_kind.scaled("what if we had 10x the labeled data", known) == {"labeled_examples": 20_000}
    assert message_kind.scaled("and with a bigger team?", known) == {}
    assert message_kind.scaled("if the deadline doubles", known) == {}  # no deadline stored


@pytest.mark.parametrize(
    ("text", "about"),
    [
        ("is that still true if the types change monthly?", True),
        ("how does this compare to plain retrieval?", True),
        ("is there a model that does this out of the box?", True),  # "this": the case in hand
        ("is there a model that handles Dutch well?", False),  # "that" opening a clause points nowhere
    ],
)
def test_a_demonstrative_points_at_the_advice(text: str, about: bool) -> None:
    assert form.about_the_case(text) is about


@pytest.mark.parametrize(
    "text", ["nah just tell me straight", "lets just see the recommendation", "show me what u got"]
)
def test_more_ways_of_asking_for_the_card(text: str) -> None:
    assert form.recommend_now(text) == ""


def test_sentences_asking_mid_message_are_found_in_one_pass() -> None:
    assert form.is_question("so a mix? ok how do the parts fit")
    assert not form.is_question("labels? about 300")
    assert not form.is_question("9" * 5000)  # no question mark: nothing to split
