"""A local OpenAI-compatible server for tests: POST /v1/chat/completions over real HTTP.

It also speaks Azure OpenAI's URL shape, POST /openai/deployments/{deployment}/chat/completions?api-version=...,
which (like Azure) needs the `api-version` query parameter and an `api-key` header.

Responses come from a queue of scripted items (or a default responder), each one of:
  {"content": str}              an assistant message
  {"tool": dict | str}          a tool call to the first requested function (dict -> JSON arguments)
  {"status": 429 | 500, ...}    an error response
  {"garbage": True}             a 200 response whose body is not JSON
  {"delay": seconds, ...}       wait first (combine with any of the above)
Every request body is recorded, raw, in `requests`, with its headers in `headers` and its path in `paths`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.polling import SERVER_POLL_S

Item = dict[str, Any]
AZURE_PATH = re.compile(r"/openai/deployments/([^/]+)/chat/completions")


def echo_offline_verdict(body: dict[str, Any]) -> Item:
    """Default responder: empty extraction for tool requests; otherwise echo the offline wording back."""
    if body.get("tools"):
        return {"tool": {}}
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    m = re.search(r"<offline_verdict>(.*?)</offline_verdict>", text, re.S)
    return {"content": m.group(1) if m else "OK."}


class FakeOpenAI:
    """The server and its script; use `running()` to start and stop it."""

    def __init__(self, default: Callable[[dict[str, Any]], Item] = echo_offline_verdict) -> None:
        self.queue: deque[Item] = deque()
        self.default = default
        self.requests: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def base_url(self) -> str:
        """The base URL to give the OpenAI client."""
        return f"{self.azure_endpoint}/v1"

    @property
    def azure_endpoint(self) -> str:
        """The endpoint to give the Azure OpenAI client (it appends /openai/deployments/...)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def script(self, *items: Item) -> None:
        """Queue responses, used in order by the next requests."""
        self.queue.extend(items)

    def bodies(self) -> list[dict[str, Any]]:
        """The recorded request bodies, parsed."""
        return [json.loads(b) for b in self.requests]

    @contextmanager
    def running(self) -> Iterator[FakeOpenAI]:
        """Serve in a background thread for the duration of the block."""
        thread = threading.Thread(target=self.server.serve_forever, args=(SERVER_POLL_S,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()

    def _next(self, body: dict[str, Any]) -> Item:
        with self._lock:
            return self.queue.popleft() if self.queue else self.default(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake._lock:
                    fake.requests.append(raw)
                    fake.headers.append(dict(self.headers))
                    fake.paths.append(self.path)
                url = urlsplit(self.path)
                azure = AZURE_PATH.fullmatch(url.path)
                if azure and "api-version" not in parse_qs(url.query):
                    self._send(404, {"error": {"code": "404", "message": "Resource not found"}})
                    return
                if azure and not self.headers.get("api-key"):
                    self._send(401, {"error": {"code": "401", "message": "Access denied: missing api-key header"}})
                    return
                if not (azure or url.path == "/v1/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                body = json.loads(raw)
                item = fake._next(body)
                if item.get("delay"):
                    time.sleep(item["delay"])
                if "status" in item:
                    self._send(item["status"], {"error": {"message": f"scripted {item['status']}", "type": "x"}})
                elif item.get("garbage"):
                    self._send_raw(200, b"<html>definitely not json{")
                else:
                    self._send(200, _completion(body, item))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                self._send_raw(status, json.dumps(payload).encode())

            def _send_raw(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def _completion(body: dict[str, Any], item: Item) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if "tool" in item:
        tools = body.get("tools") or [{"function": {"name": "unknown"}}]
        args = item["tool"] if isinstance(item["tool"], str) else json.dumps(item["tool"])
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": tools[0]["function"]["name"], "arguments": args}}
        ]
        finish = "tool_calls"
    else:
        message["content"] = item.get("content", "")
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": 10, "total_tokens": prompt_chars // 4 + 10},
    }
