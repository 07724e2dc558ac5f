"""Issue 13's "advice a specialist would correct" in Teams, over real HTTP to the agent: regulation matches the
sector, documents the user names bring retrieval, a small clean set for a narrow stable task gets a LoRA pilot."""

from __future__ import annotations

import pytest

from tests.teams.harness import Chat, Sent, Teams, User, card_text

pytestmark = [pytest.mark.filterwarnings("ignore::aiohttp.web.NotAppKeyWarning"), pytest.mark.slow]

ALEX = User("aad-alex-0113", "Alex")
# In my own words, not from the development sets.
INSURER = (
    "Our insurance company wants to triage incoming claims by type: roughly 2 million claims a month, 120k "
    "labeled claims and 6 ML engineers. We're regulated and the claims hold personal data."
)
HELP_CENTRE = (
    "Draft answers to support emails from our help-center articles and the product manual; about 30k emails a "
    "month, nobody who does ML, and we want it in 6 weeks"
)
NARROW = (
    "Extract order numbers and amounts from purchase-order PDFs. It's a narrow job and the layout never changes; "
    "we have 800 clean, hand-checked examples, 4 million documents a month, 3 ML engineers, and cost matters most"
)


def card_of(teams: Teams, text: str) -> str:
    """The text of the recommendation card a personal chat gets (after `recommend now` if questions come first)."""
    chat = Chat.personal()
    sent: list[Sent] = teams.say(chat, ALEX, text)
    cards = [s.card for s in sent if s.card and "Cost" in card_text(s.card)]
    if not cards:
        sent = teams.say(chat, ALEX, "recommend now")
        cards = [s.card for s in sent if s.card and "Cost" in card_text(s.card)]
    assert cards, [s.text for s in sent]
    return card_text(cards[-1])


def test_an_insurers_card_names_the_naic_bulletin_and_not_fda_guidance(teams: Teams) -> None:
    text = card_of(teams, INSURER)
    assert "NAIC" in text and "FDA" not in text


def test_answers_from_named_documents_bring_retrieval(teams: Teams) -> None:
    assert "retrieval" in card_of(teams, HELP_CENTRE).lower()


def test_a_small_clean_set_for_a_narrow_stable_task_gets_a_lora_pilot(teams: Teams) -> None:
    text = card_of(teams, NARROW)
    assert "LoRA" in text and "pilot" in text.lower()
