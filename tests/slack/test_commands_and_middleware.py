"""The slash-command parser, modal parsing, and the routing/dedupe middleware (BoltRequests dispatched directly)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from pydantic import SecretStr
from slack_bolt import App, BoltRequest

from bot.config import Settings
from bot.services import Services
from bot.slack.app import build_app
from bot.slack.listeners.actions import parse_adjust
from bot.slack.listeners.commands import parse_command
from bot.slack.middleware import route_event
from bot.workflows.forms import parse_number
from tests import slack_requests as sr
from tests.slack_emulator import SlackEmulator
from tests.tokens import BOT_TOKEN, SIGNING_SECRET


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", "")),
        ("  ", ("help", "")),
        ("help", ("help", "")),
        ("START  a bot for x", ("start", "a bot for x")),
        ("ask what is RAG?", ("ask", "what is RAG?")),
        ("tco 2M", ("tco", "2M")),
        ("status", ("status", "")),
        ("wat now", ("wat", "now")),
    ],
)
def test_parse_command(text: str, expected: tuple[str, str]) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(("text", "value"), [("20,000", 20000), ("20k", 20000), ("$1.5M", 1500000), (" 7 ", 7)])
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text, int) == value


def test_parse_adjust_reports_inline_errors() -> None:
    state = {
        "labeled_examples": {"value": {"type": "plain_text_input", "value": "lots"}},
        "deadline_weeks": {"value": {"type": "plain_text_input", "value": "-3"}},
        "regulated": {"value": {"type": "static_select", "selected_option": {"value": "true"}}},
        "industry": {"value": {"type": "plain_text_input", "value": None}},
    }
    values, errors = parse_adjust(state)
    assert set(errors) == {"labeled_examples"}
    assert values["regulated"] is True and values["industry"] is None
    _, errors = parse_adjust({"deadline_weeks": state["deadline_weeks"]})
    assert set(errors) == {"deadline_weeks"}


@pytest.mark.parametrize("forged", ["not json", '"bogus"', "1", "null", "", "[true]"])
def test_parse_adjust_refuses_forged_dropdown_values(forged: str) -> None:
    """A dropdown value the modal never offered is an inline error (or, when empty, unknown), never a crash."""
    state = {
        "mission_critical": {"value": {"type": "static_select", "selected_option": {"value": forged}}},
        "labeled_examples": {"value": {"type": "plain_text_input", "value": "20k"}},
    }
    values, errors = parse_adjust(state)
    if forged:
        assert errors == {"mission_critical": "Pick one of the options."}
    else:
        assert errors == {} and values == {"mission_critical": None, "labeled_examples": 20000}
    assert parse_adjust({"regulated": {"value": {"type": "static_select", "selected_option": None}}}) == (
        {"regulated": None},
        {},
    )
    assert parse_adjust(
        {
            "regulated": {"value": {"type": "static_select", "selected_option": {"value": "true"}}},
            "not_a_field": {"value": {"value": "x"}},
            "budget_usd": None,
        }
    ) == ({"regulated": True, "budget_usd": None}, {})


@pytest.fixture
def services(tmp_path: object) -> Services:
    return Services(Settings(advisor_db=":memory:"))  # type: ignore[arg-type]


def test_routing(services: Services) -> None:
    body = sr.event_body(sr.app_mention("<@UBOT> hi", channel="C1", ts="1.1"))
    turn = route_event(body["event"], sr.TEAM_ID, "UBOT", services)
    assert turn is not None and turn.key.thread == "1.1" and turn.text == "hi" and turn.reply_thread == "1.1"
    # replies in a thread without a conversation are chatter; with one, they continue it
    reply = sr.event_body(sr.message("more", channel="C1", thread_ts="1.1"))
    assert route_event(reply["event"], sr.TEAM_ID, "UBOT", services) is None
    services.advisor.handle(turn.key, "U123", "hi")
    assert route_event(reply["event"], sr.TEAM_ID, "UBOT", services) is not None
    assert route_event(sr.message("x", channel="C1"), sr.TEAM_ID, "UBOT", services) is None
    # DMs: a description opens a thread under itself; thanks is answered at the top level, with no assessment
    event = sr.message("we want a bot that drafts replies to supplier emails", channel="D1", channel_type="im")
    dm = route_event(event, sr.TEAM_ID, "UBOT", services)
    assert dm is not None and dm.key.thread == dm.reply_thread == event["ts"]
    thanks = route_event(sr.message("thanks!", channel="D1", channel_type="im"), sr.TEAM_ID, "UBOT", services)
    assert thanks is not None and thanks.reply_thread is None and thanks.key.thread == "top"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, SlackEmulator]]:
    with SlackEmulator() as emu:
        settings = Settings(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=emu.url,
            advisor_db=Path(":memory:"),
        )
        yield build_app(Services(settings)), emu


def _request(body: dict[str, object], retry: int | None = None) -> BoltRequest:
    raw = json.dumps(body)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/json",
        **{k.lower(): v for k, v in sr.sign(SIGNING_SECRET, raw).items()},
    }
    if retry is not None:
        headers["x-slack-retry-num"] = str(retry)
    return BoltRequest(body=raw, headers=headers)


@pytest.mark.slow
def test_middleware_drops_duplicates_and_noise(app: tuple[App, SlackEmulator]) -> None:
    bolt, emu = app
    body = sr.event_body(sr.app_mention("<@UBOT> a chatbot for docs", channel="C9"))
    assert bolt.dispatch(_request(body)).status == 200
    assert bolt.dispatch(_request(body, retry=1)).status == 200
    assert bolt.dispatch(_request(sr.event_body({"type": "team_join", "user": {"id": "U1"}}))).status == 200
    edit = sr.event_body(sr.message("x", channel="C9", subtype="message_changed"))
    assert bolt.dispatch(_request(edit)).status == 200
    emu.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == "C9")
    time.sleep(0.3)
    assert len(emu.calls("chat.postMessage")) == 1
