"""Shared by the conversation-kind tests: two descriptions written for them and small readers of what a turn
stored (the `topical` advisor fixture is in tests/advisor/conftest.py)."""

from __future__ import annotations

from bot.storage.store import Store
from bot.workflows.conversation import Advisor, ConversationKey, Reply

THIN = "We want a bot that drafts answers to supplier invoice disputes for our accounts payable team"
FULL = (
    "We want to sort incoming warranty claims into 30 types: 60k labeled claims reviewed by two people, "
    "an ML team of 4, about 400k claims a month, budget $500k, live in 8 months, not regulated, "
    "the claim types are stable"
)


def state(store: Store, reply: Reply) -> tuple[int, list[str], dict[str, object]]:
    """The reply's conversation as stored: its version, the fields it waits for, and the facts known."""
    conv = store.get_conversation(reply.conversation_id)
    return conv.version, list(conv.expecting), store.latest_intake(conv.id).known()


def card(advisor: Advisor, thread: str) -> tuple[ConversationKey, Reply]:
    """A conversation in `thread` that got its card for `FULL`: its key and the card."""
    key = ConversationKey("cli", "t", "c", thread)
    reply = advisor.handle(key, "u", FULL)
    reply = reply if reply.kind == "recommendation" else advisor.handle(key, "u", "recommend now")
    assert reply.kind == "recommendation"
    return key, reply
