"""Conversation events: mentions, DMs and thread replies (routing and dedupe happen in middleware)."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import summary_for_turn
from bot.slack.replies import run_turn


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to `app_mention` and `message` events (the middleware routes "summary" to the thread's summary)."""

    gate = getattr(app, "ack_gate", None)

    def on_turn(context: BoltContext, client: WebClient) -> None:
        turn, summary = context.get("turn"), context.get("summary")
        if turn is not None:
            run_turn(services, client, turn, gate)  # acks first: the turn is safe in the inbox meanwhile
        elif summary is not None:
            summary_for_turn(services, leads, client, summary)

    app.event("app_mention")(on_turn)
    app.event("message")(on_turn)
