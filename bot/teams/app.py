"""The Teams agent: an `AgentApplication` whose handlers route activities to the shared advisor core.

Messages (personal chats, channel @mentions, replies in a reply chain that has a conversation) go to
`Advisor.handle`; Action.Submit buttons go to `Advisor.take_quick_answer`/`Advisor.adjust`, the feedback store, or
the leads' workflow (`bot.teams.leads`), checked by the rules both platforms share (`bot.workflows.interaction`).
The advisor's replies are queued in the outbox and sent from there (`bot.teams.delivery`), rendered by
`bot.teams.replies`; other answers (help, thanks, errors) are sent directly (`bot.teams.send`). The core is
synchronous, so it runs in worker threads.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from microsoft_agents.activity import ActivityTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState

from bot import metrics
from bot.advisor.intake import FIELD_LABELS, FIELDS
from bot.errors import AdvisorError, ConnectionLost, NotFoundError
from bot.services import Services
from bot.storage.store import Conversation
from bot.teams import cards, delivery
from bot.teams import messages as msg
from bot.teams.auth import TeamsAuth
from bot.teams.delivery import reference_of, text_reply
from bot.teams.files import record_download
from bot.teams.leads import TeamsLeads
from bot.teams.records import record_activity
from bot.teams.routing import TeamsTurn, is_personal, key_of, route, user_of
from bot.teams.send import say, send, send_card, told_on_failure, typing
from bot.teams.turns import NotTaken, TeamsTurns
from bot.workflows import interaction
from bot.workflows.conversation import HELP_TEXT, Reply
from bot.workflows.forms import parse_form
from bot.workflows.record import decision_record

log = logging.getLogger(__name__)


class TeamsAgent:
    """The Teams adapter around the shared core: build once per process, then serve `app` through `adapter`."""

    def __init__(self, services: Services, auth: TeamsAuth) -> None:
        self.services = services
        self.auth = auth
        # Build the shared parts now: cached_property is not thread-safe and turns run in worker threads.
        _ = services.store, services.advisor
        self.adapter = CloudAdapter(connection_manager=auth.connections, host_validator=auth.hosts)
        self.adapter.on_turn_error = self._on_adapter_error  # the SDK's default echoes the exception to users
        self.app: AgentApplication[TurnState] = AgentApplication[TurnState](
            storage=MemoryStorage(),
            connection_manager=auth.connections,
            remove_recipient_mention=True,
            start_typing_timer=True,
        )
        self.app.conversation_update("membersAdded")(self.on_members_added)
        self.app.activity(ActivityTypes.message)(self.on_message)
        self.app.error(self.on_error)
        self.leads = TeamsLeads(services)
        self.turns = TeamsTurns(services)

    # --- handlers ---

    async def on_members_added(self, context: TurnContext, _: TurnState) -> None:
        """Say hello when the bot itself is added to a chat or team."""
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            await say(context, msg.WELCOME)

    async def on_message(self, context: TurnContext, _: TurnState) -> None:
        """A typed message, or an Action.Submit click (a message whose value holds the button's data)."""
        activity = context.activity
        text = (activity.text or "").strip()
        if activity.value is not None and not text:
            if await self.is_new_activity(context):  # a redelivered click must not decide or recompute twice
                await self.on_submit(context)
            return
        mentioned = activity.is_recipient_mentioned()
        has_conversation = False
        if not (is_personal(activity) or mentioned):
            key = str(key_of(activity))
            has_conversation = await asyncio.to_thread(self.services.store.find_conversation, key) is not None
        turn = route(activity, mentioned=mentioned, has_conversation=has_conversation)
        if turn is None:
            return  # channel chatter not addressed to the advisor
        if not turn.text:
            await say(context, HELP_TEXT if (activity.text is not None or mentioned) else msg.NO_TEXT)
            return
        if self.leads.is_command(turn.text):
            if await self.is_new_activity(context):
                async with told_on_failure(context):
                    await self.leads.handle_command(context, turn)
            return
        await self.take_turn(context, turn)

    async def take_turn(self, context: TurnContext, turn: TeamsTurn) -> None:
        """Write the message to the inbox (NotTaken, so Teams sends it again, when that fails), then answer it and
        whatever else waits in its conversation, replying in this turn (bot/teams/turns.py)."""
        if await asyncio.to_thread(self.turns.queue, turn, context.activity) is None:
            metrics.EVENTS_DEDUPED.labels("teams").inc()
            return
        async with told_on_failure(context):
            await typing(context)
            try:
                await asyncio.to_thread(self.turns.answer, str(turn.key))
            except ConnectionLost as exc:  # the turn stays in the inbox: answered once the database is back
                log.warning("Teams turn deferred: %s", exc)
                return
            await delivery.send_queued(self.services, context)

    async def reply(self, context: TurnContext, replies: list[Reply]) -> None:
        """Queue replies to a click (with the lead's re-review notice, when due), then send them in this turn."""
        await asyncio.to_thread(
            functools.partial(delivery.queue, hold=delivery.IN_TURN_HOLD), self.services, reference_of(context), replies
        )
        await delivery.send_queued(self.services, context)

    async def on_submit(self, context: TurnContext) -> None:
        """An Action.Submit click: check it belongs to this conversation, then act on its verb."""
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        verb, cid = value.get("verb"), value.get("c")
        handlers = {
            cards.ANSWER: self.on_answer,
            cards.FEEDBACK: self.on_feedback,
            cards.ADJUST: self.on_adjust,
            cards.ADJUST_SUBMIT: self.on_adjust_submit,
            cards.EXPORT_RECORD: self.on_record,
        }
        if (verb not in handlers and verb != cards.DECIDE) or not isinstance(cid, str) or not cid:
            await say(context, msg.UNKNOWN_ACTION)
            return
        if verb == cards.DECIDE:  # leads' own access rules: the summary card may be shown in another chat
            async with told_on_failure(context):
                await self.leads.on_decide(context, cid, value)
            return
        try:
            conv = await asyncio.to_thread(self.services.store.get_conversation, cid)
        except NotFoundError:
            await say(context, msg.STALE)
            return
        if conv.key != str(key_of(activity)):
            log.warning("refused a card action for conversation %s from another conversation", cid)
            await say(context, msg.FORGED)
            return
        async with told_on_failure(context):
            await handlers[verb](context, conv, value)

    async def on_answer(self, context: TurnContext, conv: Conversation, value: dict[str, Any]) -> None:
        """A quick-answer button: apply it (once per question and card) and continue the conversation."""
        try:
            chosen = interaction.quick_answer(value.get("f"), value.get("v"))
        except AdvisorError:
            await say(context, msg.UNKNOWN_ACTION)
            return
        card_id = context.activity.reply_to_id or ""
        if not await asyncio.to_thread(
            self.services.store.mark_seen, f"teams-answer:{conv.id}:{card_id}:{chosen.field}"
        ):
            await say(context, msg.ALREADY_ANSWERED)
            return
        await typing(context)
        user = user_of(context.activity)
        reply = await asyncio.to_thread(self.services.advisor.take_quick_answer, conv.id, user, chosen)
        await self.reply(context, [reply])

    async def on_feedback(self, context: TurnContext, conv: Conversation, value: dict[str, Any]) -> None:
        """👍/👎 (with an optional reason) on the card: one vote per user (a new click replaces it), audited."""
        text = value.get(cards.REASON, "")
        try:
            vote = interaction.vote(value.get("v"))
        except AdvisorError:
            await say(context, msg.UNKNOWN_ACTION)
            return
        try:
            reason = interaction.feedback_reason(vote, text)
        except AdvisorError:
            await say(context, msg.FEEDBACK_REASON_TOO_LONG if isinstance(text, str) else msg.UNKNOWN_ACTION)
            return
        if not await self.current_card(context, conv):
            return
        await asyncio.to_thread(self.services.store.set_feedback, conv.id, user_of(context.activity), vote, reason)
        await say(context, msg.FEEDBACK_REASON_THANKS if reason else msg.FEEDBACK_THANKS[vote])

    async def on_adjust(self, context: TurnContext, conv: Conversation, _: dict[str, Any]) -> None:
        """ "Adjust answers": send the form, prefilled with the latest intake."""
        if not await self.current_card(context, conv):
            return
        intake = await asyncio.to_thread(self.services.store.latest_intake, conv.id)
        await send_card(context, cards.adjust_card(conv.id, intake), msg.ADJUST_TITLE)

    async def on_adjust_submit(self, context: TurnContext, conv: Conversation, value: dict[str, Any]) -> None:
        """The submitted form: validate every field, recompute, and replace the recommendation card."""
        raw = {name: value[name] for name in FIELDS if name in value}
        values, errors = parse_form(raw)
        if not raw or errors:
            problems = (
                "\n".join(msg.ADJUST_PROBLEM.format(field=FIELD_LABELS.get(k, k), error=e) for k, e in errors.items())
                or msg.UNKNOWN_ACTION
            )
            await say(context, msg.ADJUST_INVALID.format(problems=problems))
            return
        await typing(context)
        reply = await asyncio.to_thread(self.services.advisor.adjust, conv.id, user_of(context.activity), values)
        name = (context.activity.from_property.name if context.activity.from_property else None) or msg.SOMEONE
        await self.reply(context, [reply, text_reply(msg.ADJUST_DONE.format(user=cards.clip(name, 80)), conv.id)])

    async def on_record(self, context: TurnContext, conv: Conversation, _: dict[str, Any]) -> None:
        """ "Export decision record": the assessment's ADR as it stands now, as a message with a download link.

        Like Slack's record button: anyone in the conversation may export it (Teams only delivers the click to its
        members; a personal chat has only its requester), from any of its cards, and it is always the latest record.
        """
        await typing(context)
        markdown = await asyncio.to_thread(decision_record, self.services.store, conv.id)
        download = await asyncio.to_thread(record_download, self.services, conv.id, markdown)
        sender = context.activity.from_property
        name = (sender.name if sender else None) or msg.SOMEONE
        await send(context, record_activity(conv.id, markdown, name, download))

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """Errors the handlers didn't catch (e.g. in the SDK's routing): log them, tell the user plainly. A message
        that could not be written down goes on up: its request must fail, so Teams sends it again."""
        if isinstance(error, NotTaken):
            raise error
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        await say(context, msg.ERROR)

    async def _on_adapter_error(self, context: TurnContext, error: Exception) -> None:
        if isinstance(error, NotTaken):
            raise error
        log.error("Teams adapter error: %s", type(error).__name__, exc_info=error)
        await say(context, msg.ERROR)

    # --- shared rules ---

    async def current_card(self, context: TurnContext, conv: Conversation) -> bool:
        """False (and says so) for a click on a recommendation card that a newer card has replaced."""
        posted = await asyncio.to_thread(self.services.store.card, conv.id)
        if interaction.is_stale_card(context.activity.reply_to_id or None, str(posted["ts"]) if posted else None):
            await say(context, msg.OUTDATED_CARD)
            return False
        return True

    async def is_new_activity(self, context: TurnContext) -> bool:
        """False for a redelivered activity (same conversation and activity id), persisted across restarts."""
        activity = context.activity
        if not activity.id:
            return True
        key = f"teams:{activity.conversation.id}:{activity.id}"
        first = await asyncio.to_thread(self.services.store.mark_seen, key)
        if not first:
            metrics.EVENTS_DEDUPED.labels("teams").inc()
        return first
