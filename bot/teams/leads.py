"""Leads in Teams: `summary` and `digest` typed to the bot, and decisions from the summary card's buttons.

Access rules come from the platform-neutral `bot.workflows.leads.Leads` (leads: ADVISOR_TEAMS_LEADS and
ADVISOR_LEADS, by Entra ID object id); Teams supplies membership: whether the viewer is a member of the chat
or channel an assessment lives in, asked of the Bot Connector API and cached briefly.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
from microsoft_agents.activity import ChannelAccount
from microsoft_agents.hosting.core import ConnectorClientBase, TurnContext

from bot.errors import NotFoundError, PermissionDeniedError
from bot.services import Services
from bot.storage.store import Conversation
from bot.teams import delivery, lead_cards
from bot.teams import messages as msg
from bot.teams.routing import PLATFORM, TeamsTurn, key_of, tenant_of, user_of
from bot.workflows.digest import parse_period
from bot.workflows.interaction import TtlCache
from bot.workflows.leads import Leads

log = logging.getLogger(__name__)

MEMBERSHIP_TTL = 300.0
LOOKUPS_AT_ONCE = 8  # membership lookups in flight for one digest (the Bot Connector API rate-limits)
# Possessive quantifiers (`*+`): linear on hostile text (no backtracking between adjacent runs of spaces).
_SUMMARY = re.compile(r"^\s*+summary(?:\s++(?P<id>[0-9a-f]{6,32}))?\s*+(?:[.!]\s*+)?$", re.I)
_DIGEST = re.compile(r"^\s*+digest(?:\s++(?P<period>\S++))?\s*+$", re.I)


class TeamsLeads:
    """The leads' commands and decision buttons in Teams."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.core: Leads = services.leads(lead_ids=services.settings.teams_lead_ids)
        # Membership answers by (chat or channel, user); the lookup is async, so it is put, not computed, here.
        self._members = TtlCache(MEMBERSHIP_TTL)

    @staticmethod
    def is_command(text: str) -> bool:
        """Whether a message is a leads' command (`summary [ID]`, `digest [period]`), answered in the request."""
        return bool(_SUMMARY.match(text) or _DIGEST.match(text))

    async def handle_command(self, context: TurnContext, turn: TeamsTurn) -> bool:
        """Answer `summary [ID]` or `digest [period]`; False when the text is neither (the advisor takes it)."""
        if match := _SUMMARY.match(turn.text):
            await self.summary(context, turn, match.group("id"))
            return True
        if match := _DIGEST.match(turn.text):
            await self.digest(context, turn, match.group("period"))
            return True
        return False

    async def summary(self, context: TurnContext, turn: TeamsTurn, conversation_id: str | None) -> None:
        """This reply chain's summary (anyone here may ask), or a named assessment's (leads who can see it)."""
        store = self.services.store
        if conversation_id is None:
            conv = await asyncio.to_thread(store.find_conversation, str(turn.key))
            if conv is None:
                await self._send(context, text=msg.NO_ASSESSMENT_HERE)
                return
        else:
            self.core.require_lead(turn.user)
            conv = await self.visible_conversation(context, conversation_id)
        card, status = await self.summary_card(context, conv)
        await self._send(context, card, msg.SUMMARY_NOTIFICATION.format(status=status), conversation_id=conv.id)

    async def summary_card(self, context: TurnContext, conv: Conversation) -> tuple[dict[str, Any], str]:
        """The summary card of an assessment and its status, naming the requester when Teams tells who it is
        (the core audits who was shown it)."""
        member = await self._member(context, conv.channel, conv.user)
        name = member.name if member and member.name else None
        summary = await asyncio.to_thread(
            self.core.summary, conv.id, requester_name=name, viewer=user_of(context.activity)
        )
        return lead_cards.summary_card(summary, requester_name=name), summary.status

    async def digest(self, context: TurnContext, turn: TeamsTurn, period_text: str | None) -> None:
        """A lead's digest: this channel's assessments in a channel, every chat they can see elsewhere."""
        self.core.require_lead(turn.user)
        period = parse_period(period_text)
        activity = context.activity
        channel = turn.key.channel if activity.conversation.conversation_type == "channel" else None
        rows = await asyncio.to_thread(
            self.services.store.assessments,
            platform=PLATFORM,
            team=turn.key.team,
            since=period.since_iso,
            channel=channel,
        )
        channels = sorted({str(r["channel"]) for r in rows})
        gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def check(ch: str) -> bool:
            async with gate:
                return await self.can_see(context, ch)

        seen = await asyncio.gather(*(check(ch) for ch in channels))
        visible = {ch for ch, ok in zip(channels, seen, strict=True) if ok}
        if channel is not None:
            visible.add(channel)  # they are talking here, even when the channel has no assessments in the period
        result = await asyncio.to_thread(
            self.core.digest,
            turn.user,
            platform=PLATFORM,
            team=turn.key.team,
            period=period,
            can_see=visible.__contains__,
            channel=channel,
        )
        name = activity.conversation.name if channel else None
        await self._send(context, lead_cards.digest_card(result, name), result.headline)

    async def on_decide(self, context: TurnContext, conversation_id: str, value: dict[str, Any]) -> None:
        """A decision button on a summary card: record it (leads only, audited), then refresh the card.

        The card may be shown outside the assessment's own thread (a lead's `summary ID`), so instead of
        "same conversation" the rule is: a lead, in the same tenant, who is a member of the assessment's chat.
        """
        user = user_of(context.activity)
        note = value.get("note")
        status = value.get("v")
        self.core.require_lead(user)
        conv = await self.visible_conversation(context, conversation_id)
        await asyncio.to_thread(
            self.core.decide,
            conv.id,
            user,
            str(status or ""),
            note if isinstance(note, str) else "",
            platform=PLATFORM,
            team=tenant_of(context.activity),
        )
        card, status = await self.summary_card(context, conv)
        reference = delivery.reference_of(context)

        def queue() -> None:  # the refreshed summary and the notice, in order, in one transaction
            hold = delivery.IN_TURN_HOLD
            with self.services.store.transaction():
                summary = msg.SUMMARY_NOTIFICATION.format(status=status)
                replace = context.activity.reply_to_id or None
                delivery.queue_card(
                    self.services, reference, card, summary, conversation_id=conv.id, replace=replace, hold=hold
                )
                notice = msg.DECIDED.format(status=status, id=conv.id)
                delivery.queue_text(self.services, reference, notice, conversation_id=conv.id, hold=hold)

        await asyncio.to_thread(queue)
        await delivery.send_queued(self.services, context)

    async def _send(
        self,
        context: TurnContext,
        card: dict[str, Any] | None = None,
        summary: str = "",
        *,
        text: str = "",
        conversation_id: str = "",
    ) -> None:
        """Queue a card (or a text) for this conversation and send it in this turn: through the outbox, so what
        Teams doesn't take now is retried (bot/teams/delivery.py)."""
        reference, hold = delivery.reference_of(context), delivery.IN_TURN_HOLD

        def queue() -> int:
            if card is not None:
                return delivery.queue_card(
                    self.services, reference, card, summary, conversation_id=conversation_id, hold=hold
                )
            return delivery.queue_text(self.services, reference, text, conversation_id=conversation_id, hold=hold)

        await asyncio.to_thread(queue)
        await delivery.send_queued(self.services, context)

    async def visible_conversation(self, context: TurnContext, conversation_id: str) -> Conversation:
        """A stored Teams assessment of this tenant whose chat or channel the sender is a member of."""
        try:
            conv = await asyncio.to_thread(
                self.core.conversation, conversation_id, platform=PLATFORM, team=tenant_of(context.activity)
            )
        except NotFoundError:
            raise NotFoundError(msg.NO_SUCH_ASSESSMENT.format(id=conversation_id)) from None
        if not await self.can_see(context, conv.channel):
            raise PermissionDeniedError(msg.NOT_A_MEMBER)
        return conv

    async def can_see(self, context: TurnContext, channel: str) -> bool:
        """Whether the sender is a member of the Teams conversation `channel` (cached for a few minutes)."""
        activity = context.activity
        if channel == key_of(activity).channel:
            return True  # they are talking here
        sender = activity.from_property.id if activity.from_property else None
        if not sender or channel.startswith("a:"):
            return False  # someone else's personal chat is never visible
        known, visible = self._members.known((channel, sender))
        if known:
            return bool(visible)
        visible = await self._member(context, channel, sender) is not None
        self._members.put((channel, sender), visible)
        return visible

    async def _member(self, context: TurnContext, channel: str, member: str) -> ChannelAccount | None:
        """The member of a Teams conversation (by Teams user id or Entra ID object id); None if not a member."""
        client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
        if client is None:
            return None
        try:
            return await client.conversations.get_conversation_member(channel, member)
        except aiohttp.ClientResponseError as exc:
            if exc.status not in (403, 404):
                log.warning("member lookup in %s failed: HTTP %s", channel, exc.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("member lookup in %s failed: %s", channel, type(exc).__name__)
        return None  # fail closed: unknown means not visible
