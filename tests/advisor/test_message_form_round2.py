"""Message forms the second round of conversations showed: asides before a question, questions addressed to the
advisor, commands with trailing words, export requests and thanks in other languages. Sentences written here."""

from __future__ import annotations

import pytest

from bot.advisor import message_form as form
from bot.advisor import message_kind


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("sorry, quick one: does distillation need labels? a colleague asked", True),
        ("btw how long does a LoRA run usually take", True),
        ("unrelated but what is RLHF? keeps coming up", True),
        ("sorry, it's 3k not 30k", False),  # an apology before a fix is no question
        ("btw we have 5k tickets labelled", False),
    ],
)
def test_a_question_after_an_opener_is_a_question(text: str, question: bool) -> None:
    assert form.is_question(text) is question


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("btw what is quantization exactly, my manager brought it up", "topic_question"),
        ("side question: what's a vector database", "topic_question"),
        ("btw what is our budget again", "other"),  # the defining clause is about the asker's own case
    ],
)
def test_a_definition_after_an_opener_is_a_topic_question(text: str, kind: str) -> None:
    assert message_kind.classify(text, has_facts=False) == kind


@pytest.mark.parametrize(
    ("text", "addressed"),
    [
        ("so you'd really go with prompting here?", True),
        ("what would make you pick fine-tuning?", True),
        ("would you bother with a hybrid at our size?", True),
        ("and what would change your mind?", True),
        ("can you explain what distillation is?", False),  # asks the advisor about the topic
        ("what is LoRA?", False),
        ("you'd go with prompting.", False),  # not a question
    ],
)
def test_questions_addressed_to_the_advisor(text: str, addressed: bool) -> None:
    assert form.addresses_advisor(text) is addressed


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("ok just give me the rec now pls", ""),
        ("can we skip the 12 questions please", ""),
        ("we have 3k labels, just tell me the verdict, i'm late for a call", "we have 3k labels"),
        ("just give me the answer, gotta run", ""),
    ],
)
def test_commands_with_abbreviations_counts_and_a_hurried_aside(text: str, before: str) -> None:
    assert form.recommend_now(text) == before


@pytest.mark.parametrize(
    "text",
    [
        "just tell me, i have a team of 5",  # a fact after the request is not an aside: read as an answer
        "i have a meeting in 5",
        "can we skip fine-tuning entirely?",
    ],
)
def test_not_a_command(text: str) -> None:
    assert form.recommend_now(text) is None


@pytest.mark.parametrize(
    ("text", "export"),
    [
        ("could you export this as a pdf for finance", True),
        ("great, export the recommendation to #platform", True),
        ("pls send it as a word doc", True),
        ("can I export a fine-tuned model to onnx?", False),  # a topic question
        ("how do we export our training data?", False),
        ("we export reports monthly", False),
    ],
)
def test_export_requests(text: str, export: bool) -> None:
    assert form.asks_export(text) is export


@pytest.mark.parametrize(
    "text", ["obrigado!", "danke schön, very useful", "gracias 🙏", "merci beaucoup", "yeah that's what i thought"]
)
def test_thanks_in_other_languages_and_expected_answers_are_small_talk(text: str) -> None:
    assert message_kind.is_small_talk(text)


@pytest.mark.parametrize(
    "text",
    [
        "obrigado, and we also have about 2k labelled tickets from last year",
        "that's what i figured, but what about RAG?",
    ],
)
def test_thanks_beside_something_else_is_not_small_talk(text: str) -> None:
    assert not message_kind.is_small_talk(text)


@pytest.mark.parametrize(
    ("rest", "describes"),
    [("pls, other dept", False), ("", False), ("a tool that tags support tickets", True)],
)
def test_words_after_new_project_describe_it_only_when_they_say_something(rest: str, describes: bool) -> None:
    assert message_kind.introduces_new(rest) is describes
