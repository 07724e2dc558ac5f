"""Serving the app: HTTP mode on waitress (POST /slack/events, GET /healthz) or Socket Mode."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; a 40,000-character message is ~200 KB escaped
HTTP_THREADS = 16
GIL_SWITCH_INTERVAL = 0.0005  # seconds; CPython's default is 0.005

log = logging.getLogger("bot.slack")
StartResponse = Callable[..., Any]


def _reply(start_response: StartResponse, status: int, body: str | bytes = b"",
           headers: dict[str, str] | None = None) -> Iterable[bytes]:  # fmt: skip
    raw = body.encode() if isinstance(body, str) else body
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
              413: "Payload Too Large", 500: "Internal Server Error"}.get(status, "Status")  # fmt: skip
    out = {"content-type": "text/plain; charset=utf-8"}
    out.update({k.lower(): v for k, v in (headers or {}).items()})
    out["content-length"] = str(len(raw))
    start_response(f"{status} {reason}", list(out.items()))
    return [raw]


def well_formed(body: str, content_type: str) -> bool:
    """Whether a Slack request body parses (JSON object, or a form with a JSON `payload` or a command)."""
    try:
        if content_type.startswith("application/json"):
            return isinstance(json.loads(body), dict)
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
            if "payload" in form:
                return isinstance(json.loads(form["payload"]), dict)
            return "command" in form or "ssl_check" in form
    except ValueError:
        return False
    return False


class SlackWsgiApp:
    """A small WSGI router: Slack requests (verified, then parsed) to Bolt, and a health check."""

    def __init__(self, app: App, signing_secret: str, path: str = EVENTS_PATH) -> None:
        self.app = app
        self.path = path
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return _reply(start_response, 200, json.dumps({"ok": True}), {"Content-Type": "application/json"})
        if path != self.path:
            return _reply(start_response, 404, "Not Found")
        if method != "POST":
            return _reply(start_response, 405, "Method Not Allowed", {"Allow": "POST"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, 400, "Bad Request")
        if length > MAX_BODY:
            return _reply(start_response, 413, "Payload Too Large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        content_type = str(environ.get("CONTENT_TYPE") or "")
        headers["content-type"] = content_type
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _reply(start_response, 400, "Bad Request")
        # Authenticity first: nothing unsigned or stale (> 5 minutes) is parsed or processed.
        if not self.verifier.is_valid(body, headers.get("x-slack-request-timestamp", ""),
                                      headers.get("x-slack-signature", "")):  # fmt: skip
            return _reply(start_response, 401, "Unauthorized")
        if not well_formed(body, content_type):
            return _reply(start_response, 400, "Bad Request")
        try:
            resp = self.app.dispatch(BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers))
        except Exception:
            log.exception("bolt dispatch failed")
            resp = BoltResponse(status=500, body="")
        out_headers = {k: v[0] if isinstance(v, list) else str(v) for k, v in resp.headers.items() if v}
        return _reply(start_response, resp.status, resp.body or "", out_headers)


def serve_http(app: App, signing_secret: str, *, host: str = "0.0.0.0", port: int = 3000,
               threads: int = HTTP_THREADS) -> None:  # fmt: skip
    """Serve the app over HTTP with waitress (blocks)."""
    from waitress import serve

    # Card building is CPU work on listener threads; a short GIL switch interval keeps acks from queueing behind it.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    log.info("serving Slack at http://%s:%s%s (health: %s)", host, port, EVENTS_PATH, HEALTH_PATH)
    serve(SlackWsgiApp(app, signing_secret), host=host, port=port, threads=threads, ident="ai-advisor",
          channel_timeout=30, _quiet=True)  # fmt: skip


def serve_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over Socket Mode (no public URL needed; blocks)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(app, app_token).start()
