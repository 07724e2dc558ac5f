"""Least-privilege mode over real HTTP: the manifest without channel history, and a bot that asks for mentions in
channel threads (which is all it can see there) but not in DMs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack.least_privilege import MENTION_NOTE
from tests import slack_requests as sr
from tests.e2e.conftest import CLI, Server
from tests.e2e.helpers import blocks_text, wait_posts
from tests.slack_emulator import DEFAULT_SCOPES, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e

LEAST = tuple(s for s in DEFAULT_SCOPES if s not in ("channels:history", "groups:history", "mpim:history"))


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(scopes=LEAST) as emu:
        yield emu


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(emulator, Path(tmp_path_factory.mktemp("serve-least")), {"ADVISOR_SLACK_LEAST_PRIVILEGE": "true"})
    yield srv.start()
    srv.stop()


def test_manifest_command_drops_history_scopes_and_channel_events(tmp_path: Path) -> None:
    out = subprocess.run(
        [str(CLI), "manifest", "--least-privilege", "--url", "https://advisor.example.com"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    data = json.loads(out)
    scopes = data["oauth_config"]["scopes"]["bot"]
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert not {"channels:history", "groups:history", "mpim:history"} & set(scopes)
    assert not {"message.channels", "message.groups", "message.mpim"} & set(events)
    # what it still needs: mentions, its DMs and the assistant panel
    assert {"app_mentions:read", "im:history", "assistant:write", "chat:write"} <= set(scopes)
    assert {"app_mention", "message.im", "assistant_thread_started"} <= set(events)
    full = json.loads(subprocess.run([str(CLI), "manifest"], capture_output=True, text=True, check=True).stdout)
    assert "channels:history" in full["oauth_config"]["scopes"]["bot"]  # the usual mode stays available


def test_channel_questions_ask_for_a_mention(server: Server, slack: SlackClient, channel: str) -> None:
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> a chatbot that answers questions about our docs", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    question = wait_posts(server.emulator, channel, thread=str(event["ts"]))[0]
    assert MENTION_NOTE in blocks_text(question)
    # a reply that mentions the bot continues the thread's conversation
    reply = sr.app_mention(
        f"<@{sr.BOT_USER_ID}> 50k labeled examples, 2M requests a month, recommend now",
        channel=channel,
        thread_ts=str(event["ts"]),
    )
    assert slack.post_event(sr.event_body(reply))[0] == 200
    later = wait_posts(server.emulator, channel, 2, thread=str(event["ts"]))[-1]
    same = question.params["metadata"]["event_payload"]["conversation_id"]
    assert later.params["metadata"]["event_payload"]["conversation_id"] == same
    assert MENTION_NOTE in blocks_text(later)


def test_dm_questions_do_not(server: Server, slack: SlackClient) -> None:
    channel = "DLEASTPRIV1"
    event = sr.message("a chatbot that answers questions about our docs", channel=channel, channel_type="im")
    assert slack.post_event(sr.event_body(event))[0] == 200
    question = wait_posts(server.emulator, channel)[0]
    assert MENTION_NOTE not in blocks_text(question)
