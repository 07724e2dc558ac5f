"""The card's "Export decision record" button: the assessment's ADR, posted as a Markdown file in its thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.services import Services
from bot.slack import blocks as bk
from bot.slack.access import SlackLeads
from bot.slack.listeners.leads import acted_on, told_privately
from bot.slack.records import RECORD, record_message
from bot.slack.replies import Outgoing, deliver, queue, reply_thread_of
from bot.workflows.record import decision_record

RECORD_ACTION = "record"


def register(app: App, services: Services, leads: SlackLeads) -> None:
    """Listen to the card's record button."""

    @app.action(RECORD_ACTION)
    def on_record(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        conv = acted_on(services, leads, client, body, context, str(action.get("value") or ""))
        if conv is None:
            return
        user = bk.user_id(context.user_id)
        channel, thread = conv.channel, reply_thread_of(conv)
        with told_privately(client, body):
            markdown = decision_record(services.store, conv.id)
            queue(
                services,
                channel,
                thread,
                conv.id,
                [Outgoing(RECORD, record_message(conv.id, markdown, user))],
            )
            deliver(services, client, channel, thread)
