"""A click on a button this version has no listener for (a card an older version posted, or a renamed action)
over signed HTTP: acknowledged with 200, the user told privately, nothing stored."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, wait_posts

pytestmark = pytest.mark.e2e


def counts(server: Server) -> dict[str, int]:
    with sqlite3.connect(server.data_dir / "advisor.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("conversations", "feedback")}


@pytest.mark.parametrize("action_id", ["vote_up", "feedback:maybe", "answer", "export_pdf"])
def test_an_unknown_button_is_acknowledged_and_explained(server: Server, channel: str, action_id: str) -> None:
    slack, emulator = server.client, server.emulator
    ts = sr.new_ts()
    slack.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel, ts=ts)))
    card = wait_posts(emulator, channel, thread=ts)[0]
    cid = card.params["metadata"]["event_payload"]["conversation_id"]
    before = counts(server)
    payload = sr.block_actions_payload(
        action_id, cid, channel=channel, message_ts=card.response["ts"], thread_ts=ts, user="UOLD"
    )

    status, _, body = slack.post_interactivity(sr.interactivity_form(payload))

    assert status == 200, body
    told = emulator.wait_for("chat.postEphemeral", predicate=lambda c: c.params.get("channel") == channel)
    assert told[-1].params["user"] == "UOLD" and "older version" in json.dumps(told[-1].params)
    assert counts(server) == before
