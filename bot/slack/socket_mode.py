"""Socket Mode: Bolt's handler, with each envelope's acknowledgement timed into `/metrics` as HTTP mode's are.

In Socket Mode the acknowledgement is not an HTTP response but a message sent back on the WebSocket with the
envelope's id; the time from receiving the envelope to sending that message is what Slack's 3 seconds measure.
"""

from __future__ import annotations

import time
from contextlib import nullcontext

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import metrics


class TimedSocketModeHandler(SocketModeHandler):
    """Bolt's built-in Socket Mode handler; each envelope's dispatch and acknowledgement is observed in the
    `advisor_ack_seconds{mode="socket"}` histogram, and, like an HTTP request, holds turns back while it runs
    (`AckGate`, bot/slack/priority.py)."""

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        """Dispatch one envelope to the app and send its acknowledgement (none for a non-200: Slack redelivers)."""
        started = time.monotonic()
        gate = getattr(self.app, "ack_gate", None)
        with gate.acking() if gate is not None else nullcontext():
            response = run_bolt_app(self.app, req)
            send_response(client, req, response, time.time())
        metrics.observe_ack(started, response.status, mode="socket")

    def close(self) -> None:
        """Close as Bolt's handler does, without waiting out the message processor's poll: it blocks up to a second
        on its queue before it looks at `closed` again, so a None (which it skips) is queued to wake it."""
        self.client.closed = True
        self.client.message_queue.put(None)
        super().close()
