"""Issue 13's "advice a specialist would correct", over real HTTP: signed mentions to `ai-advisor serve`, the card
read from the Web API emulator. Regulation matches the sector, documents the user names bring retrieval, and a
small clean data set for a narrow stable task gets a LoRA pilot instead of a flat no."""

from __future__ import annotations

import uuid

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import blocks_text, is_card, wait_posts
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e

# In my own words, not from the development sets.
INSURER = (
    "We're an insurer and want to sort incoming claims by type: about 2 million claims a month, 120k labeled "
    "claims, an ML team of 6. We are regulated and handle personal data."
)
HELP_CENTRE = (
    "Auto-draft replies to customer emails using our help-center articles and the product manual, about 30k "
    "emails a month, no ML engineers, live in 6 weeks"
)
NARROW = (
    "Pull invoice numbers and totals out of supplier PDFs: a narrow task whose format never changes, 800 clean "
    "hand-checked examples, 4 million documents a month, 3 ML engineers, cost matters most"
)


def card_text(server: Server, slack: SlackClient, text: str) -> str:
    """The text of the card a mention gets (after `recommend now` when questions come first)."""
    channel = "C" + uuid.uuid4().hex[:9].upper()
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    thread = str(event["ts"])
    first = wait_posts(server.emulator, channel, 1, thread=thread)[-1]
    if is_card(first):
        return blocks_text(first)
    now = sr.message("recommend now", channel=channel, thread_ts=thread)
    assert slack.post_event(sr.event_body(now))[0] == 200
    card = wait_posts(server.emulator, channel, 2, thread=thread)[-1]
    assert is_card(card)
    return blocks_text(card)


def test_an_insurers_card_names_the_naic_bulletin_and_not_fda_guidance(server: Server, slack: SlackClient) -> None:
    text = card_text(server, slack, INSURER)
    assert "NAIC" in text
    assert "FDA" not in text  # medical-device guidance does not apply to an insurer


def test_answers_from_named_documents_bring_retrieval(server: Server, slack: SlackClient) -> None:
    text = card_text(server, slack, HELP_CENTRE)
    assert "retrieval" in text.lower() and "FDA" not in text


def test_a_small_clean_set_for_a_narrow_stable_task_gets_a_lora_pilot(server: Server, slack: SlackClient) -> None:
    text = card_text(server, slack, NARROW)
    assert "FINE-TUNING" in text.upper() and "LoRA" in text and "pilot" in text.lower()
