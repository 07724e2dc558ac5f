"""Test harness for the Teams agent over real HTTP.

- `Connector`: a small Bot Connector API on localhost (http.server) that records what the agent sends to the
  activity's serviceUrl (new messages, replies, updates, typing) and answers membership lookups. It can refuse the
  next messages (`refuse`: 429 with Retry-After, 503, 403...) or hold them unanswered (`hold`), as a busy or
  unreachable Teams would.
- `AgentServer`: the agent's aiohttp application served on localhost from a background event loop.
- `Teams`: builds Teams-shaped activities (personal chat, channel @mention, Action.Submit) and posts them.

The SDK processes a turn before answering the POST, so every reply is recorded when `post` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from aiohttp import web

from tests.polling import SERVER_POLL_S

TENANT = "tenant-0001"
BOT_ID = "28:advisor-bot"
BOT_NAME = "AI Advisor"
_ACTIVITIES = re.compile(r"^/v3/conversations/(?P<conv>[^/]+)/activities(?:/(?P<id>[^/]+))?$")
_MEMBER = re.compile(r"^/v3/conversations/(?P<conv>[^/]+)/members/(?P<member>[^/]+)$")


@dataclass
class Sent:
    """One call the agent made to the connector."""

    method: str
    conversation: str
    activity_id: str | None  # the replied-to activity (POST) or the updated one (PUT)
    body: dict[str, Any]
    authorization: str | None
    new_id: str | None = None

    @property
    def type(self) -> str:
        return str(self.body.get("type"))

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment["content"])
        return None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")


@dataclass
class Connector:
    """A Bot Connector API emulator that records the agent's outgoing activities."""

    calls: list[Sent] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: set[tuple[str, str]] = field(default_factory=set)  # (conversation, member id)
    names: dict[str, str] = field(default_factory=dict)  # member id -> display name
    lock: threading.Lock = field(default_factory=threading.Lock)
    refused: list[Sent] = field(default_factory=list)  # messages answered with a scripted failure (not taken)
    _faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    _held: threading.Event | None = None
    holding: threading.Event = field(default_factory=threading.Event)  # set while a message is held
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    def refuse(self, status: int, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `times` new messages (POSTs of type message) with `status`, taking none of them."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self.lock:
            self._faults += [(status, headers)] * times

    def hold(self) -> threading.Event:
        """Hold the next new message unanswered until the returned event is set; it is then dropped (never taken),
        as if the sender died before Teams got it. `holding` is set once a message is held."""
        self._held = threading.Event()
        return self._held

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/teams/"

    def start(self) -> Connector:
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer(*connector.handle("POST", self.path, self._body(), self.headers.get("Authorization")))

            def do_PUT(self) -> None:
                self._answer(*connector.handle("PUT", self.path, self._body(), self.headers.get("Authorization")))

            def do_GET(self) -> None:
                self._answer(*connector.handle("GET", self.path, {}, self.headers.get("Authorization")))

            def _body(self) -> dict[str, Any]:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return dict(json.loads(raw)) if raw else {}

            def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the agent is gone (a held message whose sender was killed)
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(SERVER_POLL_S,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(
        self, method: str, raw_path: str, body: dict[str, Any], auth: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        path = unquote(urlsplit(raw_path).path).removeprefix("/teams")
        m = _ACTIVITIES.match(path)
        if m is not None and method == "POST" and body.get("type") == "message":
            with self.lock:
                held, self._held = self._held, None
            if held is not None:
                self.holding.set()
                held.wait(120)
                return 503, {"error": {"code": "ServiceUnavailable", "message": "held, then dropped"}}, {}
            with self.lock:
                fault = self._faults.pop(0) if self._faults else None
                if fault is not None:
                    self.refused.append(Sent(method, m["conv"], m["id"], body, auth))
            if fault is not None:
                return fault[0], {"error": {"code": f"Http{fault[0]}", "message": "scripted failure"}}, fault[1]
        return (*self._handle(method, path, body, auth), {})

    def _handle(self, method: str, path: str, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        if method == "GET" and (m := _MEMBER.match(path)):
            if (m["conv"], m["member"]) in self.members:
                return 200, {"id": m["member"], "name": self.names.get(m["member"], "Member")}
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": "not a member"}}
        m = _ACTIVITIES.match(path)
        if m is None:
            return 404, {"error": {"code": "NotFound", "message": path}}
        with self.lock:
            sent = Sent(method, m["conv"], m["id"], body, auth)
            if method == "PUT":
                if m["id"] not in self.messages:
                    self.calls.append(sent)
                    return 404, {"error": {"code": "ActivityNotFound", "message": "no such activity"}}
                self.messages[m["id"]] = body
                sent.new_id = m["id"]
            else:
                sent.new_id = f"msg-{next(self._ids)}"
                if body.get("type") == "message":
                    self.messages[sent.new_id] = body
            self.calls.append(sent)
        return (200 if method == "PUT" else 201), {"id": sent.new_id}

    def since(self, mark: int, *, typing: bool = False) -> list[Sent]:
        """Calls after `mark` (an earlier `len(calls)`), typing indicators left out unless asked for."""
        with self.lock:
            return [c for c in self.calls[mark:] if typing or c.type != "typing"]


class AgentServer:
    """An aiohttp application served on localhost from its own event loop thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = web.AppRunner(app, access_log=None)
        self.port = 0

    def start(self) -> AgentServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        self.port = int(server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """One HTTP request; returns the status and the JSON body ({} when there is none)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        text, status = exc.read(), exc.code
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        parsed = {"raw": text.decode(errors="replace")}
    return status, parsed if isinstance(parsed, dict) else {"body": parsed}


@dataclass
class User:
    """A Teams user: their Teams id, Entra ID object id and display name."""

    aad: str
    name: str = "Dana"

    @property
    def id(self) -> str:
        return f"29:{self.aad}"

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}


@dataclass
class Chat:
    """A Teams conversation: a personal chat, or a channel reply chain (`root` = the first post's id)."""

    id: str
    kind: str = "personal"
    tenant: str = TENANT
    name: str | None = None

    @classmethod
    def personal(cls) -> Chat:
        return cls(f"a:{uuid.uuid4().hex}")

    @classmethod
    def channel(cls, name: str = "General") -> Chat:
        return cls(f"19:{uuid.uuid4().hex}@thread.tacv2", "channel", name=name)

    def thread(self, root: str) -> Chat:
        """The reply chain under the channel post `root`."""
        return Chat(f"{self.id};messageid={root}", self.kind, self.tenant, self.name)


class Teams:
    """Posts Teams-shaped activities to the agent."""

    def __init__(self, agent_url: str, connector: Connector) -> None:
        self.url = agent_url + "/api/messages"
        self.connector = connector

    def activity(self, chat: Chat, user: User, **fields: Any) -> dict[str, Any]:
        conversation: dict[str, Any] = {
            "id": chat.id,
            "conversationType": chat.kind,
            "tenantId": chat.tenant,
            "isGroup": chat.kind != "personal",
        }
        if chat.name:
            conversation["name"] = chat.name
        return {
            "type": "message",
            "id": fields.pop("id", None) or uuid.uuid4().hex[:16],
            "timestamp": "2026-11-27T10:00:00.000Z",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": user.account(),
            "conversation": conversation,
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "channelData": {"tenant": {"id": chat.tenant}},
            "locale": "en-US",
            **fields,
        }

    def message(self, chat: Chat, user: User, text: str, *, mention: bool = False, **fields: Any) -> dict[str, Any]:
        if mention:
            tag = f"<at>{BOT_NAME}</at>"
            fields["entities"] = [{"type": "mention", "text": tag, "mentioned": {"id": BOT_ID, "name": BOT_NAME}}]
            text = f"{tag} {text}"
        return self.activity(chat, user, text=text, textFormat="plain", **fields)

    def submit(self, chat: Chat, user: User, data: dict[str, Any], reply_to: str | None = None) -> dict[str, Any]:
        """What Teams sends when an Action.Submit button is clicked: the button's data (plus inputs) as value."""
        fields: dict[str, Any] = {"value": data}
        if reply_to:
            fields["replyToId"] = reply_to
        return self.activity(chat, user, **fields)

    def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, list[Sent]]:
        """Post an activity; returns the status and what the agent sent back (typing left out)."""
        mark = len(self.connector.calls)
        status, _ = http("POST", self.url, activity, headers)
        return status, self.connector.since(mark)

    def say(self, chat: Chat, user: User, text: str, *, mention: bool = False) -> list[Sent]:
        status, sent = self.post(self.message(chat, user, text, mention=mention))
        assert status in (200, 202), status
        return sent

    def click(self, chat: Chat, user: User, data: dict[str, Any], reply_to: str | None = None) -> list[Sent]:
        status, sent = self.post(self.submit(chat, user, data, reply_to))
        assert status in (200, 202), status
        return sent


def elements(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every element of a card whose `type` is `kind` (however deeply nested), in document order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit in a card (card-level and in ActionSets), in order."""
    return elements(card, "Action.Submit")


def card_text(card: dict[str, Any]) -> str:
    """All visible text of a card, joined."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            parts.extend(node[key] for key in ("text", "title", "label") if isinstance(node.get(key), str))
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(parts)
