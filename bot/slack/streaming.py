"""Streaming prose answers into a Slack thread (`chat_stream`: chat.startStream → appendStream → stopStream).

Exactly once, with the outbox: the streamed message's ts is recorded as soon as the stream starts, and the final
message carries the outbox tag in its metadata. Where streaming is unavailable (an older workspace, a missing
scope) the answer is posted as one chat.postMessage; when the stream breaks off midway, the message already
started is finished with chat.update (now, or by the outbox's retry), never posted a second time.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

if TYPE_CHECKING:
    from bot.slack.replies import Outgoing
    from bot.storage.outbox import OutboxItem

log = logging.getLogger(__name__)

STREAM_KEY = "stream"  # in a queued message: {"user": …, "team": …}, the recipient of the streamed answer
BUFFER = 100  # characters buffered before each stream call (fewer calls, within the rate limits)
RecordStream = Callable[[int, str], None]

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_LABELLED = re.compile(r"<((?:https?|mailto):[^|>\s]+)\|([^>]+)>")
_BARE = re.compile(r"<((?:https?|mailto):[^|>\s]+)>")
_PIECE = re.compile(r".+?(?:[.!?:](?=\s)|\n|$)\s*", re.S)


def streamable(outgoing: Outgoing, user: str, team: str) -> Outgoing:
    """A prose message marked to be streamed to `user` (cards and question rounds are posted whole)."""
    if outgoing.kind != "message" or outgoing.op != "post":
        return outgoing
    return dataclasses.replace(outgoing, message={**outgoing.message, STREAM_KEY: {"user": user, "team": team}})


def to_markdown(text: str) -> str:
    """Slack mrkdwn (escaped, as queued) as the markdown chat.startStream takes: *bold*, ~strike~, <url|label>."""
    text = _LABELLED.sub(r"[\2](\1)", text)
    text = _BARE.sub(r"\1", text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"~~\1~~", text)
    return html.unescape(text)


def pieces(text: str) -> list[str]:
    """The text in sentence-sized pieces, as a model would stream it (joined, they are the text)."""
    return [m.group(0) for m in _PIECE.finditer(text)]


def send_streamed(
    client: WebClient,
    item: OutboxItem,
    metadata: dict[str, Any],
    post: Callable[[OutboxItem], str],
    finish: Callable[[OutboxItem, str], str],
    record: RecordStream | None,
) -> str:
    """Stream the item's text into its thread; returns the message ts.

    `post` posts it as one message (streaming unavailable), `finish` completes a message whose stream broke off
    (chat.update), `record` writes the stream's ts down the moment it exists.
    """
    if item.stream_ts:  # an earlier attempt started this message: finish it, never start another
        return finish(item, item.stream_ts)
    recipient = item.message.get(STREAM_KEY) or {}
    stream = client.chat_stream(
        channel=item.channel,
        thread_ts=str(item.thread_ts),
        recipient_user_id=recipient.get("user") or None,
        recipient_team_id=recipient.get("team") or None,
        buffer_size=BUFFER,
    )
    recorded = False
    try:
        for piece in pieces(to_markdown(str(item.message.get("text") or ""))):
            stream.append(markdown_text=piece)
            if stream.ts and not recorded and record is not None:
                record(item.id, stream.ts)
                recorded = True
        stream.stop(metadata=metadata)
    except Exception as exc:
        if stream.ts is None:
            log.info("streaming unavailable (%s): posting the answer as one message", _error(exc))
            return post(item)
        if not recorded and record is not None:
            record(item.id, stream.ts)
        log.warning("stream broke off (%s): finishing the message with chat.update", _error(exc))
        return finish(item, stream.ts)
    return str(stream.ts)


def _error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error")) if response is not None and response.get("error") else type(exc).__name__
