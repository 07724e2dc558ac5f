"""The cost chart over real HTTP: a PNG uploaded once into the card's thread (files_upload_v2), with alt text
stating the numbers; a failed upload is retried, and one that went through unseen is found, not repeated."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.workflows.chart import MAX_BYTES
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, cards, settle, wait_posts
from tests.polling import eventually
from tests.processes import alive, children
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


def chart_worker(server: Server) -> int:
    """The server's chart worker: its one child process, which has matplotlib loaded."""
    assert server.proc is not None
    (pid,) = [c for c in children(server.proc.pid) if loaded(c, "matplotlib")]
    return pid


def test_the_chart_is_drawn_by_a_worker_process_the_server_never_loads_matplotlib(
    server: Server, slack: SlackClient, channel: str
) -> None:
    mention(slack, channel)
    wait_share(server.emulator, channel)
    assert server.proc is not None
    worker = chart_worker(server)
    assert worker != server.proc.pid
    assert not loaded(server.proc.pid, "matplotlib") and not loaded(server.proc.pid, "numpy")
    assert loaded(worker, "numpy")


def test_a_worker_killed_mid_chart_still_gives_one_card_and_one_chart(
    server: Server, slack: SlackClient, channel: str
) -> None:
    emulator = server.emulator
    other_channel = "C" + uuid.uuid4().hex[:10].upper()
    mention(slack, other_channel)
    wait_share(emulator, other_channel)  # a worker is running
    first = chart_worker(server)
    os.kill(first, signal.SIGSTOP)  # it can't draw: the next chart waits on it ...
    try:
        ts = mention(slack, channel)
        wait_posts(emulator, channel, thread=ts)
    finally:
        os.kill(first, signal.SIGKILL)  # ... until it is killed
    share = wait_share(emulator, channel)
    png = emulator.uploaded(file_id(share))
    assert png is not None and png.startswith(b"\x89PNG")
    settle()
    assert len(shares(emulator, channel)) == 1 and len(cards(emulator, channel)) == 1
    assert chart_worker(server) != first  # a new worker drew it


def drawn_a_chart(emulator: SlackEmulator, tmp_path: Path) -> tuple[Server, int]:
    """A server of the test's own that has drawn a chart, and its chart worker (the server is stopped on failure)."""
    srv = Server(emulator, tmp_path / "serve", {"ADVISOR_SLACK_CHARTS": "true"}).start()
    try:
        channel = "C" + uuid.uuid4().hex[:10].upper()
        mention(srv.client, channel)
        wait_share(emulator, channel)
        return srv, chart_worker(srv)
    except BaseException:
        srv.stop()
        raise


def test_stopping_the_server_stops_its_chart_worker(emulator: SlackEmulator, tmp_path: Path) -> None:
    srv, worker = drawn_a_chart(emulator, tmp_path)
    srv.stop()  # SIGTERM, and wait for the server to exit
    # Gone (or a zombie its dead parent left for init to reap) the moment the server has exited: stopped, not orphaned.
    assert not alive(worker)


def test_a_killed_server_leaves_no_worker_behind(emulator: SlackEmulator, tmp_path: Path) -> None:
    srv, worker = drawn_a_chart(emulator, tmp_path)
    srv.kill()  # SIGKILL: no shutdown runs, the worker is orphaned ...
    eventually(lambda: not alive(worker), "worker exits")  # ... and exits by itself once it sees its server gone
