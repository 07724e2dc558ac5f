"""Card updates go through the outbox: an "Adjust answers" submission while Slack keeps failing `chat.update`
(500, 429, 503) and the process is killed mid-way still ends with the card updated exactly once, the note about it
posted after it, and nothing posted twice."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, cards, is_card, posts, settle
from tests.slack_emulator import Fault, SlackEmulator

pytestmark = pytest.mark.e2e

FAULTS = (
    Fault.server_error(),
    Fault.rate_limited(retry_after=0),
    Fault.server_error(503),
    Fault.rate_limited(retry_after=0),
    Fault.server_error(),
)


def test_adjust_while_chat_update_fails_and_the_process_dies_updates_the_card_once(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    server = Server(
        emulator, tmp_path / "serve", env={"ADVISOR_OUTBOX_RETRY_BASE": "0.2", "ADVISOR_OUTBOX_RETRY_MAX": "0.4"}
    ).start()
    channel, thread = "CADJUST" + tmp_path.name[-4:].upper().replace("_", "0"), sr.new_ts()
    try:
        mention = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel, ts=thread)
        assert server.client.post_event(sr.event_body(mention))[0] == 200
        card = emulator.wait_for(
            "chat.postMessage",
            ok_only=True,
            timeout=15,
            predicate=lambda c: c.params.get("channel") == channel and is_card(c),
        )[0]
        card_ts, cid = str(card.response["ts"]), str(card.params["metadata"]["event_payload"]["conversation_id"])
        assert card.params["metadata"]["event_payload"]["approach"] == "fine_tuning"

        emulator.fail_next("chat.update", *FAULTS)
        meta = json.dumps({"c": cid, "ch": channel})  # the adjust modal's metadata names the card's channel
        submission = sr.view_submission_payload("adjust", {"labeled_examples": {"value": "150"}}, meta)
        status, _, body = server.client.post_interactivity(sr.interactivity_form(submission))
        assert status == 200 and not body.strip(b"{} ")  # accepted: the modal closes
        emulator.wait_for("chat.update", 2, timeout=15, predicate=lambda c: c.params.get("ts") == card_ts)
        server.kill()  # the update was queued before the ack: the next process finishes it
        killed_at = time.time()
        server.start()
        note = emulator.wait_for(
            "chat.postMessage",
            ok_only=True,
            timeout=15,
            predicate=lambda c: (
                c.params.get("channel") == channel and "adjusted the answers" in str(c.params.get("text"))
            ),
        )[0]
        settle(1.0)
    finally:
        server.stop()

    updates = [c for c in emulator.calls("chat.update") if c.params.get("ts") == card_ts]
    assert [c.faulted for c in updates] == [f.kind for f in FAULTS] + [None]
    applied = updates[-1]
    assert applied.ok and applied.at > killed_at  # delivered by the restarted process
    calls = emulator.calls()
    assert calls.index(applied) < calls.index(note)  # the note waited for the card it talks about
    payload = applied.params["metadata"]["event_payload"]
    assert payload["approach"] != "fine_tuning" and payload["conversation_id"] == cid
    assert len(cards(emulator, channel, thread)) == 1  # updated in place, not posted again
    ids = [c.params["metadata"]["event_payload"]["outbox_id"] for c in posts(emulator, channel)]
    assert len(ids) == len(set(ids)) == 2  # the card and the note, each posted once
    with sqlite3.connect(server.data_dir / "advisor.db") as db:
        assert db.execute("select ts from cards where conversation_id = ?", [cid]).fetchall() == [(card_ts,)]
        sql = "select state, count(*) from outbox where kind != 'chart' group by state"  # charts: test_slack_chart
        assert db.execute(sql).fetchall() == [("sent", 3)]
