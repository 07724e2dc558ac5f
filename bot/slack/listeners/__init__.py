"""Bolt listeners, split by kind; `register` wires them all."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from bot.slack.access import SlackLeads, slack_leads
from bot.slack.listeners import actions, commands, events, fallback, home, record
from bot.slack.listeners import leads as lead_listeners


def register(app: App, services: Services, leads: SlackLeads | None = None) -> None:
    """Register every listener of the app (`leads`: the leads' workflow, built from the app's client if not given)."""
    leads = leads or slack_leads(services, app.client)
    events.register(app, services, leads)
    commands.register(app, services, leads)
    actions.register(app, services, leads)
    lead_listeners.register(app, services, leads)
    home.register(app, services, leads)
    record.register(app, services, leads)
    fallback.register(app)  # last: it takes any button the others did not
