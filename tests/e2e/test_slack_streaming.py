"""Streamed prose answers over real HTTP: chat.startStream → appendStream → stopStream, tagged for the outbox;
where streaming is unavailable one chat.postMessage; a stream that breaks off is finished in place, never posted
twice (also when finishing it fails at first and the outbox retries)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.streaming import to_markdown
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import posts, settle
from tests.slack_emulator import Call, Fault, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e

QUESTION = "Explain the six-step framework"


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(streaming=True) as emu:
        yield emu


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"ADVISOR_OUTBOX_RETRY_BASE": "0.1", "ADVISOR_OUTBOX_RETRY_MAX": "0.2"}
    srv = Server(emulator, Path(tmp_path_factory.mktemp("serve-stream")), env).start()
    yield srv
    srv.stop()


def ask(slack: SlackClient, channel: str) -> str:
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {QUESTION}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    return str(event["ts"])


def in_channel(emulator: SlackEmulator, method: str, channel: str) -> list[Call]:
    return [c for c in emulator.calls(method, ok_only=True) if c.params.get("channel") == channel]


def stopped(emulator: SlackEmulator, channel: str, method: str = "chat.stopStream") -> Call:
    return emulator.wait_for(method, timeout=15, ok_only=True, predicate=lambda c: c.params.get("channel") == channel)[
        -1
    ]


def test_answer_is_streamed_to_the_asker_and_tagged(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = ask(slack, channel)
    stop = stopped(emulator, channel)
    start = in_channel(emulator, "chat.startStream", channel)
    assert len(start) == 1
    assert start[0].params["thread_ts"] == ts
    assert start[0].params["recipient_user_id"] == "U123" and start[0].params["recipient_team_id"] == sr.TEAM_ID
    assert in_channel(emulator, "chat.appendStream", channel), "a long answer arrives in several pieces"
    assert stop.params["metadata"]["event_payload"]["outbox_id"]
    message = emulator.message(channel, stop.response["ts"])
    assert message is not None and message["streaming"] is False
    assert "six" in message["text"].lower() and len(message["text"]) > 200
    assert "**" in message["text"] or "*" not in message["text"]  # mrkdwn bold became markdown
    settle()
    assert posts(emulator, channel) == []  # streamed, not posted as well


def test_stream_breaking_off_is_finished_in_place(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    emulator.fail_next("chat.appendStream", Fault.server_error())
    ask(slack, channel)
    update = stopped(emulator, channel, "chat.update")
    start = in_channel(emulator, "chat.startStream", channel)
    assert len(start) == 1 and update.params["ts"] == start[0].response["ts"]
    message = emulator.message(channel, update.params["ts"])
    assert message is not None and message["streaming"] is False
    assert message["metadata"]["event_payload"]["outbox_id"]
    # the whole answer, not the part that got through
    assert len(to_markdown(message["text"])) > len(start[0].params["chunks"][0]["text"])
    assert "framework" in message["text"].lower()
    settle()
    assert posts(emulator, channel) == []
    assert len(in_channel(emulator, "chat.startStream", channel)) == 1


def test_finishing_fails_first_then_the_outbox_retry_finishes_the_same_message(
    server: Server, slack: SlackClient, channel: str
) -> None:
    emulator = server.emulator
    emulator.fail_next("chat.appendStream", Fault.server_error())
    emulator.fail_next("chat.update", Fault.server_error(), Fault.server_error())
    ask(slack, channel)
    update = stopped(emulator, channel, "chat.update")
    start = in_channel(emulator, "chat.startStream", channel)
    assert len(start) == 1 and update.params["ts"] == start[0].response["ts"]
    failed = [c for c in emulator.calls("chat.update") if c.params.get("channel") == channel and not c.ok]
    assert len(failed) == 2
    settle()
    assert posts(emulator, channel) == []
    assert len(in_channel(emulator, "chat.startStream", channel)) == 1


def test_without_streaming_the_answer_is_one_message(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    emulator.streaming_enabled = False
    try:
        ts = ask(slack, channel)
        emulator.wait_for("chat.postMessage", ok_only=True, predicate=lambda c: c.params.get("channel") == channel)
    finally:
        emulator.streaming_enabled = True
    settle()
    answer = posts(emulator, channel, ts)
    assert len(answer) == 1 and "framework" in answer[0].params["text"].lower()
    assert answer[0].params["metadata"]["event_payload"]["outbox_id"]
    assert not in_channel(emulator, "chat.appendStream", channel)


def test_kill_9_mid_stream_then_restart_finishes_the_same_message(
    emulator: SlackEmulator, tmp_path: Path, channel: str
) -> None:
    srv = Server(emulator, tmp_path / "serve-kill", {"ADVISOR_OUTBOX_RETRY_BASE": "0.1"}).start()
    try:
        emulator.fail_next("chat.appendStream", Fault.delay(30))  # the process dies while Slack holds the answer
        ask(srv.client, channel)
        emulator.wait_for("chat.appendStream", timeout=15, predicate=lambda c: c.params.get("channel") == channel)
        srv.kill()
        started = in_channel(emulator, "chat.startStream", channel)
        assert len(started) == 1
        srv.start()
        update = stopped(emulator, channel, "chat.update")
        assert update.params["ts"] == started[0].response["ts"]
        message = emulator.message(channel, update.params["ts"])
        assert message is not None and message["streaming"] is False and "framework" in message["text"].lower()
        settle()
        assert posts(emulator, channel) == []
        assert len(in_channel(emulator, "chat.startStream", channel)) == 1
    finally:
        srv.stop()
