"""`ai-advisor serve` on PostgreSQL when its connections die: every backend ended with `pg_terminate_backend` (as an
administrator, a failover or an idle timeout would), and the server stopped and started again. The process stays
up, reconnects by itself, answers the next events, and posts each card once; an event that arrives while the
database is down gets a non-200 (Slack retries it) and is answered once on a later retry."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import pg
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import card_in, cards, posts, settle, wait_posts
from tests.slack_emulator import Fault, SlackEmulator

pytestmark = pytest.mark.e2e

OPENING = "a support assistant that drafts replies to customer tickets"
ANSWER = "we have 30k labeled examples and about 1M requests a month"


def query(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql, params))


def end_every_session(url: str) -> int:
    """End every other connection to the database, as `pg_terminate_backend` does to a replica's; returns how many."""
    rows = query(
        url,
        "select pg_terminate_backend(pid) from pg_stat_activity "
        "where datname = current_database() and pid <> pg_backend_pid()",
    )
    return len(rows)


def user_turns(url: str, channel: str) -> list[str]:
    rows = query(
        url,
        "select t.text from turns t join conversations c on c.id = t.conversation_id "
        "where c.channel = %s and t.role = 'user' order by t.n",
        channel,
    )
    return [str(r[0]) for r in rows]


def wait_all_sent(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while query(url, "select count(*) from outbox where state <> 'sent'") != [(0,)]:
        assert time.monotonic() < deadline, query(url, "select id, state, claimed_by, error from outbox")
        time.sleep(0.2)


def log_messages(server: Server) -> list[str]:
    return [json.loads(line)["message"] for line in server.log.read_text().splitlines() if line.startswith("{")]


@pytest.fixture
def server_on_pg(emulator: SlackEmulator, tmp_path: Path, pg_url: str) -> Any:
    server = Server(emulator, tmp_path / "serve", env={"DATABASE_URL": pg_url, "ADVISOR_OUTBOX_RETRY_BASE": "0.2"})
    server.start()
    yield server
    server.stop()


def test_ended_sessions_are_reconnected_and_the_next_turns_answered_once(
    emulator: SlackEmulator, server_on_pg: Server, pg_url: str, channel: str
) -> None:
    thread = sr.new_ts()
    mention = sr.app_mention(f"<@{sr.BOT_USER_ID}> {OPENING}", channel=channel, ts=thread)
    assert server_on_pg.client.post_event(sr.event_body(mention))[0] == 200
    wait_posts(emulator, channel, 1, thread=thread)

    assert end_every_session(pg_url) >= 2  # the store's, the ack path's, the lock pool's
    reply = sr.message(ANSWER, channel=channel, thread_ts=thread)
    assert server_on_pg.client.post_event(sr.event_body(reply))[0] == 200  # no retry needed
    wait_posts(emulator, channel, 2, thread=thread)

    # The card's post is held at Slack while every session is ended again: recording it as sent happens on a new
    # connection, and it is not posted a second time.
    emulator.fail_next("chat.postMessage", Fault.delay(2.0))
    done = sr.message("recommend now", channel=channel, thread_ts=thread)
    assert server_on_pg.client.post_event(sr.event_body(done))[0] == 200
    emulator.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == channel and c.faulted == "delay"
    )
    assert end_every_session(pg_url) >= 1
    emulator.wait_for("chat.postMessage", ok_only=True, timeout=30, predicate=card_in(channel))
    wait_all_sent(pg_url)
    settle(1.0)

    assert server_on_pg.proc is not None and server_on_pg.proc.poll() is None
    assert len(cards(emulator, channel, thread)) == 1
    ids = [str(c.params["metadata"]["event_payload"]["outbox_id"]) for c in posts(emulator, channel)]
    assert len(ids) == len(set(ids)), "a message was posted twice"
    assert user_turns(pg_url, channel) == [OPENING, ANSWER, "recommend now"]
    assert query(pg_url, "select count(*) from inbox") == [(0,)]
    assert "reconnected to PostgreSQL" in log_messages(server_on_pg)


def test_an_event_while_the_server_is_down_is_refused_then_answered_once_after_it_is_back(
    emulator: SlackEmulator, server_on_pg: Server, pg_url: str, pg_cluster: pg.Cluster, channel: str
) -> None:
    thread = sr.new_ts()
    mention = sr.app_mention(f"<@{sr.BOT_USER_ID}> {OPENING}", channel=channel, ts=thread)
    assert server_on_pg.client.post_event(sr.event_body(mention))[0] == 200
    wait_posts(emulator, channel, 1, thread=thread)

    body = sr.event_body(sr.message(ANSWER, channel=channel, thread_ts=thread))
    pg_cluster.shut_down()
    try:
        statuses = [server_on_pg.client.post_event(body, retry_num=n or None)[0] for n in range(3)]
        assert all(status >= 500 for status in statuses), statuses  # not acknowledged: Slack retries it
        settle(1.0)  # the outbox worker and the turn adopter meet the outage meanwhile
        assert server_on_pg.proc is not None and server_on_pg.proc.poll() is None, "the process stays up"
    finally:
        pg_cluster.start()

    # Slack keeps retrying; once the database is back (and the reconnection backoff has passed) one is taken.
    deadline, attempt = time.monotonic() + 30, 3
    while server_on_pg.client.post_event(body, retry_num=attempt)[0] != 200:
        assert time.monotonic() < deadline, "the event was never taken after the database came back"
        attempt += 1
        time.sleep(0.3)
    wait_posts(emulator, channel, 2, thread=thread)
    done = sr.message("recommend now", channel=channel, thread_ts=thread)
    assert server_on_pg.client.post_event(sr.event_body(done))[0] == 200
    emulator.wait_for("chat.postMessage", ok_only=True, timeout=30, predicate=card_in(channel))
    wait_all_sent(pg_url)
    settle(1.0)

    assert len(cards(emulator, channel, thread)) == 1
    assert user_turns(pg_url, channel) == [OPENING, ANSWER, "recommend now"], "the retried event answered once"
    assert "reconnected to PostgreSQL" in log_messages(server_on_pg)
