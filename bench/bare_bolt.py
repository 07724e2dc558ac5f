"""The baseline for the Slack benchmarks: a bare Bolt app served by waitress like `ai-advisor serve`.

One `app_mention` listener posts a message in the thread carrying the same card metadata event type, so cards
are counted the same way; nothing else (no store, no engine). Usage: python bench/bare_bolt.py PORT
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any


def main(port: int) -> None:
    """Serve the bare app on 127.0.0.1:PORT (blocks)."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient
    from waitress import serve

    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: WebClient) -> None:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event["ts"],
            text="hello",
            metadata={"event_type": "advisor_recommendation", "event_payload": {"approach": "x"}},
        )

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in ("/healthz", "/readyz"):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"ok": True}).encode()]
        return handler(environ, start_response)

    serve(wsgi, host="127.0.0.1", port=port, threads=16, _quiet=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
