"""Two `ai-advisor serve-teams` replicas on one PostgreSQL database: a Teams message whose turn is in flight on one
replica (its model call held by the OpenAI stand-in) when that replica is killed with SIGKILL is taken over by the
other, which answers it once and replies proactively through the stored conversation reference; the conversation
then goes on on the survivor and gets one card."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.teams_helpers import TeamsReplica, query, replies_in, wait_replies
from tests.llm.fake_openai import FakeOpenAI
from tests.teams.harness import Chat, Connector, Teams, User
from tests.tokens import OPENAI_KEY

pytestmark = pytest.mark.e2e

SAM = User("aad-sam-0042", "Sam")
OPENING = "a bot that sorts incoming invoices into cost centres"
FULL = (
    "we have 40k clean labeled invoices, 2M requests a month, an ML team of 3, live in 4 months, "
    "budget $250k, not regulated, stable task"
)
HOLD = 60.0  # seconds the model stand-in holds the first call: far longer than the test waits before killing


@pytest.fixture
def stand_ins() -> Iterator[tuple[Connector, FakeOpenAI]]:
    connector = Connector().start()
    fake = FakeOpenAI()
    with fake.running():
        yield connector, fake
    connector.stop()


def test_a_teams_turn_in_flight_on_a_killed_replica_is_answered_once_by_the_other(
    stand_ins: tuple[Connector, FakeOpenAI], tmp_path: Path, pg_url: str
) -> None:
    connector, fake = stand_ins
    env = {"DATABASE_URL": pg_url, "OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": fake.base_url}
    replicas = [TeamsReplica(tmp_path / f"replica-{n}", env).start() for n in (0, 1)]
    chat = Chat.personal()
    try:
        doomed, survivor = replicas
        fake.script({"delay": HOLD, "content": "{}"})  # the first model call: held until the replica is gone
        teams = Teams(doomed.url, connector)
        activity = teams.message(chat, SAM, OPENING)
        posting = threading.Thread(target=lambda: _post_ignoring_errors(teams, activity), daemon=True)
        posting.start()
        deadline = time.monotonic() + 30
        while not fake.requests:  # the turn is in the model call
            assert time.monotonic() < deadline, doomed.log.read_text()[-3000:]
            time.sleep(0.05)
        assert query(pg_url, "select state from inbox") == [("started",)]
        doomed.kill()
        posting.join(10)

        # The survivor takes the turn over and replies in the chat without any request from it.
        answered = wait_replies(connector, chat, 1)
        assert [c.type for c in answered] == ["message"] and answered[0].card is not None  # the question round
        settle_deadline = time.monotonic() + 30
        while query(pg_url, "select count(*) from inbox") != [(0,)]:
            assert time.monotonic() < settle_deadline
            time.sleep(0.1)

        # Teams may deliver the same activity again (its request failed): recognised, not answered twice.
        on_survivor = Teams(survivor.url, connector)
        assert on_survivor.post(activity)[0] in (200, 202)
        time.sleep(1.0)
        assert len(replies_in(connector, chat)) == 1

        status, sent = on_survivor.post(on_survivor.message(chat, SAM, FULL))
        assert status in (200, 202)
        assert [c.type for c in sent if c.card is not None] == ["message"]  # the recommendation, in the request
        assert query(pg_url, "select count(*) from recommendations") == [(1,)]
        users = query(
            pg_url,
            "select t.text from turns t join conversations c on c.id = t.conversation_id "
            "where c.platform = 'teams' and t.role = 'user' order by t.n",
        )
        assert [r[0] for r in users] == [OPENING, FULL], "each message recorded once, in order"
        assert any("nobody was answering" in m for m in survivor.messages())
    finally:
        for replica in replicas:
            replica.stop()


def _post_ignoring_errors(teams: Teams, activity: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the replica was killed mid-request
        teams.post(activity)
