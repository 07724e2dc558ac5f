"""`kill -9` of `ai-advisor serve` in the middle of a conversation: after each restart the conversation goes on with
every answer intact, nothing is posted twice, and there is exactly one card.

The kill points: while a reply is being posted (Slack took it, the process died before hearing back), after Slack
was acknowledged but before the answer was processed (Slack then also retries the event), and after the card.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import cards, posts, question_fields, settle, wait_posts
from tests.slack_emulator import Fault, SlackEmulator

pytestmark = pytest.mark.e2e

HOLD = 30.0  # seconds the emulator holds an answer: far longer than the test waits before killing


def rows(server: Server, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(server.data_dir / "advisor.db") as db:
        return list(db.execute(sql, params))


def outbox_ids(emulator: SlackEmulator, channel: str) -> list[str]:
    return [str(c.params["metadata"]["event_payload"]["outbox_id"]) for c in posts(emulator, channel)]


def test_kill_9_mid_conversation_resumes_with_every_answer_and_one_card(
    emulator: SlackEmulator, tmp_path: Path
) -> None:
    # The ⏳ at once (not only for a turn that runs on): holding it holds the turn before its answer (step 2).
    env = {"ADVISOR_OUTBOX_RETRY_BASE": "0.2", "ADVISOR_SLACK_PROGRESS_AFTER": "0"}
    server = Server(emulator, tmp_path / "serve", env=env).start()
    channel, thread = "CKILL" + tmp_path.name[-5:].upper().replace("_", "0"), sr.new_ts()
    try:
        mention = sr.app_mention(
            f"<@{sr.BOT_USER_ID}> a chatbot that answers questions about our internal docs", channel=channel, ts=thread
        )
        assert server.client.post_event(sr.event_body(mention))[0] == 200
        first = wait_posts(emulator, channel, thread=thread)[0]
        assert question_fields(first)

        # 1. Killed while posting the reply: Slack stored it, the answer never came back.
        emulator.fail_next("chat.postMessage", Fault.delay(HOLD))
        answer_a = sr.message("we have 20k labeled examples", channel=channel, thread_ts=thread)
        assert server.client.post_event(sr.event_body(answer_a))[0] == 200
        wait_posts(emulator, channel, 2, thread=thread)  # the post reached Slack...
        server.kill()  # ...and the process died waiting for the answer
        server.start()
        emulator.wait_for("conversations.replies", predicate=lambda c: c.params.get("ts") == thread, timeout=15)
        settle(1.0)
        assert len(posts(emulator, channel)) == 2, "the reply Slack already had was found, not posted again"

        # 2. Killed after the ack, before the answer was processed (the progress reaction is held).
        emulator.fail_next("reactions.add", Fault.delay(HOLD))
        answer_b = sr.event_body(sr.message("an ML team of 5 engineers", channel=channel, thread_ts=thread))
        assert server.client.post_event(answer_b)[0] == 200
        emulator.wait_for("reactions.add", predicate=lambda c: c.params.get("timestamp") == answer_b["event"]["ts"])
        server.kill()
        server.start()
        # Slack got no timely ack from a dead process either, so it retries the event: recognised, not re-answered.
        assert server.client.post_event(answer_b, retry_num=1)[0] == 200
        wait_posts(emulator, channel, 3, thread=thread, timeout=15)

        # 3. Finish, then kill after the card.
        done = sr.message("recommend now", channel=channel, thread_ts=thread)
        assert server.client.post_event(sr.event_body(done))[0] == 200
        emulator.wait_for(
            "chat.postMessage",
            ok_only=True,
            timeout=15,
            predicate=lambda c: c.params.get("channel") == channel and bool(cards(emulator, channel)),
        )
        server.kill()
        server.start()
        settle(1.0)
    finally:
        server.stop()

    assert len(cards(emulator, channel, thread)) == 1
    ids = outbox_ids(emulator, channel)
    assert len(ids) == len(set(ids)) == 4  # question, reply to A, reply to B, card: each posted once
    conv_id = json.loads(json.dumps(cards(emulator, channel)[0].params["metadata"]))["event_payload"]["conversation_id"]
    users = [
        r[0]
        for r in rows(server, "select text from turns where conversation_id = ? and role = 'user' order by n", conv_id)
    ]
    assert users == [mention["text"].split("> ", 1)[1], answer_a["text"], answer_b["event"]["text"], "recommend now"]
    (values,) = rows(
        server, "select [values] from intake_versions where conversation_id = ? order by version desc limit 1", conv_id
    )[0]
    intake = json.loads(str(values))
    assert intake["labeled_examples"] == 20_000 and intake["ml_expertise"] == "strong"
    assert rows(server, "select count(*) from inbox") == [(0,)]
    assert rows(server, "select state, count(*) from outbox group by state") == [("sent", 4)]
