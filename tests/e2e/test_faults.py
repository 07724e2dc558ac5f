"""Fault injection: 30% of the Web API calls the app makes fail (429 with Retry-After, 500/503, Slack's request
timeout, and answers held past the client's timeout after Slack applied the call). Every conversation still ends
with its card posted exactly once, and no message is ever posted twice."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, card_in, cards, param_is, posts, settle
from tests.slack_emulator import Fault, SlackEmulator

pytestmark = pytest.mark.e2e

FAULTS = (
    Fault.rate_limited(retry_after=0),
    Fault.rate_limited(retry_after=1),
    Fault.server_error(),
    Fault.server_error(503),
    Fault.timeout(0.2),
    Fault.delay(1.5),
)
FAULTED_METHODS = (
    "chat.postMessage",
    "chat.update",
    "conversations.replies",
    "conversations.history",
    "reactions.add",
    "reactions.remove",
)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, SlackEmulator]]:
    with SlackEmulator() as emulator:
        # A 1-second client timeout, so a held answer (Fault.delay) times out after Slack applied the call.
        server = Server(
            emulator,
            tmp_path_factory.mktemp("faults"),
            env={"ADVISOR_SLACK_TIMEOUT": "1", "ADVISOR_OUTBOX_RETRY_BASE": "0.05", "ADVISOR_OUTBOX_RETRY_MAX": "0.5"},
        ).start()
        yield server, emulator
        server.stop()


def test_thirty_percent_faults_still_post_every_card_exactly_once(
    faulty: tuple[Server, SlackEmulator], tmp_path: Path
) -> None:
    server, emulator = faulty
    # Every kind of fault on the first posts for sure, then 30% of all calls at random (FAULT_SEED to vary it).
    emulator.fail_next(
        "chat.postMessage",
        Fault.delay(1.5),
        Fault.server_error(),
        Fault.timeout(0.2),
        Fault.rate_limited(retry_after=0),
    )
    emulator.set_fault_rate(
        0.3, seed=int(os.environ.get("FAULT_SEED", "20261127")), kinds=FAULTS, methods=FAULTED_METHODS
    )
    full = {f"CFULL{i}": sr.new_ts() for i in range(5)}
    thin = {f"CTHIN{i}": sr.new_ts() for i in range(3)}
    for channel, ts in full.items():
        text = f"<@{sr.BOT_USER_ID}> {FULL}"
        assert server.client.post_event(sr.event_body(sr.app_mention(text, channel=channel, ts=ts)))[0] == 200
    for channel, ts in thin.items():
        text = f"<@{sr.BOT_USER_ID}> a chatbot that answers questions about our HR policies"
        assert server.client.post_event(sr.event_body(sr.app_mention(text, channel=channel, ts=ts)))[0] == 200
    for channel, ts in thin.items():  # questions first, then "recommend now"
        emulator.wait_for("chat.postMessage", ok_only=True, timeout=30, predicate=param_is("channel", channel))
        done = sr.message("recommend now", channel=channel, thread_ts=ts)
        assert server.client.post_event(sr.event_body(done))[0] == 200
    threads = {**full, **thin}
    for channel in threads:
        emulator.wait_for(
            "chat.postMessage",
            ok_only=True,
            timeout=60,
            predicate=card_in(channel),
        )
    settle(1.0)  # a duplicate (e.g. a re-post after a timed-out but applied post) would show up meanwhile
    emulator.set_fault_rate(0, seed=0)

    for channel, ts in threads.items():
        assert len(cards(emulator, channel, ts)) == 1, channel
        expected = 1 if channel in full else 2  # the card, after a question round for the thin ones
        assert len(posts(emulator, channel)) == expected, [c.params.get("text") for c in posts(emulator, channel)]
    ok_posts = emulator.calls("chat.postMessage", ok_only=True)
    uids = [c.params["metadata"]["event_payload"]["outbox_id"] for c in ok_posts]
    assert len(uids) == len(set(uids)) == 5 + 3 * 2
    faulted = Counter(c.faulted for c in emulator.calls() if c.faulted)
    assert {"rate_limited", "server_error", "timeout", "delay"} <= set(faulted), faulted
    assert sum(1 for c in emulator.calls("chat.postMessage") if c.faulted) >= 4  # the posts themselves were hit
    assert sum(faulted.values()) >= 8, faulted
