"""The interaction rules both platforms share: quick answers, votes and reasons, stale cards, the TTL cache."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import InputError
from bot.workflows import interaction
from bot.workflows.interaction import REASON_MAX, TtlCache, feedback_reason, is_stale_card, quick_answer, vote


def test_a_quick_answer_is_the_offered_value_with_its_label() -> None:
    chosen = quick_answer("ml_expertise", "strong")
    assert (chosen.field, chosen.value, chosen.label) == ("ml_expertise", "strong", "A strong ML team")
    assert chosen.question.field == "ml_expertise"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("no_such_question", "x"),  # a forged field
        (None, "strong"),  # no field at all
        (["ml_expertise"], "strong"),  # a field that isn't text
        ("ml_expertise", "expert"),  # an answer the question doesn't offer
        ("changes_often", 1),  # 1 is not True: values match by type as well
        ("labeled_examples", False),  # ... and False is not 0
        ("labeled_examples", "0"),  # nor is the text "0"
    ],
)
def test_anything_but_an_offered_answer_is_refused(field: Any, value: Any) -> None:
    with pytest.raises(InputError):
        quick_answer(field, value)


def test_booleans_and_zero_are_answers_when_offered_as_such() -> None:
    assert quick_answer("changes_often", True).label == "Changes often"
    assert quick_answer("labeled_examples", 0).label == "None yet"


@pytest.mark.parametrize("value", ["up", "down"])
def test_votes(value: str) -> None:
    assert vote(value) == value


@pytest.mark.parametrize("value", ["UP", "sideways", "", None, 1, ["up"]])
def test_anything_else_is_not_a_vote(value: Any) -> None:
    with pytest.raises(InputError):
        vote(value)


def test_a_down_vote_keeps_its_reason_on_one_clean_line() -> None:
    assert feedback_reason("down", "  too\nexpensive\x00 for\tus ") == "too expensive for us"
    assert feedback_reason("down", "costs \ud800more") == "costs more"  # a lone surrogate can't travel as JSON
    assert feedback_reason("down", None) == ""


def test_an_up_vote_needs_no_reason() -> None:
    assert feedback_reason("up", "great card") == ""


def test_a_reason_has_a_limit_and_must_be_text() -> None:
    assert feedback_reason("down", "y" * REASON_MAX) == "y" * REASON_MAX
    with pytest.raises(InputError, match=str(REASON_MAX)):
        feedback_reason("down", "y" * (REASON_MAX + 1))
    with pytest.raises(InputError):
        feedback_reason("down", {"text": "why"})


@pytest.mark.parametrize(
    ("clicked", "latest", "stale"),
    [
        ("2.0", "2.0", False),  # the latest card
        ("1.0", "2.0", True),  # a card a newer one replaced
        ("", "2.0", True),  # not on a message at all, while there is a card
        (None, "2.0", False),  # the platform didn't say which message (Teams, some clients)
        ("1.0", None, False),  # no card known yet
        (None, None, False),
    ],
)
def test_stale_card_rule(clicked: str | None, latest: str | None, stale: bool) -> None:
    assert is_stale_card(clicked, latest) is stale


def test_the_cache_remembers_until_its_entries_expire() -> None:
    clock = [0.0]
    cache = TtlCache(60, clock=lambda: clock[0])
    assert cache.known(("C1", "U1")) == (False, None)
    cache.put(("C1", "U1"), False)  # "not a member" is remembered too
    clock[0] = 59.9
    assert cache.known(("C1", "U1")) == (True, False)
    clock[0] = 60.0
    assert cache.known(("C1", "U1")) == (False, None)


def test_the_cache_computes_once_and_never_stores_a_failure() -> None:
    cache = TtlCache(interaction.MEMBERSHIP_TTL)
    calls: list[str] = []

    def failing() -> frozenset[str]:
        calls.append("failed")
        raise OSError("timed out")

    def members() -> frozenset[str]:
        calls.append("looked up")
        return frozenset({"U1"})

    with pytest.raises(OSError):
        cache.get("C1", failing)
    assert cache.get("C1", members) == frozenset({"U1"}) and cache.get("C1", members) == frozenset({"U1"})
    assert calls == ["failed", "looked up"]
