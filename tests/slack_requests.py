"""Build Slack request bodies (events, slash commands, interactivity) and send them signed over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0001"
TEAM_DOMAIN = "example"
APP_ID = "A0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
VERIFICATION_TOKEN = "verification-token"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1/unused"

Response = tuple[int, dict[str, str], bytes]

_ts_lock = threading.Lock()
_last_ts_us = 0


def new_ts() -> str:
    """A Slack-style message ts from the wall clock, strictly increasing within this process."""
    global _last_ts_us
    with _ts_lock:
        _last_ts_us = max(time.time_ns() // 1_000, _last_ts_us + 1)
        return f"{_last_ts_us // 1_000_000}.{_last_ts_us % 1_000_000:06d}"


def new_trigger_id() -> str:
    """A unique trigger_id in Slack's ``<n>.<n>.<hex>`` shape."""
    return f"{time.time_ns() // 1_000_000}.{APP_ID[1:]}.{uuid.uuid4().hex}"


def sign(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body`` at ``timestamp`` (default: now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + str(ts).encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


# Events API


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around ``event``, with a fresh event_id unless given."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def app_mention(
    text: str,
    *,
    user: str = "U123",
    channel: str = "C123",
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An ``app_mention`` event; ``text`` is used verbatim (include ``<@UBOT>`` yourself)."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str,
    *,
    user: str = "U123",
    channel: str = "C123",
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    subtype: str | None = None,
    bot_id: str | None = None,
) -> dict[str, Any]:
    """A ``message`` event (``channel_type`` is ``"channel"``, ``"group"``, ``"im"`` or ``"mpim"``)."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if bot_id is None:
        event["client_msg_id"] = str(uuid.uuid4())
    else:
        event["bot_id"] = bot_id
    if thread_ts:
        event["thread_ts"] = thread_ts
    if subtype:
        event["subtype"] = subtype
    return event


def assistant_thread_started(
    *, user: str = "U123", channel: str = "D123", thread_ts: str | None = None, context_channel: str | None = None
) -> dict[str, Any]:
    """An ``assistant_thread_started`` event (the user opened a new thread in the assistant panel)."""
    thread_ts = thread_ts or new_ts()
    context: dict[str, Any] = {"team_id": TEAM_ID, "enterprise_id": None}
    if context_channel:
        context["channel_id"] = context_channel
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": user, "context": context, "channel_id": channel, "thread_ts": thread_ts},
        "event_ts": new_ts(),
    }


def assistant_thread_context_changed(
    *, user: str = "U123", channel: str = "D123", thread_ts: str, context_channel: str
) -> dict[str, Any]:
    """An ``assistant_thread_context_changed`` event (the user switched channels with the panel open)."""
    event = assistant_thread_started(user=user, channel=channel, thread_ts=thread_ts, context_channel=context_channel)
    return {**event, "type": "assistant_thread_context_changed"}


# Slash commands and interactivity


def _user(user: str, team_id: str) -> dict[str, str]:
    return {
        "id": user,
        "username": f"user-{user.lower()}",
        "name": f"user-{user.lower()}",
        "team_id": team_id,
    }


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def slash_command_form(
    text: str,
    *,
    command: str = "/ai-advisor",
    user_id: str = "U123",
    channel_id: str = "C123",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
) -> str:
    """The urlencoded body Slack posts for a slash command."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": f"user-{user_id.lower()}",
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interactivity_form(payload: dict[str, Any]) -> str:
    """The urlencoded ``payload=<json>`` body Slack posts for interactivity."""
    return urlencode({"payload": json.dumps(payload)})


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    user: str = "U123",
    channel: str = "C123",
    message_ts: str | None = None,
    thread_ts: str | None = None,
    container: dict[str, Any] | None = None,
    block_id: str = "actions",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str = DEFAULT_RESPONSE_URL,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button clicked on a bot message (or in ``container``)."""
    message_ts = message_ts or new_ts()
    container = container or {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
        **({"thread_ts": thread_ts} if thread_ts else {}),
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "action_ts": new_ts(),
            }
        ],
    }
    if container.get("type") == "message":
        bot_message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": "",
            "ts": container.get("message_ts", message_ts),
        }
        if thread_ts:
            bot_message["thread_ts"] = thread_ts
        payload["channel"] = {"id": container.get("channel_id", channel), "name": channel.lower()}
        payload["message"] = bot_message
    return payload


def _state_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        block_id: {
            action_id: {"type": "plain_text_input", "value": v} if isinstance(v, str) else v
            for action_id, v in actions.items()
        }
        for block_id, actions in values.items()
    }


def view_submission_payload(
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str,
    *,
    user: str = "U123",
    view_id: str = "V0000000001",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A ``view_submission`` payload.

    ``values`` is ``{block_id: {action_id: state}}``; a plain string state becomes a plain_text_input value.
    """
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": _state_values(values)},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": "AI Advisor"},
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "external_id": "",
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_shortcut_payload(
    callback_id: str,
    *,
    message_ts: str,
    thread_ts: str | None = None,
    channel: str = "C123",
    user: str = "U123",
    text: str = "",
    message_user: str = "U123",
    team_id: str = TEAM_ID,
    response_url: str = DEFAULT_RESPONSE_URL,
) -> dict[str, Any]:
    """A ``message_action`` (message shortcut) payload for the message at ``message_ts``."""
    target: dict[str, Any] = {"type": "message", "user": message_user, "text": text, "ts": message_ts}
    if thread_ts:
        target["thread_ts"] = thread_ts
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": new_ts(),
        "team": _team(team_id),
        "user": _user(user, team_id),
        "channel": {"id": channel, "name": channel.lower()},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
        "response_url": response_url,
        "message_ts": message_ts,
        "message": target,
    }


# HTTP client


class SlackClient:
    """Sends signed Slack requests to a running app over real HTTP (never raises on HTTP errors)."""

    def __init__(self, base_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        """POST ``body`` signed with the secret; ``signature`` replaces the computed one if given."""
        raw = body.encode() if isinstance(body, str) else body
        sent = {"Content-Type": content_type, **sign(self.signing_secret, raw, timestamp), **(headers or {})}
        if signature is not None:
            sent["X-Slack-Signature"] = signature
        return self._send(urllib.request.Request(self.base_url + path, data=raw, headers=sent, method="POST"))

    def post_event(
        self,
        body: dict[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        path: str = "/slack/events",
    ) -> Response:
        """POST an Events API body as JSON, optionally as Slack's retry ``retry_num``."""
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post(
            path,
            json.dumps(body),
            content_type="application/json",
            headers=headers,
            timestamp=timestamp,
            signature=signature,
        )

    def post_command(
        self,
        form: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        path: str = "/slack/events",
    ) -> Response:
        """POST a slash command form."""
        return self.post(
            path,
            form,
            content_type="application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
        )

    def post_interactivity(
        self,
        form: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        path: str = "/slack/events",
    ) -> Response:
        """POST an interactivity form (``payload=<json>``)."""
        return self.post_command(form, timestamp=timestamp, signature=signature, path=path)

    def get(self, path: str) -> Response:
        """GET ``path`` (unsigned), e.g. a health check."""
        return self._send(urllib.request.Request(self.base_url + path, method="GET"))

    def _send(self, request: urllib.request.Request) -> Response:
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                return resp.status, _lower(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _lower(exc.headers.items()), exc.read()


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {key.lower(): value for key, value in items}
