"""Which conversation a Teams activity belongs to, who sent it, and what it says.

A conversation is keyed by tenant, Teams conversation and reply chain: a channel post and its replies share
the channel's conversation id plus `;messageid=<root post>`; personal and group chats have one chain.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity

from bot.teams.cards import clean
from bot.workflows.conversation import ConversationKey

PLATFORM = "teams"
CHAT_THREAD = "chat"  # the reply chain of a personal or group chat: the whole chat
_MESSAGE_ID = ";messageid="
_AT_TAG = re.compile(r"</?at>", re.I)


@dataclass(frozen=True)
class TeamsTurn:
    """One user message routed to a conversation."""

    key: ConversationKey
    user: str
    text: str


def tenant_of(activity: Activity) -> str:
    """The Microsoft 365 tenant the activity comes from ("" when the channel doesn't say)."""
    if activity.conversation and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    data: Any = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else getattr(data, "tenant", None)
    tid = tenant.get("id") if isinstance(tenant, dict) else getattr(tenant, "id", None)
    return str(tid or "")


def key_of(activity: Activity) -> ConversationKey:
    """The conversation key of an activity: tenant, Teams conversation, reply chain."""
    conversation_id = str(activity.conversation.id) if activity.conversation else ""
    base, _, root = conversation_id.partition(_MESSAGE_ID)
    return ConversationKey(PLATFORM, tenant_of(activity), base, root or CHAT_THREAD)


def user_of(activity: Activity) -> str:
    """The sender: their Entra ID (AAD) object id when Teams gives it, else their Teams user id."""
    sender = activity.from_property
    if sender is None:
        return ""
    return str(sender.aad_object_id or sender.id or "")


def is_personal(activity: Activity) -> bool:
    """True in a one-to-one chat with the bot."""
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind == "personal" or (kind is None and not (activity.conversation and activity.conversation.is_group))


def plain_text(text: str) -> str:
    """Message text as typed: Teams escapes HTML entities (`&amp;`, `&nbsp;`) and wraps other mentions in <at>."""
    return clean(_AT_TAG.sub("", html.unescape(text))).replace("\xa0", " ").strip()


def route(activity: Activity, *, mentioned: bool, has_conversation: bool) -> TeamsTurn | None:
    """The turn for a text message, or None when it isn't addressed to the advisor.

    Personal chats always talk to the advisor; in channels and group chats a message starts or continues a
    conversation when it @mentions the bot, or continues one that already exists in its reply chain.
    """
    text = plain_text(activity.text or "")
    user = user_of(activity)
    if not user or not (activity.conversation and activity.conversation.id):
        return None
    if not (is_personal(activity) or mentioned or has_conversation):
        return None
    return TeamsTurn(key_of(activity), user, text)
