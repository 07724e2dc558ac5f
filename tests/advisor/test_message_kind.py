"""What a message is before what it says: topic questions, thanks, "why not X?"."""

from __future__ import annotations

import pytest

from bot.advisor.message_kind import classify, why_not_target


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("what's the difference between RAG and fine-tuning?", "topic_question"),
        ("How much data does a fine-tune usually need", "topic_question"),
        ("is prompt caching worth it at high volume?", "topic_question"),
        ("Should we fine-tune our ticket classifier?", "other"),
        ("can I use this for my HR bot?", "other"),
        ("thanks, that's helpful", "thanks"),
        ("ok cool", "thanks"),
        ("why not hybrid though?", "why_not"),
        ("Why not just fine-tune it?", "why_not"),
        ("We route support emails and want consistent tags", "other"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text, has_facts=False) == kind


def test_a_message_with_facts_is_read_as_a_description() -> None:
    assert classify("how about this: 20k labeled tickets?", has_facts=True) == "other"


@pytest.mark.parametrize(
    ("text", "approach"),
    [
        ("why not hybrid?", "hybrid"),
        ("why not fine tuning", "fine_tuning"),
        ("why not prompting?", "prompt_engineering"),
    ],
)
def test_why_not_names_the_approach(text: str, approach: str) -> None:
    assert why_not_target(text) == approach
