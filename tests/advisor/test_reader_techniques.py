"""The reader on the facts beyond the six steps: self-hosting, reviewed outputs, a live prompt, cost pressure and
EU personal data (issue 19). Messages written for these tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.advisor.extract import extract

TODAY = dt.date(2026, 11, 29)


def read(text: str, **kw: Any) -> dict[str, Any]:
    return extract(text, turn=1, today=TODAY, **kw).values()


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Patient notes can never leave our network.", "self_hosting", True),
        ("Everything has to run on-prem, on our own GPUs.", "self_hosting", True),
        ("Legal says we cannot send any of it to OpenAI or any other vendor.", "self_hosting", True),
        ("We want an open-weight model we host ourselves.", "self_hosting", True),
        ("A hosted API is fine for us as long as there's a DPA.", "self_hosting", False),
        ("We log every answer the bot gives and agents approve most of them.", "reviewed_outputs", True),
        ("We don't log outputs at all.", "reviewed_outputs", False),
        ("It runs well on Claude today with a long system prompt.", "prompt_in_production", True),
        ("The current prompt is in production and handles most tickets.", "prompt_in_production", True),
        ("Nothing in production yet, it's greenfield.", "prompt_in_production", False),
        ("Our inference bill is huge, we need to cut costs.", "cost_pressure", True),
        ("The API spend is a six-figure line every month.", "cost_pressure", True),
        ("Cost doesn't matter much here, quality does.", "cost_pressure", False),
        ("Most of our policyholders are in the EU.", "eu_personal_data", True),
        ("It handles data of French customers.", "eu_personal_data", True),
    ],
)
def test_technique_facts_are_read(text: str, field: str, value: Any) -> None:
    assert read(text).get(field) == value


def test_a_count_of_reviewed_outputs_is_not_a_count_of_labeled_examples() -> None:
    got = read("No labels, but 35k approved outputs from the current GPT-4o prompt in production.")
    assert got["reviewed_output_count"] == 35_000
    assert got["reviewed_outputs"] is True and got["prompt_in_production"] is True
    assert got["labeled_examples"] == 0


def test_labels_and_reviewed_outputs_in_one_message_go_to_their_own_fields() -> None:
    got = read("We have 9k labeled tickets and about 50k reviewed outputs from the bot.")
    assert got["labeled_examples"] == 9_000
    assert got["reviewed_output_count"] == 50_000


@pytest.mark.parametrize(
    "text",
    [
        "Our ML platform team already runs a feature store and model serving.",
        "Reviewers will check every draft before it goes out.",
        "We sell to customers across the US and Canada.",
    ],
)
def test_no_technique_fact_from_unrelated_words(text: str) -> None:
    got = read(text)
    for field in ("self_hosting", "prompt_in_production", "reviewed_output_count", "eu_personal_data"):
        assert got.get(field) is None, field


def test_a_yes_to_the_pending_question_fills_the_new_field() -> None:
    assert read("yes", expecting=["self_hosting"])["self_hosting"] is True
    assert read("nope", expecting=["reviewed_outputs"])["reviewed_outputs"] is False
