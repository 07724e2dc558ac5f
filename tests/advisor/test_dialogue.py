"""The dialogue's explicit state (bot/advisor/dialogue.py): each stage from what a conversation stores, and what
a reply that changed nothing says in it."""

from __future__ import annotations

import pytest

from bot.advisor import dialogue
from bot.advisor.confirm import PREFIX


@pytest.mark.parametrize(
    ("stored", "carded", "expecting", "stage"),
    [
        (False, False, [], "opening"),
        (True, False, ["labeled_examples", "budget_usd"], "asking"),
        (True, False, [PREFIX + '{"value": 12000}'], "confirming"),
        (True, True, [], "carded"),
        (True, True, ['whatif:[["labeled_examples", 2000, "2k"]]'], "carded"),
        (True, False, [], "gathering"),
        (True, True, ["monthly_requests"], "asking"),  # a question asked after the card is open
    ],
)
def test_stage_from_what_is_stored(stored: bool, carded: bool, expecting: list[str], stage: str) -> None:
    assert dialogue.where(stored=stored, carded=carded, expecting=expecting).stage == stage


def test_open_fields_and_an_offered_what_if() -> None:
    d = dialogue.where(stored=True, carded=True, expecting=['whatif:[["budget_usd", 5, "5"]]'])
    assert d.what_if_offered and d.open_fields == ()
    d = dialogue.where(stored=True, carded=False, expecting=["budget_usd", "confirm:{}"])
    assert d.stage == "confirming" and d.open_fields == ("budget_usd",)


def test_only_the_card_can_be_disputed() -> None:
    assert dialogue.disputes_card(dialogue.Dialogue("carded"))
    assert not any(dialogue.disputes_card(dialogue.Dialogue(s)) for s in ("opening", "asking", "confirming"))


def test_a_disagreement_in_words_disputes_once_anything_is_stored() -> None:
    assert all(
        dialogue.disputes_in_words(dialogue.Dialogue(s)) for s in ("carded", "asking", "confirming", "gathering")
    )
    assert not dialogue.disputes_in_words(dialogue.Dialogue("opening"))


def test_a_reply_that_changed_nothing_says_what_next_by_stage() -> None:
    asking = dialogue.unchanged_tail(dialogue.Dialogue("asking", ("budget_usd",)), ["What budget do you have?"])
    assert asking.startswith("Still open: What budget do you have?")
    assert dialogue.unchanged_tail(dialogue.Dialogue("carded"), []).startswith("The card stands")
    assert "Describe the AI feature" in dialogue.unchanged_tail(dialogue.Dialogue("opening"), [])
