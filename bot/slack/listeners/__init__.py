"""Bolt listeners, split by kind; `register` wires them all."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.listeners import actions, commands, events


def register(app: App, services: Services) -> None:
    """Register every listener of the app."""
    events.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
