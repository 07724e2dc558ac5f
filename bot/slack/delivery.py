"""Slack's side of crash-safe delivery: post or update an outbox message, find one posted earlier, classify errors.

The client used here has no retry handlers: slack_sdk's would re-post after a 5xx or a timeout that Slack may
have accepted (a duplicate card) and would sleep through a Retry-After in the caller's thread. The outbox retries
instead, with backoff, and looks for the message (by the `outbox_id` in its metadata) before posting it again.
"""

from __future__ import annotations

import dataclasses
import http.client
import logging
import socket
import threading
import urllib.error
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks as bk
from bot.slack import messages as msg
from bot.slack.charts import CHART, upload_chart
from bot.slack.records import RECORD, upload_record
from bot.slack.streaming import STREAM_KEY, RecordStream, send_streamed
from bot.storage.outbox import DeliveryError, OutboxItem
from bot.workflows.chart import ChartError, Draw, render_png

log = logging.getLogger(__name__)

MESSAGE_EVENT = "advisor_message"  # metadata event type of the advisor's messages other than the card
# Slack errors that mean "try again" and may hide an accepted request (Slack's own retry advice).
_TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
_FIND_PAGES = 10

# The client an outbox item is sent with: one bot token for every item, or (OAuth mode) its workspace's.
ClientFor = Callable[[OutboxItem], WebClient]

_clients: dict[tuple[str, str, int], WebClient] = {}  # insertion-ordered: the oldest is dropped past the limit
_CLIENTS_MAX = 256  # rotating tokens (OAuth mode) would otherwise add a client per refresh
_clients_lock = threading.Lock()


def no_retry(client: WebClient) -> WebClient:
    """A client for the same token and API URL without retry handlers (cached)."""
    key = (str(client.token), client.base_url, int(client.timeout))
    with _clients_lock:
        if key not in _clients:
            if len(_clients) >= _CLIENTS_MAX:
                del _clients[next(iter(_clients))]
            _clients[key] = WebClient(
                token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[]
            )
        return _clients[key]


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in dict(headers).items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def classify(exc: Exception) -> DeliveryError:
    """A Web API failure as a DeliveryError (retryable or not, possibly accepted, how long to wait)."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        status = int(getattr(resp, "status_code", 0) or 0)
        error = str(resp.get("error") if resp is not None and resp.get("error") else f"http_{status}")
        if status == 429 or error == "ratelimited":
            retry_after = _header(getattr(resp, "headers", None), "retry-after")
            try:
                wait = float(retry_after) if retry_after else 1.0
            except ValueError:
                wait = 1.0
            return DeliveryError("ratelimited", retryable=True, retry_after=wait)
        if status >= 500 or error in _TRANSIENT:
            return DeliveryError(error, retryable=True, maybe_sent=True)
        return DeliveryError(error, retryable=False)
    if isinstance(
        exc,
        TimeoutError | socket.timeout | urllib.error.URLError | ConnectionError | http.client.HTTPException | OSError,
    ):
        return DeliveryError(f"connection: {type(exc).__name__}", retryable=True, maybe_sent=True)
    return DeliveryError(type(exc).__name__, retryable=True, maybe_sent=True)


def with_outbox_id(metadata: dict[str, Any] | None, uid: str, conversation_id: str | None) -> dict[str, Any]:
    """The message metadata with the outbox tag added (a plain advisor message gets its own event type)."""
    meta = metadata or {"event_type": MESSAGE_EVENT, "event_payload": {}}
    payload = dict(meta.get("event_payload") or {})
    payload["outbox_id"] = uid
    if conversation_id and not payload.get("conversation_id"):
        payload["conversation_id"] = conversation_id
    return {"event_type": meta["event_type"], "event_payload": payload}


def _shares_upload(message: dict[str, Any], uid: str) -> bool:
    """Whether a message in the thread shares a file an outbox item uploaded (their names carry its uid)."""
    return any(isinstance(f, dict) and uid in str(f.get("name") or "") for f in message.get("files") or [])


def _tagged(item: OutboxItem) -> dict[str, Any]:
    """The message with metadata (an update only replaces metadata it is given): the outbox tag must be on it."""
    return {
        **item.message,
        "metadata": item.message.get("metadata") or {"event_type": MESSAGE_EVENT, "event_payload": {}},
    }


class SlackSender:
    """Posts outbox messages with one Web API call per attempt (a streamed answer: one stream).

    `client` is the Web API client for every item, or a function giving each item's (OAuth mode: the bot token of
    the item's workspace, looked up when it is sent; it raises DeliveryError when there is none).
    """

    platform = "slack"

    def __init__(
        self,
        client: WebClient | ClientFor,
        record_stream: RecordStream | None = None,
        draw_chart: Draw = render_png,
    ) -> None:
        self.client_for: ClientFor = (lambda item: client) if isinstance(client, WebClient) else client
        self.record_stream = record_stream  # the outbox's: where a streamed message started
        self.draw_chart = draw_chart

    def send(self, item: OutboxItem) -> str:
        """Post (or update) the message; return its ts."""
        client = self.client_for(item)
        if item.op == "update":
            return self._update(item)
        if item.kind == CHART:
            try:
                return upload_chart(client, item, self.draw_chart)
            except ChartError as exc:  # not drawn, so nothing was uploaded: retried without looking first
                raise DeliveryError(f"chart: {exc}", retryable=True) from exc
            except Exception as exc:
                raise classify(exc) from exc
        if item.kind == RECORD:
            try:
                return upload_record(client, item)
            except Exception as exc:
                raise classify(exc) from exc
        if item.message.get(STREAM_KEY) and item.thread_ts and self.record_stream is not None:
            metadata = with_outbox_id(item.message.get("metadata"), item.uid, item.conversation_id)
            return send_streamed(client, item, metadata, self._post, self._finish, self.record_stream)
        return self._post(item)

    def _update(self, item: OutboxItem) -> str:
        message = item.message
        # A card's metadata (approach, confidence) changes with it; other updates keep theirs.
        metadata = message.get("metadata")
        try:
            self.client_for(item).chat_update(
                channel=item.channel,
                ts=str(item.target_ts),
                text=message.get("text") or "",
                blocks=message.get("blocks"),
                metadata=with_outbox_id(metadata, item.uid, item.conversation_id) if metadata else None,
            )
        except Exception as exc:
            raise classify(exc) from exc
        return str(item.target_ts)

    def _post(self, item: OutboxItem) -> str:
        message = item.message
        try:
            resp = self.client_for(item).chat_postMessage(
                channel=item.channel,
                thread_ts=item.thread_ts,
                text=message.get("text") or "",
                blocks=message.get("blocks"),
                metadata=with_outbox_id(message.get("metadata"), item.uid, item.conversation_id),
            )
        except Exception as exc:
            raise classify(exc) from exc
        return str(resp["ts"])

    def _finish(self, item: OutboxItem, ts: str) -> str:
        """Complete a message whose stream broke off: the whole answer, tagged, in place of what got through."""
        try:
            self.client_for(item).chat_stopStream(channel=item.channel, ts=ts)
        except Exception as exc:  # already stopped, or expired: the update below finishes it either way
            log.debug("stream %s not stopped: %s", ts, type(exc).__name__)
        return self._update(dataclasses.replace(item, op="update", target_ts=ts, message=_tagged(item)))

    def find(self, item: OutboxItem) -> str | None:
        """The ts of the message if an earlier attempt posted it (looked up in its thread, or recent history)."""
        cursor: str | None = None
        client = self.client_for(item)
        for _ in range(_FIND_PAGES):
            try:
                if item.thread_ts:
                    resp = client.conversations_replies(
                        channel=item.channel, ts=item.thread_ts, cursor=cursor, include_all_metadata=True, limit=200
                    )
                else:  # newest first: a message posted moments ago is on the first page
                    resp = client.conversations_history(
                        channel=item.channel, cursor=cursor, limit=200, include_all_metadata=True
                    )
            except Exception as exc:
                failure = classify(exc)
                if failure.retryable:
                    failure.maybe_sent = True
                    raise failure from exc
                # Can't look (e.g. a missing history scope): posting again risks a duplicate, not a lost answer.
                log.warning("could not check whether message %s was already posted: %s", item.id, failure.error)
                return None
            for message in resp.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("outbox_id") == item.uid or _shares_upload(message, item.uid):
                    return str(message["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def failure_notice(self, item: OutboxItem, error: str) -> dict[str, Any] | None:
        """Tell the thread that a reply (or a card update) could not be delivered (never silence). Other updates
        (an answered question's buttons, a summary's status) are not worth a message: the thread already shows
        what happened."""
        if (item.op == "update" and item.kind != "recommendation") or item.kind == CHART:
            return None  # a chart's numbers are on the card (and in its alt text) anyway
        return {"text": bk.clip(bk.escape(msg.ERROR_SLACK.format(error=error)), bk.MESSAGE_TEXT_MAX)}
