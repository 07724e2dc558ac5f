"""The leads' listeners dispatched in-process through the real Bolt app (signed requests, the Web API emulator):
what is stored together, and where a click may come from."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from slack_bolt import BoltRequest

from bot.config import Settings
from bot.services import Services
from bot.slack import messages as msg
from bot.slack.app import AdvisorApp, build_app
from bot.slack.listeners.leads import clicked_channel
from bot.workflows.conversation import ConversationKey
from tests import slack_requests as sr
from tests.slack_emulator import SlackEmulator
from tests.tokens import BOT_TOKEN, SIGNING_SECRET

FULL = (
    "support ticket classifier; 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, stable task"
)


@pytest.fixture
def served() -> Iterator[tuple[AdvisorApp, Services, SlackEmulator]]:
    with SlackEmulator() as emu:
        emu.set_channel("C1", members=["UREQ", "ULEAD"])
        settings = Settings(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=emu.url,
            advisor_db=Path(":memory:"),
            advisor_leads="ULEAD",
        )
        services = Services(settings)
        app = build_app(services)
        yield app, services, emu
        app.executor.shutdown(wait=True)


def interact(app: AdvisorApp, payload: dict[str, Any]) -> dict[str, Any]:
    """Dispatch a signed interactivity payload; the JSON the app acknowledged with ({} for a bare ack)."""
    raw = sr.interactivity_form(payload)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/x-www-form-urlencoded",
        **{k.lower(): v for k, v in sr.sign(SIGNING_SECRET, raw).items()},
    }
    response = app.dispatch(BoltRequest(body=raw, headers=headers))
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


@pytest.mark.slow
def test_a_decision_and_the_requesters_notice_are_saved_together(
    served: tuple[AdvisorApp, Services, SlackEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between recording the decision and queueing the requester's notice must not keep one without the
    other: both are written in one transaction, so the failure rolls the decision back and the lead is told."""
    app, services, emu = served
    cid = services.advisor.handle(ConversationKey("slack", sr.TEAM_ID, "C1", "1.1"), "UREQ", FULL).conversation_id
    version = services.store.get_conversation(cid).version
    meta = json.dumps({"c": cid, "v": version, "d": "", "s": "approved", "ch": "C1", "ts": "1.2"})

    def submission() -> dict[str, Any]:  # a new trigger_id each time (a repeated one is dropped as a replay)
        return sr.view_submission_payload("decision", {"note": {"value": "go"}}, meta, user="ULEAD")

    def crash(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("killed between the two writes")

    monkeypatch.setattr(services.outbox, "enqueue", crash)
    answer = interact(app, submission())
    assert answer["response_action"] == "errors" and answer["errors"]["note"] == msg.ERROR[:150]
    assert services.store.decision(cid) is None
    assert not [a for a in services.store.audit(cid) if a["action"] == "decision"]
    monkeypatch.undo()
    # without the crash both are saved: the decision, its audit entry and the requester's notice
    assert interact(app, submission()) == {}
    assert (services.store.decision(cid) or {}).get("status") == "approved"
    told = emu.wait_for("chat.postMessage", predicate=lambda c: "marked *Approved*" in str(c.params.get("text")))
    assert told[0].params["channel"] == "C1" and told[0].params["thread_ts"] == "1.1"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"container": {"type": "message", "channel_id": "C1"}, "channel": {"id": "C1"}}, "C1"),
        ({"container": {"type": "message", "channel_id": "C1"}}, "C1"),
        ({"container": {"type": "message"}, "channel": {"id": "C1"}}, "C1"),
        ({"container": {"type": "message", "channel_id": "C1"}, "channel": {"id": "C2"}}, None),  # they disagree
        ({"container": {"type": "view", "view_id": "V1"}, "channel": {"id": "C1"}}, None),  # not on a message
        ({"container": {"type": "message"}}, None),
        ({}, None),
    ],
)
def test_clicked_channel(body: dict[str, Any], expected: str | None) -> None:
    assert clicked_channel(body) == expected


def test_an_app_home_that_cannot_be_built_says_so(
    served: tuple[AdvisorApp, Services, SlackEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """There is no thread to tell about a failure on the App Home: the home itself shows it (never a blank tab)."""
    app, services, emu = served

    def broken(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(services.store, "conversations_for_user", broken)
    event = {"type": "app_home_opened", "user": "UREQ", "channel": "DHOME", "tab": "home", "event_ts": sr.new_ts()}
    raw = json.dumps(sr.event_body(event))
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/json",
        **{k.lower(): v for k, v in sr.sign(SIGNING_SECRET, raw).items()},
    }
    assert app.dispatch(BoltRequest(body=raw, headers=headers)).status == 200
    published = emu.wait_for("views.publish", predicate=lambda c: c.params.get("user_id") == "UREQ")[0]
    text = json.dumps(published.params["view"], ensure_ascii=False)
    assert msg.ERROR in text and msg.HOME_NEW in text  # what went wrong, and a new assessment can still be started
