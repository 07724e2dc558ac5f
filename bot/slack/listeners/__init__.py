"""Bolt listeners, split by kind; `register` wires them all."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.access import SlackLeads, slack_leads
from bot.slack.listeners import actions, commands, events, home, leads


def register(app: App, services: Services, team: SlackLeads | None = None) -> None:
    """Register every listener of the app (`team`: the leads' workflow, built from the app's client if not given)."""
    team = team or slack_leads(services, app.client)
    events.register(app, services, team)
    commands.register(app, services, team)
    actions.register(app, services, team)
    leads.register(app, services, team)
    home.register(app, services, team)
