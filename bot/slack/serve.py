"""Serving the app: HTTP mode on waitress (POST /slack/events, GET /healthz, GET /readyz) or Socket Mode.

Both modes start the outbox worker (and resume what a previous process left unanswered) before taking requests,
and shut down gracefully on SIGTERM or Ctrl-C: stop taking requests, finish in-flight turns, post what is due.
"""

from __future__ import annotations

import contextvars
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.health import Check, may_see_detail, readiness, ready_report
from bot.logs import write_in_background

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller; a 40,000-character message is ~200 KB escaped
MAX_DEPTH = 40  # JSON nesting: Slack's deepest payloads (rich text inside a view's state) stay under 15
HTTP_THREADS = 16
# waitress: refuse a larger body from its Content-Length before reading any of it (its default reads up to 1 GiB to
# a temporary file first); bound open connections and close idle ones within about IDLE_TIMEOUT + CLEANUP seconds.
CONNECTION_LIMIT = 500
IDLE_TIMEOUT = 10
CLEANUP_INTERVAL = 2
MAX_HEADER = 64 * 1024
GIL_SWITCH_INTERVAL = 0.0005  # seconds; CPython's default is 0.005

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]


_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _reply(
    start_response: StartResponse, status: int, body: str | bytes = b"", headers: dict[str, str] | None = None
) -> Iterable[bytes]:
    raw = body.encode() if isinstance(body, str) else body
    reason = _REASONS.get(status, "Status")
    out = {"content-type": "text/plain; charset=utf-8"}
    out.update({k.lower(): v for k, v in (headers or {}).items()})
    out["content-length"] = str(len(raw))
    start_response(f"{status} {reason}", list(out.items()))
    return [raw]


def well_formed(body: str, content_type: str) -> bool:
    """Whether a Slack request body parses (JSON object, or a form with a JSON `payload` or a command) and has the
    shape the listeners rely on: signed but malformed requests get 400, never a 500 from deep inside."""
    try:
        if content_type.startswith("application/json"):
            return _well_shaped(json.loads(body))
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
            if "payload" in form:
                return _well_shaped(json.loads(form["payload"]))
            return "command" in form or "ssl_check" in form
    except (ValueError, RecursionError):
        return False
    return False


# The parts of a payload that must be objects when present (or, for these types, always).
_OBJECTS = ("event", "user", "team", "channel", "container", "message", "view")
_REQUIRED = {
    "event_callback": ("event",),
    "view_submission": ("view", "user"),
    "view_closed": ("view", "user"),
    "block_actions": ("user",),
    "message_action": ("user",),
    "shortcut": ("user",),
}


def _well_shaped(payload: Any) -> bool:
    if not isinstance(payload, dict) or _depth(payload) > MAX_DEPTH:
        return False
    for key in _REQUIRED.get(str(payload.get("type") or ""), ()):
        if not isinstance(payload.get(key), dict):
            return False
    for key in _OBJECTS:
        if key in payload and payload[key] is not None and not isinstance(payload[key], dict):
            return False
    actions = payload.get("actions")
    return actions is None or (isinstance(actions, list) and all(isinstance(a, dict) for a in actions))


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (iteratively: a hostile body can't exhaust the stack here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def signature_valid(verifier: SignatureVerifier, body: str, timestamp: str, signature: str) -> bool:
    """slack_sdk's check, with malformed headers (a missing or non-numeric timestamp, a non-ASCII signature) taken
    as "not signed" instead of raising."""
    if not timestamp.isascii() or not timestamp.isdigit() or not signature.isascii():
        return False
    try:
        return verifier.is_valid(body, timestamp, signature)
    except (ValueError, TypeError):
        return False


Readiness = Callable[[], list[Check]]


class ProbeWsgiApp:
    """Liveness (`/healthz`), readiness (`/readyz`) and metrics (`/metrics`); 404 for anything else. On its own,
    it is Socket Mode's `--health-port` server."""

    def __init__(self, ready: Readiness | None = None, ready_token: str | None = None) -> None:
        self.ready_token = ready_token  # `/readyz` details for callers presenting it (or on this machine)
        self.ready = ready
        self.draining = False  # set on shutdown: not ready for new traffic

    def readiness(self) -> tuple[int, dict[str, Any]]:
        """`GET /readyz`: 200 when the database and the knowledge index are ready (and not shutting down)."""
        return ready_report(self.ready() if self.ready else [], draining=self.draining)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            return _reply(start_response, 200, json.dumps({"ok": True}), {"Content-Type": "application/json"})
        if path == METRICS_PATH:
            return _reply(start_response, 200, metrics.exposition(), {"Content-Type": metrics.CONTENT_TYPE})
        if path == READY_PATH:
            status, report = self.readiness()
            if not may_see_detail(environ, self.ready_token):
                report = {"ok": report["ok"]}
            return _reply(start_response, status, json.dumps(report), {"Content-Type": "application/json"})
        return _reply(start_response, 404, "Not Found")


class SlackWsgiApp(ProbeWsgiApp):
    """A small WSGI router: Slack requests (verified, then parsed) to Bolt, plus the probes and metrics."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        path: str = EVENTS_PATH,
        ready: Readiness | None = None,
        ready_token: str | None = None,
    ) -> None:
        super().__init__(ready, ready_token)
        self.app = app
        self.path = path
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path in (HEALTH_PATH, READY_PATH, METRICS_PATH):
            return super().__call__(environ, start_response)
        flow = getattr(self.app, "oauth_flow", None)
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            return self._oauth(flow, environ, start_response)
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
        if not signature_valid(
            self.verifier, body, headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        ):
            return _reply(start_response, 401, "Unauthorized")
        if not well_formed(body, content_type):
            return _reply(start_response, 400, "Bad Request")
        gate = getattr(self.app, "ack_gate", None)
        started = time.monotonic()
        try:
            with gate.acking() if gate is not None else nullcontext():
                request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
                # A context of its own: the workspace a request binds (bot/slack/workspace.py) ends with it.
                resp = contextvars.copy_context().run(self.app.dispatch, request)
        except Exception:
            log.exception("bolt dispatch failed")
            resp = BoltResponse(status=500, body="")
        metrics.observe_ack(started, resp.status)
        out_headers = {k: v[0] if isinstance(v, list) else str(v) for k, v in resp.headers.items() if v}
        return _reply(start_response, resp.status, resp.body or "", out_headers)

    def _oauth(self, flow: OAuthFlow, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """OAuth mode: the install link (`/slack/install`) and Slack's redirect back (`/slack/oauth_redirect`).
        Browsers come here, so nothing is signed; the redirect is checked by its `state` (issued by the install
        page, set in a cookie, usable once) before the code is exchanged."""
        if environ.get("REQUEST_METHOD", "GET") != "GET":
            return _reply(start_response, 405, "Method Not Allowed", {"Allow": "GET"})
        headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        try:
            if environ.get("PATH_INFO") == flow.install_path:
                resp = flow.handle_installation(request)
            else:
                resp = flow.handle_callback(request)
        except Exception:
            log.exception("OAuth request failed")
            return _reply(start_response, 500, "The installation failed; please try again.")
        out = [(k, str(v)) for k, values in resp.headers.items() for v in values]  # a Set-Cookie line per cookie
        body = resp.body.encode() if isinstance(resp.body, str) else resp.body or b""
        out = [(k, v) for k, v in out if k.lower() != "content-length"] + [("content-length", str(len(body)))]
        start_response(f"{resp.status} {_REASONS.get(resp.status, 'Status')}", out)
        return [body]


@contextmanager
def _graceful() -> Iterator[None]:
    """Turn SIGTERM into SystemExit in the main thread (as Ctrl-C is KeyboardInterrupt), so serving stops cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _timeout(app: App) -> float:
    services = getattr(app, "services", None)
    return float(services.settings.advisor_shutdown_timeout) if services is not None else 10.0


def _warm_up(app: App) -> None:
    from bot.services import freeze_start_up_objects

    warm_up = getattr(app, "warm_up", None)
    if warm_up is not None:
        warm_up()
    freeze_start_up_objects()


def _start(app: App) -> None:
    start_delivery = getattr(app, "start_delivery", None)
    if start_delivery is not None:
        start_delivery()


def _stop(app: App) -> None:
    shutdown = getattr(app, "shutdown", None)
    if shutdown is not None:
        shutdown(_timeout(app))
    log.info("stopped")


def serve_http(
    app: App, signing_secret: str, *, host: str = "0.0.0.0", port: int = 3000, threads: int = HTTP_THREADS
) -> None:
    """Serve the app over HTTP with waitress (blocks until SIGTERM or Ctrl-C, then shuts down gracefully)."""
    from waitress import create_server

    # Card building is CPU work on listener threads; a short GIL switch interval keeps acks from queueing behind it.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    _warm_up(app)  # before the port is open: no request waits behind it
    ready, token = _probes(app)
    wsgi = SlackWsgiApp(app, signing_secret, ready=ready, ready_token=token)
    server = create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="ai-advisor",
        max_request_body_size=MAX_BODY + 1,
        max_request_header_size=MAX_HEADER,
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=IDLE_TIMEOUT,
        cleanup_interval=CLEANUP_INTERVAL,
        asyncore_use_poll=True,
        # keep X-Forwarded-For & co. visible: `/readyz` treats a proxied request as remote
        clear_untrusted_proxy_headers=False,
    )
    _start(app)
    stop_logging = write_in_background()  # an ack never waits for the log stream (bot/logs.py)
    log.info(
        "serving Slack at http://%s:%s%s (health: %s, readiness: %s)", host, port, EVENTS_PATH, HEALTH_PATH, READY_PATH
    )
    with _graceful():
        try:
            server.run()  # returns after SystemExit/KeyboardInterrupt, once in-flight requests are answered
        finally:
            wsgi.draining = True
            server.close()
            _stop(app)
            stop_logging()


def _probes(app: App) -> tuple[Readiness | None, str | None]:
    """The readiness checks and the `/readyz` token for an app's services."""
    services = getattr(app, "services", None)
    if services is None:
        return None, None
    token = services.settings.advisor_readyz_token
    return (lambda: readiness(services)), (token.get_secret_value() if token else None)


def serve_socket_mode(app: App, app_token: str, *, health: tuple[str, int] | None = None) -> None:
    """Connect to Slack over Socket Mode (no public URL needed; blocks until SIGTERM or Ctrl-C). With `health`
    (host, port), `/healthz`, `/readyz` and `/metrics` are served there meanwhile."""
    from waitress import create_server

    from bot.slack.socket_mode import TimedSocketModeHandler

    _warm_up(app)
    probes: ProbeWsgiApp | None = None
    server = None
    handler: TimedSocketModeHandler | None = None
    # SIGTERM is graceful from before the health port opens: an orchestrator that saw /healthz answer may stop the
    # process at once, even while it is still connecting to Slack.
    with _graceful():
        try:
            if health is not None:
                ready, token = _probes(app)
                probes = ProbeWsgiApp(ready, token)
                server = create_server(probes, host=health[0], port=health[1], threads=2, ident="ai-advisor")
                threading.Thread(target=server.run, name="health-port", daemon=True).start()
                log.info(
                    "health: http://%s:%s%s, readiness: %s, metrics: %s", *health, HEALTH_PATH, READY_PATH, METRICS_PATH
                )
            log.info("connecting to Slack in Socket Mode")
            handler = TimedSocketModeHandler(app, app_token)
            _start(app)
            handler.start()
        except (SystemExit, KeyboardInterrupt):
            pass
        finally:
            if probes is not None:
                probes.draining = True
            if handler is not None:
                handler.close()
            _stop(app)
            if server is not None:
                server.close()
