"""A small local Slack Web API emulator for tests.

Start a :class:`SlackEmulator`, point a ``slack_sdk.WebClient`` (or a Bolt app) at ``emulator.url`` and the
client talks to it over real HTTP. Every call is recorded; faults can be injected per call or at random.
"""

from __future__ import annotations

import base64
import contextlib
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from tests.polling import SERVER_POLL_S

TEAM_ID = "T0001"
TEAM_DOMAIN = "example"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"
DEFAULT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:history",
    "im:read",
    "reactions:write",
    "usergroups:read",
    "users:read",
)
WEBHOOK_METHOD = "webhook"

_JSON_FORM_FIELDS = frozenset({"attachments", "blocks", "metadata", "view", "unfurls", "files", "prompts"})
_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100
_MAX_TEXT = 40_000
_MAX_SECTION_TEXT = 3_000
_MAX_HEADER_TEXT = 150

Params = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request received by the emulator, with the JSON it answered."""

    method: str
    params: Params
    headers: dict[str, str]
    at: float
    faulted: str | None = None
    response: Params = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the emulator answered ``"ok": true``."""
        return self.response.get("ok") is True

    @property
    def token(self) -> str | None:
        """The token the call was made with (Bearer header or ``token`` parameter)."""
        authorization = self.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            return authorization[len("Bearer ") :]
        return self.params.get("token")


@dataclass
class Grant:
    """A workspace's (or an Enterprise Grid org's) installation as the emulator's OAuth side knows it."""

    team_id: str | None
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    rotating: bool = False  # tokens expire and come with a refresh token
    expires_in: int = 43_200  # seconds a rotating token lives (refreshed ones too, unless `refreshed_expires_in`)
    refreshed_expires_in: int | None = None


DEFAULT_GRANT = Grant(TEAM_ID)  # the workspace of the bot token every emulator accepts (tests/tokens.py)


@dataclass(frozen=True)
class Fault:
    """A fault to inject into one call. Build with the class methods."""

    kind: str
    status: int = 200
    code: str = ""
    seconds: float = 0.0
    retry_after: int = 0

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Fault:
        """HTTP 429 with a Retry-After header and ``{"ok": false, "error": "ratelimited"}``."""
        return cls("rate_limited", status=429, code="ratelimited", retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        """An HTTP 5xx answer; the call has no effect."""
        return cls("server_error", status=status, code="internal_error")

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        """Hold the answer for ``seconds``, then fail with ``request_timeout``; the call has no effect."""
        return cls("timeout", code="request_timeout", seconds=seconds)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Apply the call normally but hold the answer for ``seconds`` (a client may time out meanwhile)."""
        return cls("delay", seconds=seconds)

    @classmethod
    def error(cls, code: str) -> Fault:
        """HTTP 200 with ``{"ok": false, "error": code}``; the call has no effect."""
        return cls("error", code=code)


@dataclass
class _Channel:
    private: bool
    im: bool
    members: list[str]
    name: str
    bot_member: bool


@dataclass
class _FaultRate:
    rate: float
    rng: random.Random
    kinds: tuple[Fault, ...]
    methods: frozenset[str] | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    delay: float = 0.0


class _SlackError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _json_reply(status: int, payload: Params, headers: dict[str, str] | None = None, delay: float = 0.0) -> _Reply:
    merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return _Reply(status, json.dumps(payload).encode(), merged, delay)


def _ts_key(ts: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ts.split("."))


def _require(params: Params, name: str, error: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise _SlackError(error)
    return str(value)


def _validate_blocks(blocks: Any, limit: int) -> None:
    if blocks is None:
        return
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise _SlackError("invalid_blocks")
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _SlackError("invalid_blocks")
        text = block.get("text")
        text_len = len(text.get("text", "")) if isinstance(text, dict) else 0
        if block["type"] == "section" and text_len > _MAX_SECTION_TEXT:
            raise _SlackError("invalid_blocks")
        if block["type"] == "header" and text_len > _MAX_HEADER_TEXT:
            raise _SlackError("invalid_blocks")


def _validate_metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise _SlackError("invalid_metadata_format")


def _visible(message: Params, params: Params) -> Params:
    """A stored message as reading methods return it: like Slack, metadata only with ``include_all_metadata``."""
    out = dict(message)
    if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
        out.pop("metadata", None)
    return out


def _paginate(items: Sequence[Any], params: Params, default_limit: int) -> tuple[list[Any], str]:
    try:
        limit = int(params.get("limit") or default_limit)
    except (TypeError, ValueError):
        raise _SlackError("invalid_limit") from None
    if limit < 1:
        raise _SlackError("invalid_limit")
    offset = 0
    cursor = params.get("cursor")
    if cursor:
        try:
            prefix, _, number = base64.b64decode(str(cursor), validate=True).decode().partition(":")
            offset = int(number)
        except ValueError:
            raise _SlackError("invalid_cursor") from None
        if prefix != "next" or not 0 <= offset <= len(items):
            raise _SlackError("invalid_cursor")
    end = offset + limit
    next_cursor = base64.b64encode(f"next:{end}".encode()).decode() if end < len(items) else ""
    return list(items[offset:end]), next_cursor


def _streamed_text(params: Params) -> str:
    """The text a stream call adds: `markdown_text`, then its `markdown_text` chunks (slack_sdk's ChatStream)."""
    chunks = params.get("chunks") or []
    if not isinstance(chunks, list) or not all(isinstance(c, dict) for c in chunks):
        raise _SlackError("invalid_chunks")
    text = str(params.get("markdown_text") or "")
    return text + "".join(str(c.get("text") or "") for c in chunks if c.get("type") == "markdown_text")


def _parse_body(content_type: str, body: bytes) -> Params:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError:
            raise _SlackError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise _SlackError("invalid_json")
        return parsed
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True)
        except ValueError:
            raise _SlackError("invalid_form_data") from None
        params: Params = {}
        for key, value in pairs:
            params[key] = value
            if key in _JSON_FORM_FIELDS:
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params
    raise _SlackError("invalid_form_data")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        emulator = cast(_Server, self.server).emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        reply = emulator._dispatch(self.path, headers, body)
        if reply.delay:
            emulator._stopping.wait(reply.delay)
        try:
            self.send_response(reply.status)
            for key, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except ConnectionError:
            self.close_connection = True


class SlackEmulator:
    """A threaded local HTTP server that answers Slack Web API calls and records them.

    Posting is lenient (any channel id is accepted); ``conversations.info``/``members`` only know the
    channels given to :meth:`set_channel`. Faulted calls never change state, except :meth:`Fault.delay`.
    """

    def __init__(self, *, scopes: Sequence[str] = DEFAULT_SCOPES, streaming: bool = False) -> None:
        self.scopes = tuple(scopes)
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._channels: dict[str, _Channel] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._messages: dict[str, dict[str, Params]] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._views: dict[str, Params] = {}
        self._home_views: dict[str, str] = {}
        self._queued: dict[str, deque[Fault]] = {}
        self._fault_rate: _FaultRate | None = None
        self._ts_counter = 0
        self._view_counter = 0
        self._file_counter = 0
        self._uploads: dict[str, Params] = {}  # file id -> {"filename", "length", "content" (once uploaded)}
        # OAuth: the app's credentials, codes waiting to be exchanged, and the tokens issued (with their grant and
        # expiry, epoch seconds or None); tokens not issued here act for the default workspace (TEAM_ID).
        self.client_id, self.client_secret = "0000000001.0000000001", "emulator-client-secret"
        self._codes: dict[str, Grant] = {}
        self._issued: dict[str, tuple[Grant, float | None]] = {}
        self._refresh_tokens: dict[str, Grant] = {}
        self._token_counter = 0
        # Off by default, as in a workspace without AI streaming: chat.startStream answers `unknown_method` and the
        # app posts the answer as one message (the fallback every other test then exercises).
        self.streaming_enabled = streaming
        self._handlers: dict[str, Callable[[Params], Params]] = {
            "oauth.v2.access": self._oauth_v2_access,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "assistant.threads.setStatus": self._assistant_set_status,
            "assistant.threads.setSuggestedPrompts": self._assistant_set_suggested_prompts,
            "assistant.threads.setTitle": self._assistant_set_title,
            "chat.startStream": self._chat_start_stream,
            "chat.appendStream": self._chat_append_stream,
            "chat.stopStream": self._chat_stop_stream,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroups_users_list,
        }

    # lifecycle

    def start(self) -> SlackEmulator:
        """Bind an ephemeral port on 127.0.0.1 and serve from a daemon thread."""
        if self._server is None:
            self._stopping.clear()
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": SERVER_POLL_S}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held (delayed) answers are released at once."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``, e.g. ``http://127.0.0.1:PORT/api/``."""
        return f"http://127.0.0.1:{self.port}/api/"

    def webhook_url(self, key: str = "response") -> str:
        """A URL usable as a ``response_url``; POSTs to it are recorded as method ``"webhook"``."""
        return f"http://127.0.0.1:{self.port}/hooks/{key}"

    # configuration

    def set_channel(
        self,
        channel_id: str,
        *,
        private: bool = False,
        im: bool = False,
        members: Sequence[str] = (),
        name: str | None = None,
        bot_member: bool = True,
    ) -> None:
        """Declare a conversation known to ``conversations.info``/``members``."""
        with self._cond:
            self._channels[channel_id] = _Channel(private, im, list(members), name or channel_id.lower(), bot_member)

    def set_usergroup(self, group_id: str, users: Sequence[str]) -> None:
        """Declare a user group for ``usergroups.users.list``."""
        with self._cond:
            self._usergroups[group_id] = list(users)

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str = "U123",
        ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Seed a (user) message so ``conversations.replies`` can return it; returns its ts."""
        with self._cond:
            message: Params = {"type": "message", "user": user, "text": text, "ts": ts or self._next_ts()}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._store_message(channel, message)
            return str(message["ts"])

    # faults

    def fail_next(self, method: str, *faults: Fault) -> None:
        """Queue ``faults`` for the next calls of ``method``, one per call, in order."""
        with self._cond:
            self._queued.setdefault(method, deque()).extend(faults)

    def set_fault_rate(
        self,
        rate: float,
        seed: int,
        kinds: Sequence[Fault] | None = None,
        methods: Sequence[str] | None = None,
    ) -> None:
        """Fault each call (of ``methods``, default all) with probability ``rate``, reproducibly for ``seed``.

        ``kinds`` defaults to rate-limit and HTTP 500 faults; ``rate=0`` turns injection off.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        chosen = tuple(kinds) if kinds is not None else (Fault.rate_limited(), Fault.server_error())
        if not chosen:
            raise ValueError("kinds must not be empty")
        with self._cond:
            self._fault_rate = (
                _FaultRate(rate, random.Random(seed), chosen, frozenset(methods) if methods else None) if rate else None
            )

    # inspection

    def calls(self, method: str | None = None, *, ok_only: bool = False) -> list[Call]:
        """Recorded calls, oldest first, optionally only of ``method`` and only those answered ok."""
        with self._cond:
            return [c for c in self._calls if (method is None or c.method == method) and (c.ok or not ok_only)]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[Call], bool] | None = None,
        *,
        ok_only: bool = False,
    ) -> list[Call]:
        """Block until at least ``count`` matching calls were recorded; return all matching calls."""
        deadline = time.monotonic() + timeout

        def matching() -> list[Call]:
            return [c for c in self.calls(method, ok_only=ok_only) if predicate is None or predicate(c)]

        with self._cond:
            found = matching()
            while len(found) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {method!r}, got {len(found)} within {timeout}s;"
                        f" recorded:\n{self._describe_calls()}"
                    )
                self._cond.wait(remaining)
                found = matching()
            return found

    def reset(self) -> None:
        """Forget calls, messages, reactions, views and faults; channel and user group config is kept."""
        with self._cond:
            self._calls.clear()
            self._messages.clear()
            self._reactions.clear()
            self._views.clear()
            self._home_views.clear()
            self._uploads.clear()
            self._queued.clear()
            self._fault_rate = None

    def _describe_calls(self, limit: int = 40) -> str:
        lines = []
        for c in self._calls[-limit:]:
            params = json.dumps(c.params, default=str)
            params = params if len(params) <= 200 else params[:197] + "..."
            lines.append(f"  {c.method} ok={c.ok} faulted={c.faulted} params={params}")
        return "\n".join(lines) or "  (none)"

    # request handling

    def _dispatch(self, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        split = urlsplit(path)
        if split.path.startswith("/api/") and len(split.path) > len("/api/"):
            method = split.path[len("/api/") :]
        elif split.path.startswith("/hooks/"):
            method = WEBHOOK_METHOD
        elif split.path.startswith("/upload/"):
            return self._receive_upload(split.path[len("/upload/") :], headers, body)
        else:
            return _json_reply(404, {"ok": False, "error": "not_found"})
        params: Params = dict(parse_qsl(split.query, keep_blank_values=True))
        with self._cond:
            try:
                params.update(_parse_body(headers.get("content-type", ""), body))
            except _SlackError as exc:
                error = _json_reply(200, {"ok": False, "error": exc.code})
                return self._record(method, params, headers, None, error)
            if method == "oauth.v2.access":
                auth_error = self._client_auth_error(headers, params)
                if auth_error:
                    return self._record(
                        method, params, headers, None, _json_reply(200, {"ok": False, "error": auth_error})
                    )
            elif method != WEBHOOK_METHOD:
                auth_error = self._auth_error(headers, params) or self._expired(headers, params)
                if auth_error:
                    return self._record(
                        method, params, headers, None, _json_reply(200, {"ok": False, "error": auth_error})
                    )
            fault = self._pick_fault(method)
            if fault is not None and fault.kind != "delay":
                return self._record(method, params, headers, fault.kind, self._fault_reply(fault))
            delay = fault.seconds if fault is not None else 0.0
            reply = self._answer(method, params, delay, self._token_of(headers, params))
            return self._record(method, params, headers, fault.kind if fault else None, reply)

    def _receive_upload(self, file_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        """The upload URL from files.getUploadURLExternal: takes the bytes (raw or multipart) once per file."""
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None:
                return _Reply(404, b"not found", {"Content-Type": "text/plain"})
            content = body
            content_type = headers.get("content-type", "")
            if content_type.startswith("multipart/form-data"):
                boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
                for part in body.split(b"--" + boundary):
                    head, sep, data = part.partition(b"\r\n\r\n")
                    if sep and b"filename=" in head:
                        content = data[:-2] if data.endswith(b"\r\n") else data
                        break
            upload["content"] = content
            params = {"file_id": file_id, "bytes": len(content)}
            self._calls.append(Call("upload", params, headers, time.time(), response={"ok": True}))
            self._cond.notify_all()
            return _Reply(200, b"OK - " + str(len(content)).encode(), {"Content-Type": "text/plain"})

    def uploaded(self, file_id: str) -> bytes | None:
        """The bytes uploaded for a file, if any."""
        with self._cond:
            upload = self._uploads.get(file_id)
            return None if upload is None else upload.get("content")

    def message(self, channel: str, ts: str) -> Params | None:
        """A stored message as it is now (text, blocks, metadata, streaming state)."""
        with self._cond:
            found = self._messages.get(channel, {}).get(ts)
            return None if found is None else dict(found)

    def _record(
        self, method: str, params: Params, headers: dict[str, str], faulted: str | None, reply: _Reply
    ) -> _Reply:
        response = json.loads(reply.body) if reply.body.startswith(b"{") else {"ok": reply.status == 200}
        self._calls.append(Call(method, params, headers, time.time(), faulted, response))
        self._cond.notify_all()
        return reply

    @staticmethod
    def _auth_error(headers: dict[str, str], params: Params) -> str | None:
        authorization = headers.get("authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else params.get("token")
        if not token:
            return "not_authed"
        if not str(token).startswith("xoxb-") or len(str(token)) <= len("xoxb-"):
            return "invalid_auth"
        return None

    def _client_auth_error(self, headers: dict[str, str], params: Params) -> str | None:
        """oauth.v2.access authenticates the app: HTTP Basic (or form fields) with its client id and secret."""
        authorization = headers.get("authorization", "")
        client_id, secret = params.get("client_id"), params.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[len("Basic ") :]).decode().partition(":")
        if client_id != self.client_id:
            return "invalid_client_id"
        if secret != self.client_secret:
            return "bad_client_secret"
        return None

    def _expired(self, headers: dict[str, str], params: Params) -> str | None:
        issued = self._issued.get(self._token_of(headers, params) or "")
        if issued is not None and issued[1] is not None and issued[1] <= time.time():
            return "token_expired"
        return None

    @staticmethod
    def _token_of(headers: dict[str, str], params: Params) -> str | None:
        authorization = headers.get("authorization", "")
        return authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else params.get("token")

    def _pick_fault(self, method: str) -> Fault | None:
        queue = self._queued.get(method)
        if queue:
            return queue.popleft()
        fr = self._fault_rate
        if fr is not None and (fr.methods is None or method in fr.methods) and fr.rng.random() < fr.rate:
            return fr.rng.choice(fr.kinds)
        return None

    @staticmethod
    def _fault_reply(fault: Fault) -> _Reply:
        payload = {"ok": False, "error": fault.code}
        if fault.kind == "rate_limited":
            return _json_reply(429, payload, {"Retry-After": str(fault.retry_after)})
        return _json_reply(fault.status, payload, delay=fault.seconds)

    def _answer(self, method: str, params: Params, delay: float, token: str | None = None) -> _Reply:
        if method == WEBHOOK_METHOD:
            return _Reply(200, b"ok", {"Content-Type": "text/plain; charset=utf-8"}, delay)
        handler = self._handlers.get(method)
        try:
            payload = self._auth_test(token) if method == "auth.test" else handler(params) if handler else {}
        except _SlackError as exc:
            return _json_reply(200, {"ok": False, "error": exc.code}, delay=delay)
        headers = {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" else {}
        return _json_reply(200, {"ok": True, **payload}, headers, delay)

    # state helpers

    def _next_ts(self) -> str:
        self._ts_counter += 1
        n = self._ts_counter
        return f"{1_700_000_000 + n // 10_000}.{(n % 10_000) * 100:06d}"

    def _next_view_id(self) -> str:
        self._view_counter += 1
        return f"V{self._view_counter:010d}"

    def _store_message(self, channel: str, message: Params) -> None:
        messages = self._messages.setdefault(channel, {})
        messages[message["ts"]] = message
        thread_ts = message.get("thread_ts")
        parent = messages.get(thread_ts) if thread_ts and thread_ts != message["ts"] else None
        if parent is not None:
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]

    def _channel(self, params: Params, key: str = "channel") -> _Channel:
        channel = self._channels.get(str(params.get(key) or ""))
        if channel is None:
            raise _SlackError("channel_not_found")
        return channel

    @staticmethod
    def _message_content(params: Params, *, required: bool) -> Params:
        text, blocks, attachments = params.get("text"), params.get("blocks"), params.get("attachments")
        if required and not (text or blocks or attachments):
            raise _SlackError("no_text")
        if text is not None and len(str(text)) > _MAX_TEXT:
            raise _SlackError("msg_too_long")
        _validate_blocks(blocks, _MAX_MESSAGE_BLOCKS)
        _validate_metadata(params.get("metadata"))
        content: Params = {}
        if text is not None:
            content["text"] = str(text)
        for key in ("blocks", "attachments", "metadata"):
            if params.get(key) is not None:
                content[key] = params[key]
        return content

    def _view(self, view: Any, view_id: str) -> Params:
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                raise _SlackError("invalid_arguments") from None
        if not isinstance(view, dict) or not isinstance(view.get("type"), str):
            raise _SlackError("invalid_arguments")
        _validate_blocks(view.get("blocks", []), _MAX_VIEW_BLOCKS)
        stored: Params = {
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{view_id.lower()}",
            "root_view_id": view_id,
            "previous_view_id": None,
        }
        self._views[view_id] = stored
        return stored

    # Web API methods

    # OAuth

    def add_oauth_code(self, code: str, grant: Grant) -> None:
        """Make `code` exchangeable once (oauth.v2.access) for a bot token of `grant`'s workspace or org."""
        with self._cond:
            self._codes[code] = grant

    def tokens_of(self, team_id: str | None, enterprise_id: str | None = None) -> list[str]:
        """The bot tokens issued for a workspace (or org-wide install: `team_id` None), oldest first."""
        with self._cond:
            return [
                token
                for token, (grant, _) in self._issued.items()
                if grant.team_id == team_id and grant.enterprise_id == enterprise_id
            ]

    def expire(self, token: str) -> None:
        """Make an issued token expire now (calls with it fail with `token_expired`)."""
        with self._cond:
            grant, _ = self._issued[token]
            self._issued[token] = (grant, time.time())

    def _issue(self, grant: Grant, expires_in: int) -> Params:
        self._token_counter += 1
        token = f"xoxb-{grant.team_id or grant.enterprise_id}-{self._token_counter:04d}"
        expires_at = time.time() + expires_in if grant.rotating else None
        self._issued[token] = (grant, expires_at)
        answer: Params = {
            "app_id": APP_ID,
            "token_type": "bot",
            "access_token": token,
            "scope": ",".join(self.scopes),
            "bot_user_id": grant.bot_user_id,
            "team": {"id": grant.team_id, "name": f"Workspace {grant.team_id}"} if grant.team_id else None,
            "enterprise": {"id": grant.enterprise_id, "name": "Org"} if grant.enterprise_id else None,
            "is_enterprise_install": grant.is_enterprise_install,
            "authed_user": {"id": "UINSTALLER"},
        }
        if grant.rotating:
            refresh = f"xoxe-1-refresh-{self._token_counter:04d}"
            self._refresh_tokens[refresh] = grant
            answer.update(refresh_token=refresh, expires_in=expires_in)
        return answer

    def _oauth_v2_access(self, params: Params) -> Params:
        if params.get("grant_type") == "refresh_token":
            grant = self._refresh_tokens.pop(
                str(params.get("refresh_token") or ""), None
            )  # a refresh token is used once
            if grant is None:
                raise _SlackError("invalid_refresh_token")
            return self._issue(grant, grant.refreshed_expires_in or grant.expires_in)
        grant = self._codes.pop(str(params.get("code") or ""), None)
        if grant is None:
            raise _SlackError("invalid_code")
        return self._issue(grant, grant.expires_in)

    def _auth_test(self, token: str | None) -> Params:
        """Who a token is: its grant's workspace (or org) and bot; any other token is the default workspace's bot."""
        issued = self._issued.get(token or "")
        if issued is None:
            grant, domain, name = DEFAULT_GRANT, TEAM_DOMAIN, "Example Workspace"
        else:
            grant = issued[0]
            domain, name = (grant.team_id or grant.enterprise_id or "").lower(), f"Workspace {grant.team_id}"
        answer: Params = {
            "url": f"https://{domain}.slack.com/",
            "team": name,
            "user": "ai-advisor",
            "team_id": grant.team_id,
            "user_id": grant.bot_user_id,
            "bot_id": grant.bot_id,
            "is_enterprise_install": grant.is_enterprise_install,
        }
        if issued is not None:  # a grant's answer names its org (None outside Enterprise Grid), as Slack's does
            answer["enterprise_id"] = grant.enterprise_id
        return answer

    def _chat_post_message(self, params: Params) -> Params:
        channel = _require(params, "channel", "channel_not_found")
        content = self._message_content(params, required=True)
        message: Params = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": self._next_ts(),
            **content,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
        self._store_message(channel, message)
        return {"channel": channel, "ts": message["ts"], "message": dict(message)}

    def _chat_update(self, params: Params) -> Params:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "ts", "message_not_found")
        message = self._messages.get(channel, {}).get(ts)
        if message is None:
            raise _SlackError("message_not_found")
        if message.get("user") != BOT_USER_ID:
            raise _SlackError("cant_update_message")
        message.update(self._message_content(params, required=False))
        message["streaming"] = False  # the fallback for a stream that broke off: the update finishes it
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel, "ts": ts, "text": message.get("text", ""), "message": dict(message)}

    def _chat_post_ephemeral(self, params: Params) -> Params:
        channel_id = _require(params, "channel", "channel_not_found")
        user = _require(params, "user", "user_not_found")
        channel = self._channels.get(channel_id)
        if channel is not None and channel.members and user not in channel.members:
            raise _SlackError("user_not_in_channel")
        self._message_content(params, required=True)
        return {"message_ts": self._next_ts()}

    def _chat_get_permalink(self, params: Params) -> Params:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "message_ts", "message_not_found")
        permalink = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = self._messages.get(channel, {}).get(ts, {}).get("thread_ts")
        if thread_ts and thread_ts != ts:
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": permalink}

    def _reaction_key(self, params: Params) -> tuple[str, str, str]:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "timestamp", "no_item_specified")
        name = _require(params, "name", "invalid_name")
        return channel, ts, name

    def _reactions_add(self, params: Params) -> Params:
        key = self._reaction_key(params)
        if key in self._reactions:
            raise _SlackError("already_reacted")
        self._reactions.add(key)
        return {}

    def _reactions_remove(self, params: Params) -> Params:
        key = self._reaction_key(params)
        if key not in self._reactions:
            raise _SlackError("no_reaction")
        self._reactions.remove(key)
        return {}

    def _assistant_set_status(self, params: Params) -> Params:
        _require(params, "channel_id", "channel_not_found")
        _require(params, "thread_ts", "invalid_arguments")
        if params.get("status") is None:
            raise _SlackError("invalid_arguments")
        return {}

    def _assistant_set_suggested_prompts(self, params: Params) -> Params:
        _require(params, "channel_id", "channel_not_found")
        _require(params, "thread_ts", "invalid_arguments")
        prompts = params.get("prompts")
        if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4:
            raise _SlackError("invalid_arguments")
        if not all(isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
            raise _SlackError("invalid_arguments")
        return {}

    def _assistant_set_title(self, params: Params) -> Params:
        _require(params, "channel_id", "channel_not_found")
        _require(params, "thread_ts", "invalid_arguments")
        _require(params, "title", "invalid_arguments")
        return {}

    def _chat_start_stream(self, params: Params) -> Params:
        if not self.streaming_enabled:
            raise _SlackError("unknown_method")
        channel = _require(params, "channel", "channel_not_found")
        thread_ts = _require(params, "thread_ts", "invalid_arguments")
        if not channel.startswith("D") and not (params.get("recipient_user_id") and params.get("recipient_team_id")):
            raise _SlackError("missing_recipient_user_id")  # required outside DMs
        message: Params = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": self._next_ts(),
            "thread_ts": thread_ts,
            "text": _streamed_text(params),
            "streaming": True,
        }
        self._store_message(channel, message)
        return {"channel": channel, "ts": message["ts"]}

    def _streaming_message(self, params: Params) -> Params:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "ts", "message_not_found")
        message = self._messages.get(channel, {}).get(ts)
        if message is None:
            raise _SlackError("message_not_found")
        if not message.get("streaming"):
            raise _SlackError("message_not_in_streaming_state")
        return message

    def _chat_append_stream(self, params: Params) -> Params:
        message = self._streaming_message(params)
        message["text"] += _streamed_text(params)
        return {"channel": params["channel"], "ts": message["ts"]}

    def _chat_stop_stream(self, params: Params) -> Params:
        message = self._streaming_message(params)
        message["text"] += _streamed_text(params)
        _validate_metadata(params.get("metadata"))
        for key in ("blocks", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        message["streaming"] = False
        return {"channel": params["channel"], "ts": message["ts"], "message": dict(message)}

    def _files_get_upload_url(self, params: Params) -> Params:
        filename = _require(params, "filename", "invalid_arguments")
        try:
            length = int(_require(params, "length", "invalid_arguments"))
        except ValueError:
            raise _SlackError("invalid_arguments") from None
        self._file_counter += 1
        file_id = f"F{self._file_counter:010d}"
        self._uploads[file_id] = {"filename": filename, "length": length, "alt_txt": params.get("alt_txt")}
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Params) -> Params:
        files = params.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                raise _SlackError("invalid_arguments") from None
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments")
        out = []
        for entry in files:
            upload = self._uploads.get(str(entry.get("id") if isinstance(entry, dict) else ""))
            if upload is None or upload.get("content") is None:
                raise _SlackError("file_not_found")
            if len(upload["content"]) != upload["length"]:
                raise _SlackError("file_upload_size_mismatch")
            upload["title"] = entry.get("title")
            upload["shared"] = {"channel": params.get("channel_id"), "thread_ts": params.get("thread_ts")}
            out.append(
                {"id": entry["id"], "title": entry.get("title") or upload["filename"], "name": upload["filename"]}
            )
        channel = params.get("channel_id")
        if channel:
            message: Params = {
                "type": "message",
                "subtype": "file_share",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": self._next_ts(),
                "text": str(params.get("initial_comment") or ""),
                "files": out,
            }
            if params.get("thread_ts"):
                message["thread_ts"] = str(params["thread_ts"])
            self._store_message(str(channel), message)
        return {"files": out}

    def _views_open(self, params: Params) -> Params:
        _require(params, "trigger_id", "invalid_trigger_id")
        return {"view": self._view(params.get("view"), self._next_view_id())}

    def _views_update(self, params: Params) -> Params:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if not view_id and external_id:
            view_id = next((v["id"] for v in self._views.values() if v["external_id"] == external_id), None)
            if view_id is None:
                raise _SlackError("not_found")
        if not view_id:
            raise _SlackError("invalid_arguments")
        return {"view": self._view(params.get("view"), str(view_id))}

    def _views_publish(self, params: Params) -> Params:
        user_id = _require(params, "user_id", "invalid_arguments")
        view_id = self._home_views.get(user_id) or self._next_view_id()
        self._home_views[user_id] = view_id
        return {"view": self._view(params.get("view"), view_id)}

    def _conversations_info(self, params: Params) -> Params:
        channel_id = str(params.get("channel") or "")
        if channel_id not in self._channels and channel_id.startswith("C"):
            # As lenient as posting: an undeclared C… channel is a public channel the bot is in.
            channel = _Channel(False, False, [], channel_id.lower(), True)
        else:
            channel = self._channel(params)
        info: Params = {
            "id": channel_id,
            "created": 1_600_000_000,
            "is_im": channel.im,
            "is_archived": False,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
        }
        if channel.im:
            others = [m for m in channel.members if m != BOT_USER_ID]
            info.update({"user": others[0] if others else "U123", "is_user_deleted": False})
        else:
            info.update(
                {
                    "name": channel.name,
                    "is_channel": not channel.private,
                    "is_group": channel.private,
                    "is_mpim": False,
                    "is_private": channel.private,
                    "is_general": False,
                    "is_shared": False,
                    "is_ext_shared": False,
                    "is_member": channel.bot_member,
                    "num_members": len(channel.members),
                }
            )
        return {"channel": info}

    def _conversations_members(self, params: Params) -> Params:
        members, next_cursor = _paginate(self._channel(params).members, params, default_limit=100)
        return {"members": members, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_replies(self, params: Params) -> Params:
        channel = _require(params, "channel", "channel_not_found")
        ts = _require(params, "ts", "thread_not_found")
        thread = sorted(
            (m for m in self._messages.get(channel, {}).values() if ts in (m["ts"], m.get("thread_ts"))),
            key=lambda m: _ts_key(m["ts"]),
        )
        page, next_cursor = _paginate([_visible(m, params) for m in thread], params, default_limit=1000)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_history(self, params: Params) -> Params:
        """Top-level messages (and thread parents), newest first, within ``oldest``/``latest``."""
        channel = _require(params, "channel", "channel_not_found")
        oldest, latest = params.get("oldest"), params.get("latest")
        top = [
            m
            for m in self._messages.get(channel, {}).values()
            if m.get("thread_ts") in (None, m["ts"])
            and (not oldest or float(m["ts"]) >= float(oldest))
            and (not latest or float(m["ts"]) <= float(latest))
        ]
        top.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        page, next_cursor = _paginate([_visible(m, params) for m in top], params, default_limit=100)
        return {
            "messages": page,
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, params: Params) -> Params:
        user = _require(params, "user", "user_not_found")
        is_bot = user == BOT_USER_ID
        name = "ai-advisor" if is_bot else f"user-{user.lower()}"
        return {
            "user": {
                "id": user,
                "team_id": TEAM_ID,
                "name": name,
                "real_name": name,
                "deleted": False,
                "is_bot": is_bot,
                "is_app_user": False,
                "tz": "UTC",
                "profile": {"display_name": name, "real_name": name, "team": TEAM_ID},
            }
        }

    def _usergroups_users_list(self, params: Params) -> Params:
        group = _require(params, "usergroup", "no_such_subteam")
        if group not in self._usergroups:
            raise _SlackError("no_such_subteam")
        return {"users": list(self._usergroups[group])}
