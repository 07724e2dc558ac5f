"""The cost chart over real HTTP: a PNG uploaded once into the card's thread (files_upload_v2), with alt text
stating the numbers; a failed upload is retried, and one that went through unseen is found, not repeated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.workflows.chart import MAX_BYTES
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, cards, settle, wait_posts
from tests.processes import children
from tests.slack_emulator import Call, Fault, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "ADVISOR_SLACK_CHARTS": "true",
        "ADVISOR_OUTBOX_RETRY_BASE": "0.1",
        "ADVISOR_OUTBOX_RETRY_MAX": "0.2",
        "ADVISOR_SLACK_TIMEOUT": "1",
    }
    srv = Server(emulator, Path(tmp_path_factory.mktemp("serve-chart")), env).start()
    yield srv
    srv.stop()


def mention(slack: SlackClient, channel: str) -> str:
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    return str(event["ts"])


def shares(emulator: SlackEmulator, channel: str) -> list[Call]:
    return [
        c for c in emulator.calls("files.completeUploadExternal", ok_only=True) if c.params.get("channel_id") == channel
    ]


def wait_share(emulator: SlackEmulator, channel: str) -> Call:
    return emulator.wait_for(
        "files.completeUploadExternal",
        timeout=30,
        ok_only=True,
        predicate=lambda c: c.params.get("channel_id") == channel,
    )[-1]


def file_id(call: Call) -> str:
    files = call.params["files"]
    return str((files if isinstance(files, list) else json.loads(files))[0]["id"])


def test_card_comes_with_one_chart_in_its_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, channel)
    card = wait_posts(emulator, channel, thread=ts)[0]
    share = wait_share(emulator, channel)
    assert share.params["thread_ts"] == ts
    png = emulator.uploaded(file_id(share))
    assert png is not None and png.startswith(b"\x89PNG") and len(png) < MAX_BYTES
    request = next(
        c for c in emulator.calls("files.getUploadURLExternal") if c.response.get("file_id") == file_id(share)
    )
    alt = str(request.params["alt_txt"])
    crossover = card.params["metadata"]["event_payload"]["tco_crossover_monthly_requests"]
    assert "2M requests/month" in alt and "fine-tuning" in alt and "$" in alt
    assert crossover and "cheaper than prompting above" in alt
    settle()
    assert len(shares(emulator, channel)) == 1 and len(cards(emulator, channel)) == 1


def test_a_new_card_version_gets_its_own_chart(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, channel)
    wait_share(emulator, channel)
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> actually 5M requests a month", channel=channel, thread_ts=ts)
    assert slack.post_event(sr.event_body(event))[0] == 200
    emulator.wait_for(
        "files.completeUploadExternal",
        2,
        timeout=30,
        ok_only=True,
        predicate=lambda c: c.params.get("channel_id") == channel,
    )
    settle()
    assert len(shares(emulator, channel)) == 2


def test_failed_share_is_retried_once(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    emulator.fail_next("files.completeUploadExternal", Fault.server_error())
    mention(slack, channel)
    wait_share(emulator, channel)
    settle()
    assert len(shares(emulator, channel)) == 1


def test_share_that_went_through_unseen_is_not_repeated(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    # Slack shares the file but the answer comes after the client gave up (1 s): the retry looks first.
    emulator.fail_next("files.completeUploadExternal", Fault.delay(2.5))
    ts = mention(slack, channel)
    wait_share(emulator, channel)
    emulator.wait_for("conversations.replies", timeout=30, predicate=lambda c: c.params.get("channel") == channel)
    settle(3.0)
    assert len(shares(emulator, channel)) == 1
    thread = emulator.calls("conversations.replies")
    assert any(c.params.get("ts") == ts for c in thread)


def loaded(pid: int, library: str) -> bool:
    """Whether the process has mapped files of a library (its compiled modules) into memory."""
    return f"/{library}/" in Path(f"/proc/{pid}/maps").read_text()


def test_the_chart_is_drawn_by_the_server_itself(server: Server, slack: SlackClient, channel: str) -> None:
    # One way to draw: Pillow in the serving process (no worker process, no matplotlib or numpy).
    mention(slack, channel)
    wait_share(server.emulator, channel)
    assert server.proc is not None
    assert children(server.proc.pid) == []
    assert loaded(server.proc.pid, "PIL")
    assert not loaded(server.proc.pid, "matplotlib") and not loaded(server.proc.pid, "numpy")
