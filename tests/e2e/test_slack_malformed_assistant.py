"""Assistant-panel events without the thread they are about (no channel_id or thread_ts), over signed HTTP: 200,
nothing posted anywhere (before, a greeting and then an apology went to channel "" and died in the outbox) and no
assistant thread stored."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import settle

pytestmark = pytest.mark.e2e


def stored(server: Server) -> dict[str, int]:
    with sqlite3.connect(server.data_dir / "advisor.db") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("assistant_threads", "outbox")}


@pytest.mark.parametrize(
    "thread",
    [{}, {"user_id": "U123", "channel_id": "D0NOTHREAD1", "thread_ts": ""}, {"user_id": "U123", "thread_ts": "1.2"}],
    ids=["empty", "no-thread-ts", "no-channel"],
)
@pytest.mark.parametrize("kind", ["assistant_thread_started", "assistant_thread_context_changed"])
def test_an_assistant_event_without_its_thread_changes_nothing(
    server: Server, kind: str, thread: dict[str, Any]
) -> None:
    before, calls = stored(server), len(server.emulator.calls())
    event = {
        "type": kind,
        "assistant_thread": {**thread, "context": {"channel_id": "C0CTX00001"}},
        "event_ts": sr.new_ts(),
    }
    assert server.client.post_event(sr.event_body(event))[0] == 200
    settle()
    assert [c.method for c in server.emulator.calls()[calls:]] == []
    assert stored(server) == before
