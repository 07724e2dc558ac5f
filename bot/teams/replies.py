"""The advisor's replies in Teams: each `Reply` rendered from its parts (never from its text), then delivered."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.services import Services
from bot.teams import cards
from bot.teams import messages as msg
from bot.teams.files import chart_image
from bot.teams.send import card_activity, replace_card, send, send_text, text_activity
from bot.workflows.conversation import Reply
from bot.workflows.summary import STATUS_LABELS, stale_decision


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


async def deliver(services: Services, context: TurnContext, reply: Reply) -> None:
    """Send the advisor's reply (a recomputed recommendation replaces the conversation's card in place), then
    tell the lead once when the answers changed after their decision."""
    await _send(services, context, reply)
    if reply.conversation_id:
        decided = await asyncio.to_thread(stale_decision, services.store, reply.conversation_id)
        if decided is not None:
            label = STATUS_LABELS.get(str(decided["status"]), str(decided["status"]))
            await send_text(context, msg.REREVIEW.format(status=label))


async def _send(services: Services, context: TurnContext, reply: Reply) -> None:
    chart = None
    if reply.kind == "recommendation" and reply.recommendation is not None:  # each card version links its own chart
        chart = await asyncio.to_thread(chart_image, services, reply.conversation_id, reply.recommendation.tco)
    rendered = render(reply, chart)
    if reply.kind != "recommendation" or rendered.card is None:
        await send(context, rendered.activity())
        return
    conversation = str(context.activity.conversation.id)
    posted = await asyncio.to_thread(services.store.card, reply.conversation_id)
    if (
        posted
        and posted["channel"] == conversation
        and await replace_card(context, str(posted["ts"]), rendered.card, rendered.summary)
    ):
        await send_text(context, msg.CARD_UPDATED)
        return
    sent = await send(context, rendered.activity())
    if sent:
        await asyncio.to_thread(services.store.save_card, reply.conversation_id, conversation, sent)
