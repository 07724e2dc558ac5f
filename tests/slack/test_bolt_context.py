"""Listeners take the workspace and user from Bolt's context (signed requests dispatched through the real app):
a modal submitted from a Slack Connect channel names the installing workspace in `view.app_installed_team_id`."""

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
from bot.workflows.conversation import ConversationKey
from tests import slack_requests as sr
from tests.slack_emulator import SlackEmulator
from tests.tokens import BOT_TOKEN, SIGNING_SECRET

pytestmark = pytest.mark.slow  # see `make test-fast` in the README

FULL = (
    "support ticket classifier; 50k clean labeled tickets, 2M requests a month, an ML team of 5, "
    "live in 6 months, budget $300k, not regulated, stable task"
)
PARTNER = "T0PARTNER"  # the other organisation in a Slack Connect channel


@pytest.fixture
def served() -> Iterator[tuple[AdvisorApp, Services]]:
    with SlackEmulator() as emu:
        emu.set_channel("C1", members=["UREQ", "UPARTNER"])
        settings = Settings(
            slack_bot_token=SecretStr(BOT_TOKEN),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_api_url=emu.url,
            advisor_db=Path(":memory:"),
        )
        services = Services(settings)
        app = build_app(services)
        yield app, services
        app.executor.shutdown(wait=True)


def interact(app: AdvisorApp, payload: dict[str, Any]) -> dict[str, Any]:
    raw = sr.interactivity_form(payload)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": "application/x-www-form-urlencoded",
        **{k.lower(): v for k, v in sr.sign(SIGNING_SECRET, raw).items()},
    }
    response = app.dispatch(BoltRequest(body=raw, headers=headers))
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


def adjust_submission(meta: str, *, installed_team: str | None) -> dict[str, Any]:
    payload = sr.view_submission_payload(
        "adjust", {"labeled_examples": {"value": "500"}}, meta, user="UPARTNER", team_id=PARTNER
    )
    if installed_team:
        payload["view"]["app_installed_team_id"] = installed_team
    return payload


def test_an_adjustment_from_a_slack_connect_partner_counts_for_the_installing_workspace(
    served: tuple[AdvisorApp, Services],
) -> None:
    app, services = served
    cid = services.advisor.handle(ConversationKey("slack", sr.TEAM_ID, "C1", "1.1"), "UREQ", FULL).conversation_id
    version = services.store.get_conversation(cid).version
    meta = json.dumps({"c": cid, "ch": "C1", "v": version})
    # Without the installing workspace named, the partner's own workspace is not this assessment's: refused.
    refused = interact(app, adjust_submission(meta, installed_team=None))
    assert refused["response_action"] == "errors" and msg.WRONG_WORKSPACE[:100] in json.dumps(refused["errors"])
    assert services.store.get_conversation(cid).version == version
    assert interact(app, adjust_submission(meta, installed_team=sr.TEAM_ID)) == {}
    assert services.store.get_conversation(cid).version == version + 1
    assert services.store.latest_intake(cid).values.labeled_examples == 500


def test_an_adjustment_from_older_answers_is_refused_with_nothing_stored(served: tuple[AdvisorApp, Services]) -> None:
    app, services = served
    key = ConversationKey("slack", sr.TEAM_ID, "C1", "2.1")
    cid = services.advisor.handle(key, "UREQ", FULL).conversation_id
    meta = json.dumps({"c": cid, "ch": "C1", "v": services.store.get_conversation(cid).version})
    services.advisor.handle(key, "UREQ", "actually the budget is $900k")
    version = services.store.get_conversation(cid).version
    answer = interact(app, adjust_submission(meta, installed_team=sr.TEAM_ID))
    assert answer["response_action"] == "errors" and msg.ADJUST_STALE[:100] in json.dumps(answer["errors"])
    assert services.store.get_conversation(cid).version == version
    with services.store.reading() as db:
        assert db.execute("select count(*) from outbox where conversation_id = ?", [cid]).fetchone()[0] == 0
