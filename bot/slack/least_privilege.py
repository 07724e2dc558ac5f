"""Least-privilege mode: the app sees only messages that mention it, its DMs and its assistant threads.

Its manifest has no `channels:history`, `groups:history` or `mpim:history` scope and no `message.*` channel
events, so Slack never sends it the rest of a channel's talk. Thread follow-ups in channels then need a mention,
and the app says so under every question round and card it posts in a channel.
"""

from __future__ import annotations

from typing import Any

from bot.workflows.conversation import Reply

HISTORY_SCOPES = ("channels:history", "groups:history", "mpim:history")
CHANNEL_MESSAGE_EVENTS = ("message.channels", "message.groups", "message.mpim")
MENTION_NOTE = "Mention me (@AI Advisor) when you reply in this thread: I only see messages that mention me."


def restrict(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without the history scopes and channel message events (changed in place, and returned)."""
    scopes = manifest["oauth_config"]["scopes"]
    scopes["bot"] = [s for s in scopes["bot"] if s not in HISTORY_SCOPES]
    events = manifest["settings"]["event_subscriptions"]
    events["bot_events"] = [e for e in events["bot_events"] if e not in CHANNEL_MESSAGE_EVENTS]
    return manifest


def with_mention_hint(reply: Reply, channel: str) -> Reply:
    """The reply with the "mention me" note when it asks for an answer (or shows a card) outside a DM."""
    if channel.startswith("D") or reply.kind not in ("questions", "recommendation") or MENTION_NOTE in reply.notes:
        return reply
    return reply.model_copy(update={"notes": [*reply.notes, MENTION_NOTE]})
