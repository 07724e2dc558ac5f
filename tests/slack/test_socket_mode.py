"""Socket Mode acknowledgements are timed into `/metrics` like HTTP mode's: an envelope is fed to the real
`TimedSocketModeHandler`'s client as if read from the WebSocket (there is no Socket Mode server here), dispatched
through the real app, and its acknowledgement (the message sent back with the envelope's id) observed in
`advisor_ack_seconds{mode="socket"}`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.metrics import REGISTRY
from bot.services import Services
from bot.slack.app import AdvisorApp, build_app
from bot.slack.socket_mode import TimedSocketModeHandler
from tests import slack_requests as sr
from tests.slack_emulator import SlackEmulator
from tests.tokens import APP_TOKEN, BOT_TOKEN


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def handler() -> Iterator[tuple[TimedSocketModeHandler, list[dict[str, Any]]]]:
    with SlackEmulator() as emu:
        settings = Settings(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_app_token=SecretStr(APP_TOKEN),
            slack_api_url=emu.url,
            advisor_db=Path(":memory:"),
            advisor_slack_charts=False,
        )
        app: AdvisorApp = build_app(Services(settings), socket_mode=True)
        handler = TimedSocketModeHandler(app, APP_TOKEN)
        sent: list[dict[str, Any]] = []
        # What would go back on the WebSocket is recorded instead (nothing is connected).
        handler.client.send_message = lambda message: sent.append(json.loads(message))  # type: ignore[method-assign]
        try:
            yield handler, sent
        finally:
            handler.close()
            app.executor.shutdown(wait=True)


def envelope(envelope_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "events_api", "envelope_id": envelope_id, "payload": payload, "accepts_response_payload": False}


def test_a_socket_mode_acknowledgement_is_observed_with_mode_socket(
    handler: tuple[TimedSocketModeHandler, list[dict[str, Any]]],
) -> None:
    socket_mode, sent = handler
    before = {mode: sample("advisor_ack_seconds_count", mode=mode) for mode in ("socket", "http")}
    acked_200 = sample("advisor_events_acked_total", status="200")
    mention = sr.app_mention(f"<@{sr.BOT_USER_ID}> a chatbot for our internal docs", channel="CSOCKET01")
    message = envelope("env-socket-1", sr.event_body(mention))

    socket_mode.client.run_message_listeners(message, json.dumps(message))

    assert sent == [{"envelope_id": "env-socket-1"}]  # acknowledged on the socket
    assert sample("advisor_ack_seconds_count", mode="socket") == before["socket"] + 1
    assert sample("advisor_ack_seconds_count", mode="http") == before["http"]  # HTTP mode's series untouched
    assert sample("advisor_ack_seconds_bucket", mode="socket", le="+Inf") == before["socket"] + 1
    assert sample("advisor_events_acked_total", status="200") == acked_200 + 1


def test_an_envelope_the_app_does_not_acknowledge_is_still_timed(
    handler: tuple[TimedSocketModeHandler, list[dict[str, Any]]],
) -> None:
    socket_mode, sent = handler
    before = sample("advisor_ack_seconds_count", mode="socket")
    # An interaction nothing listens for (a modal no version opened; unknown buttons are acknowledged by
    # bot/slack/listeners/fallback.py): Bolt answers 404, and nothing goes back on the socket (Slack retries).
    payload = {"type": "view_submission", "view": {"id": "V1", "callback_id": "nobody-listens", "state": {}}}
    message = {"type": "interactive", "envelope_id": "env-socket-2", "payload": payload}

    socket_mode.client.run_message_listeners(message, json.dumps(message))

    assert sent == []
    assert sample("advisor_ack_seconds_count", mode="socket") == before + 1
