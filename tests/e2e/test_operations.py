"""Operations over real HTTP: readiness, graceful shutdown on SIGTERM (in-flight turns finish, due replies are
posted), and the structured log lines `ai-advisor serve` writes."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from bot.logs import parse_lines
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, cards, posts, wait_posts
from tests.slack_emulator import Fault, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


def test_readyz_reports_database_and_knowledge(slack: SlackClient) -> None:
    status, headers, body = slack.get("/readyz")
    report = json.loads(body)
    assert status == 200 and headers["content-type"].startswith("application/json"), report
    assert report["ok"] is True
    assert report["checks"]["database"]["ok"] and "migrations" in report["checks"]["database"]["detail"]
    assert report["checks"]["knowledge"]["ok"] and "passages" in report["checks"]["knowledge"]["detail"]


def test_sigterm_finishes_in_flight_work_and_posts_due_replies(emulator: SlackEmulator, tmp_path: Path) -> None:
    server = Server(emulator, tmp_path / "serve").start()
    assert server.proc is not None
    slow, limited = "CSLOW" + tmp_path.name[-4:].upper(), "CLIMIT" + tmp_path.name[-4:].upper()
    try:
        # One reply is on its way to Slack (held 1.5 s) and another waits out a rate limit when SIGTERM arrives.
        emulator.fail_next("chat.postMessage", Fault.delay(1.5), Fault.rate_limited(retry_after=1))
        first = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=slow)
        assert server.client.post_event(sr.event_body(first))[0] == 200
        emulator.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == slow)
        second = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=limited)
        assert server.client.post_event(sr.event_body(second))[0] == 200
        emulator.wait_for("chat.postMessage", predicate=lambda c: c.faulted == "rate_limited")
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=15) == 0
    finally:
        server.stop()
    assert len(cards(emulator, slow)) == 1 and len(cards(emulator, limited)) == 1
    lines = parse_lines(server.log.read_text(encoding="utf-8").splitlines())
    messages = [line["message"] for line in lines]
    assert "received SIGTERM: shutting down" in messages and "stopped" in messages
    assert messages.index("stopped") > max(i for i, line in enumerate(lines) if line.get("event") == "delivery")
    # A restart finds nothing left to post.
    again = Server(emulator, tmp_path / "serve").start()
    try:
        wait_posts(emulator, slow)
    finally:
        again.stop()
    assert len(posts(emulator, slow)) == 1 and len(posts(emulator, limited)) == 1


def test_serve_logs_one_json_line_per_event_without_user_text(server: Server, slack: SlackClient, channel: str) -> None:
    secret_words = "Project Bluebird for our payroll team"
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {secret_words}: {FULL}", channel=channel)
    slack.post_event(sr.event_body(event))
    card = wait_posts(server.emulator, channel)[0]
    cid = card.params["metadata"]["event_payload"]["conversation_id"]
    deadline = time.monotonic() + 10  # the delivery line is written once Slack's answer is back
    while True:
        text = server.log.read_text(encoding="utf-8")
        lines = parse_lines(text.splitlines())
        if any(line.get("event") == "delivery" and line.get("conversation_id") == cid for line in lines):
            break
        assert time.monotonic() < deadline, text[-2000:]
        time.sleep(0.05)
    assert lines and all(line.strip().startswith("{") for line in text.splitlines() if line.strip())
    turn = next(line for line in lines if line.get("event") == "turn" and line.get("conversation_id") == cid)
    assert turn["outcome"] == "recommendation" and turn["latency_ms"] >= 0 and turn["platform"] == "slack"
    delivery = next(line for line in lines if line.get("event") == "delivery" and line.get("conversation_id") == cid)
    assert delivery["outcome"] == "sent" and delivery["kind"] == "recommendation"
    assert "Bluebird" not in text  # user text is logged only at DEBUG
