"""Conversation events: mentions, DMs and thread replies (routing and dedupe happen in middleware)."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.replies import run_turn


def register(app: App, services: Services) -> None:
    """Listen to `app_mention` and `message` events."""

    def on_turn(context: BoltContext, client: WebClient) -> None:
        turn = context.get("turn")
        if turn is not None:
            run_turn(services, client, turn)

    app.event("app_mention")(on_turn)
    app.event("message")(on_turn)
