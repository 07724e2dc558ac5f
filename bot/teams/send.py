"""Sending to Teams directly: plain functions over a `TurnContext` (text, cards, typing, failures told). Replies that
must not be lost go through the outbox instead (bot/teams/delivery.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, TextFormatTypes
from microsoft_agents.hosting.core import CardFactory, MessageFactory, TurnContext

from bot.errors import AdvisorError
from bot.teams import cards
from bot.teams import messages as msg

log = logging.getLogger(__name__)

MAX_TEXT_REPLY = 8000


def text_activity(text: str) -> Activity:
    """A plain-text message (never markdown: replies can quote what users typed)."""
    activity = MessageFactory.text(cards.clip(text, MAX_TEXT_REPLY))
    activity.text_format = TextFormatTypes.plain
    return activity


def card_activity(card: dict[str, Any], summary: str, *, activity_id: str | None = None) -> Activity:
    """A message carrying one Adaptive Card (with an id: the replacement for that posted message)."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = cards.clip(summary, 200)
    if activity_id:
        activity.id = activity_id
    return activity


async def say(context: TurnContext, text: str) -> None:
    """Send a plain-text reply, logging (not raising) if the channel refuses it."""
    try:
        await context.send_activity(text_activity(text))
    except Exception as exc:  # the user can't be told; at least the log says so
        log.error("could not send a reply to %s: %s", context.activity.conversation.id, type(exc).__name__)


@asynccontextmanager
async def told_on_failure(context: TurnContext) -> AsyncIterator[None]:
    """Turn any failure inside the block into a clear reply (never silence, never a traceback)."""
    try:
        yield
    except AdvisorError as exc:
        await say(context, msg.ERROR_INPUT.format(error=exc))
    except aiohttp.ClientError as exc:  # Teams refused or couldn't be reached: one line, not a traceback
        log.error("Teams connector call failed in %s: %s", context.activity.conversation.id, exc)
        await say(context, msg.ERROR)
    except Exception:
        log.exception("unexpected error in Teams conversation %s", context.activity.conversation.id)
        await say(context, msg.ERROR)


async def typing(context: TurnContext) -> None:
    """Show the typing indicator right away (the SDK's timer keeps it up during long turns)."""
    try:
        await context.send_activity(Activity(type=ActivityTypes.typing))
    except Exception as exc:
        log.debug("typing indicator not sent: %s", exc)


async def send_card(context: TurnContext, card: dict[str, Any], summary: str) -> str | None:
    """Post a card in the conversation; returns the posted message's activity id."""
    return await send(context, card_activity(card, summary))


async def send(context: TurnContext, activity: Activity) -> str | None:
    """Post a message in the conversation; returns its activity id."""
    sent = await context.send_activity(activity)
    return str(sent.id) if sent and sent.id else None
