"""Teams replies go through the outbox, on both engines, with real `serve-teams` processes and the Bot Connector
emulator: a reply whose sender is killed before Teams takes it is posted once afterwards (after a restart on
SQLite, by the other replica on PostgreSQL); 503 and 429 answers are retried (and the waiting reply is counted at
/metrics); a permanent 4xx is recorded as dead, told to the conversation, and not retried."""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.teams_helpers import TeamsReplica, query, replies_in, wait_replies
from tests.teams.harness import Chat, Connector, Teams, User

pytestmark = pytest.mark.e2e

ALEX = User("aad-alex-0314", "Alex")
OPENING = "a bot that sorts incoming supplier emails into purchasing queues"


@pytest.fixture
def connector() -> Iterator[Connector]:
    emulator = Connector().start()
    yield emulator
    emulator.stop()


def engine_env(database: str) -> dict[str, str]:
    """The environment that puts a serve-teams process on `database` (a SQLite file or a PostgreSQL URL), with
    retries quick enough for a test."""
    where = {"DATABASE_URL": database} if database.startswith("postgresql") else {"ADVISOR_DB": database}
    return {**where, "ADVISOR_OUTBOX_RETRY_BASE": "0.1", "ADVISOR_OUTBOX_RETRY_MAX": "0.5"}


def outbox_rows(database: str) -> list[tuple[Any, ...]]:
    return query(database, "select kind, state, error, attempts, platform from outbox order by id")


def wait_for(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def post_in_background(teams: Teams, activity: dict[str, Any]) -> threading.Thread:
    def post() -> None:
        with contextlib.suppress(OSError):  # the process may be killed mid-request
            teams.post(activity)

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread


def test_a_reply_whose_sender_is_killed_before_teams_takes_it_is_posted_once(
    connector: Connector, database: str, tmp_path: Path
) -> None:
    env = engine_env(database)
    shared = database.startswith("postgresql")
    first = TeamsReplica(tmp_path / "first", env).start()
    # PostgreSQL: a second replica already runs and takes the reply over; SQLite: the same node restarts.
    other = TeamsReplica(tmp_path / "second", env).start() if shared else None
    replicas = [first, *([other] if other else [])]
    chat = Chat.personal()
    try:
        released = connector.hold()  # the reply reaches the connector, which never takes it
        posting = post_in_background(
            Teams(first.url, connector), Teams(first.url, connector).message(chat, ALEX, OPENING)
        )
        assert connector.holding.wait(60), first.log.read_text()[-3000:]
        # The turn is done (gone from the inbox) and its reply is a claimed outbox row: only delivery is left.
        assert query(database, "select count(*) from inbox") == [(0,)]
        assert outbox_rows(database) == [("questions", "sending", None, 1, "teams")]
        first.kill()
        released.set()
        posting.join(10)
        if other is None:
            replicas.append(TeamsReplica(tmp_path / "first", env))
            replicas[-1].start()
        survivor = replicas[-1]

        sent = wait_replies(connector, chat, 1)
        assert sent[0].card is not None and sent[0].text == ""  # the question round's card, sent proactively
        wait_for(lambda: outbox_rows(database)[0][1] == "sent", "the reply is marked sent")
        time.sleep(1.0)  # a second send would come from the worker's next rounds
        assert len(replies_in(connector, chat)) == 1, "posted exactly once"
        assert outbox_rows(database) == [("questions", "sent", None, 2, "teams")]
        assert survivor.proc is not None and survivor.proc.poll() is None
    finally:
        for replica in replicas:
            replica.stop()


def test_busy_teams_is_retried_and_the_waiting_reply_is_counted(
    connector: Connector, database: str, tmp_path: Path
) -> None:
    replica = TeamsReplica(tmp_path / "node", engine_env(database)).start()
    chat = Chat.personal()
    try:
        connector.refuse(503)  # the answer in the request
        connector.refuse(429, retry_after=3.0)  # the worker's first retry: told to wait
        teams = Teams(replica.url, connector)
        status, sent = teams.post(teams.message(chat, ALEX, OPENING))
        assert status in (200, 202) and sent == []  # Teams got nothing in the turn, and no error message either

        wait_for(lambda: len(connector.refused) == 2, "the worker retried after the 503")
        families: dict[str, Any] = {}

        def scraped_waiting() -> bool:  # the refused send is marked pending again a moment after the 429
            with urllib.request.urlopen(replica.url + "/metrics", timeout=30) as response:
                families.update({f.name: f for f in text_string_to_metric_families(response.read().decode())})
            samples = families["advisor_outbox_messages"].samples
            return any(s.labels == {"platform": "teams", "state": "pending"} and s.value == 1.0 for s in samples)

        wait_for(scraped_waiting, "the Teams reply waiting out its Retry-After is counted, as Teams'")
        depth = {
            (s.labels["platform"], s.labels["state"]): s.value for s in families["advisor_outbox_messages"].samples
        }
        assert depth[("slack", "pending")] == 0.0
        age = {s.labels["platform"]: s.value for s in families["advisor_outbox_oldest_age_seconds"].samples}
        assert age["teams"] > 0 and age["slack"] == 0

        replies = wait_replies(connector, chat, 1)
        assert replies[0].card is not None
        assert outbox_rows(database) == [("questions", "sent", None, 3, "teams")]
        assert [c.conversation for c in connector.refused] == [chat.id, chat.id]
    finally:
        replica.stop()


def test_a_permanent_refusal_is_recorded_told_and_not_retried(
    connector: Connector, database: str, tmp_path: Path
) -> None:
    replica = TeamsReplica(tmp_path / "node", engine_env(database)).start()
    chat = Chat.personal()
    try:
        connector.refuse(403)
        teams = Teams(replica.url, connector)
        assert teams.post(teams.message(chat, ALEX, OPENING))[0] in (200, 202)
        told = wait_replies(connector, chat, 1)  # by the worker, woken for the notice
        assert told[0].card is None and "could not be delivered" in told[0].text
        time.sleep(1.5)  # many retry rounds at this backoff, were it retried
        assert len(connector.refused) == 1
        assert outbox_rows(database) == [
            ("questions", "dead", "http_403", 1, "teams"),
            ("notice", "sent", None, 1, "teams"),
        ]
        assert any("message not delivered: http_403" in m for m in replica.messages())
    finally:
        replica.stop()
