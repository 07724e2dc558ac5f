"""The Teams agent: an `AgentApplication` whose handlers route activities to the shared advisor core.

Messages (personal chats, channel @mentions, replies in a reply chain that has a conversation) go to
`Advisor.handle`; Action.Submit buttons go to `Advisor.answer`/`Advisor.adjust`, the feedback store, or the
leads' workflow (`bot.teams.leads`). The core is synchronous, so it runs in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, TextFormatTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    CardFactory,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)

from bot.advisor.intake import FIELD_LABELS, FIELDS
from bot.advisor.questions import question_bank
from bot.errors import AdvisorError, NotFoundError
from bot.services import Services
from bot.teams import cards
from bot.teams import messages as msg
from bot.teams.auth import TeamsAuth
from bot.teams.leads import TeamsLeads
from bot.teams.routing import is_personal, key_of, route, user_of
from bot.workflows.conversation import HELP_TEXT, Reply
from bot.workflows.forms import parse_form
from bot.workflows.summary import STATUS_LABELS, stale_decision

log = logging.getLogger(__name__)

MAX_TEXT_REPLY = 8000
FEEDBACK_VALUES = ("up", "down")


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
        self.leads = TeamsLeads(self)

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
            if await self.first_time(context):  # a redelivered click must not decide or recompute twice
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
        if not await self.first_time(context):
            return
        async with told_on_failure(context):
            if await self.leads.handle_command(context, turn):
                return
            await self.typing(context)
            reply = await asyncio.to_thread(self.services.advisor.handle, turn.key, turn.user, turn.text)
            await self.deliver(context, reply)

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
        if conv["key"] != str(key_of(activity)):
            log.warning("refused a card action for conversation %s from another conversation", cid)
            await say(context, msg.FORGED)
            return
        async with told_on_failure(context):
            await handlers[verb](context, conv, value)

    async def on_answer(self, context: TurnContext, conv: dict[str, Any], value: dict[str, Any]) -> None:
        """A quick-answer button: apply it (once per question and card) and continue the conversation."""
        field, answer = value.get("f"), value.get("v")
        question = question_bank().get(field) if isinstance(field, str) else None
        if question is None or not any(
            a.value == answer and type(a.value) is type(answer) for a in question.quick_answers
        ):
            await say(context, msg.UNKNOWN_ACTION)
            return
        card_id = context.activity.reply_to_id or ""
        if not await asyncio.to_thread(self.services.store.first_time, f"teams-answer:{conv['id']}:{card_id}:{field}"):
            await say(context, msg.ALREADY_ANSWERED)
            return
        await self.typing(context)
        reply = await asyncio.to_thread(
            self.services.advisor.answer, conv["id"], user_of(context.activity), question.field, answer
        )
        await self.deliver(context, reply)

    async def on_feedback(self, context: TurnContext, conv: dict[str, Any], value: dict[str, Any]) -> None:
        """👍/👎 (with an optional reason) on the card: one vote per user (a new click replaces it), audited."""
        vote, reason = value.get("v"), value.get(cards.REASON, "")
        if vote not in FEEDBACK_VALUES or not isinstance(reason, str):
            await say(context, msg.UNKNOWN_ACTION)
            return
        reason = " ".join(cards.clean(reason).split()) if vote == "down" else ""  # reasons explain a 👎
        if len(reason) > cards.REASON_MAX:
            await say(context, msg.FEEDBACK_REASON_TOO_LONG)
            return
        if not await self.current_card(context, conv):
            return
        await asyncio.to_thread(
            self.services.store.set_feedback, conv["id"], user_of(context.activity), str(vote), reason
        )
        await say(context, msg.FEEDBACK_REASON_THANKS if reason else msg.FEEDBACK_THANKS[str(vote)])

    async def on_adjust(self, context: TurnContext, conv: dict[str, Any], _: dict[str, Any]) -> None:
        """ "Adjust answers": send the form, prefilled with the latest intake."""
        if not await self.current_card(context, conv):
            return
        intake = await asyncio.to_thread(self.services.store.latest_intake, conv["id"])
        await self.send_card(context, cards.adjust_card(conv["id"], intake), msg.ADJUST_TITLE)

    async def on_adjust_submit(self, context: TurnContext, conv: dict[str, Any], value: dict[str, Any]) -> None:
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
        await self.typing(context)
        reply = await asyncio.to_thread(self.services.advisor.adjust, conv["id"], user_of(context.activity), values)
        await self.deliver(context, reply)
        name = (context.activity.from_property.name if context.activity.from_property else None) or msg.SOMEONE
        await say(context, msg.ADJUST_DONE.format(user=cards.clip(name, 80)))

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """Errors the handlers didn't catch (e.g. in the SDK's routing): log them, tell the user plainly."""
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        await say(context, msg.ERROR)

    async def _on_adapter_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams adapter error: %s", type(error).__name__, exc_info=error)
        await say(context, msg.ERROR)

    # --- replies ---

    async def typing(self, context: TurnContext) -> None:
        """Show the typing indicator right away (the SDK's timer keeps it up during long turns)."""
        try:
            await context.send_activity(Activity(type=ActivityTypes.typing))
        except Exception as exc:
            log.debug("typing indicator not sent: %s", exc)

    async def current_card(self, context: TurnContext, conv: dict[str, Any]) -> bool:
        """False (and says so) for a click on a recommendation card that a newer card has replaced."""
        clicked = context.activity.reply_to_id
        posted = await asyncio.to_thread(self.services.store.card, conv["id"])
        if clicked and posted and str(posted["ts"]) != clicked:
            await say(context, msg.OUTDATED_CARD)
            return False
        return True

    async def first_time(self, context: TurnContext) -> bool:
        """False for a redelivered activity (same conversation and activity id), persisted across restarts."""
        activity = context.activity
        if not activity.id:
            return True
        key = f"teams:{activity.conversation.id}:{activity.id}"
        return await asyncio.to_thread(self.services.store.first_time, key)

    async def send_text(self, context: TurnContext, text: str) -> None:
        """A plain-text reply in the conversation."""
        await context.send_activity(text_activity(text))

    async def send_card(self, context: TurnContext, card: dict[str, Any], summary: str) -> str | None:
        """Post a card in the conversation; returns the posted message's activity id."""
        sent = await context.send_activity(card_activity(card, summary))
        return str(sent.id) if sent and sent.id else None

    async def replace_card(
        self, context: TurnContext, activity_id: str | None, card: dict[str, Any], summary: str
    ) -> bool:
        """Replace a posted card in this conversation (update activity); False if there is none or Teams refuses."""
        if not activity_id:
            return False
        try:
            await context.update_activity(card_activity(card, summary, activity_id=activity_id))
            return True
        except Exception as exc:  # deleted or too old to edit: the caller posts a fresh card instead
            log.info("card %s could not be updated (%s)", activity_id, type(exc).__name__)
            return False

    async def deliver(self, context: TurnContext, reply: Reply) -> None:
        """Send the advisor's reply (a recomputed recommendation replaces the conversation's card in place), then
        tell the lead once when the answers changed after their decision."""
        await self._deliver(context, reply)
        if reply.conversation_id:
            decided = await asyncio.to_thread(stale_decision, self.services.store, reply.conversation_id)
            if decided is not None:
                label = STATUS_LABELS.get(str(decided["status"]), str(decided["status"]))
                await self.send_text(context, msg.REREVIEW.format(status=label))

    async def _deliver(self, context: TurnContext, reply: Reply) -> None:
        conversation = str(context.activity.conversation.id)
        if reply.kind == "recommendation" and reply.recommendation is not None:
            rec = reply.recommendation
            card = cards.recommendation_card(rec, reply.conversation_id, reply.notes)
            posted = await asyncio.to_thread(self.services.store.card, reply.conversation_id)
            if (
                posted
                and posted["channel"] == conversation
                and await self.replace_card(context, str(posted["ts"]), card, cards.card_text(rec))
            ):
                await self.send_text(context, msg.CARD_UPDATED)
                return
            sent = await self.send_card(context, card, cards.card_text(rec))
            if sent:
                await asyncio.to_thread(self.services.store.save_card, reply.conversation_id, conversation, sent)
            return
        if reply.kind == "questions" and reply.questions:
            first, _, _ = reply.text.partition("\n")
            intro = "" if first.startswith("1. ") else first
            card = cards.questions_card(intro, reply.questions, reply.conversation_id, reply.notes)
            await self.send_card(context, card, intro or msg.QUESTIONS_FALLBACK)
            return
        await self.send_text(context, reply.text)
