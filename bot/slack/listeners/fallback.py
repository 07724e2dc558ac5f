"""Buttons this version has no listener for (a card posted by an older version): acknowledged, and the user told.

Registered last: Bolt tries listeners in order. Without it Bolt answers 404, Slack shows the click as failed and
the user is told nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import messages as msg
from bot.slack.listeners.leads import tell

log = logging.getLogger(__name__)


def register(app: App) -> None:
    """Acknowledge every block action no other listener took."""

    @app.action(re.compile(".*"))
    def on_unknown_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        log.info("a button with no listener: %s", str(action.get("action_id", "?"))[:100])
        tell(client, body, msg.UNKNOWN_BUTTON)
