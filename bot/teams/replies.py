"""The advisor's replies in Teams: each `Reply` rendered from its parts (never from its text); bot/teams/delivery.py
sends them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from bot.teams import cards
from bot.teams import messages as msg
from bot.teams.send import card_activity, text_activity
from bot.workflows.conversation import Reply


@dataclass(frozen=True)
class Rendered:
    """A reply as Teams shows it: a card (with its notification summary) or plain text."""

    card: dict[str, Any] | None
    summary: str
    text: str = ""

    def activity(self) -> Activity:
        """The message to send."""
        return card_activity(self.card, self.summary) if self.card is not None else text_activity(self.text)


def render(reply: Reply, chart: cards.ChartImage | None = None) -> Rendered:
    """The recommendation card (with its cost chart, if given), a question round's card (intro, questions with their
    quick answers, notes), or the text of a plain message."""
    if reply.kind == "recommendation" and reply.recommendation is not None:
        rec = reply.recommendation
        card = cards.recommendation_card(rec, reply.conversation_id, reply.notes, chart)
        return Rendered(card, cards.card_text(rec))
    if reply.kind == "questions" and reply.questions:
        card = cards.questions_card(reply.intro, reply.questions, reply.conversation_id, reply.notes)
        return Rendered(card, reply.intro or msg.QUESTIONS_FALLBACK)
    return Rendered(None, "", reply.text)
