"""The assistant panel over real HTTP: thread started → greeting and suggested prompts; a message → status while
the turn runs, the card, a title after the use case; context changes stored; plain DM threads are unaffected."""

from __future__ import annotations

import uuid
from contextlib import closing

import pytest

from bot.storage.assistant_threads import AssistantThreads
from bot.storage.store import Store
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, is_card, posts, settle, wait_posts
from tests.slack_emulator import Fault
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


def dm() -> str:
    return "D" + uuid.uuid4().hex[:10].upper()


def start_thread(slack: SlackClient, channel: str, **kw: str) -> str:
    event = sr.assistant_thread_started(channel=channel, **kw)
    status, _, _ = slack.post_event(sr.event_body(event))
    assert status == 200
    return str(event["assistant_thread"]["thread_ts"])


def say(slack: SlackClient, channel: str, thread_ts: str, text: str) -> str:
    event = sr.message(text, channel=channel, thread_ts=thread_ts, channel_type="im")
    status, _, _ = slack.post_event(sr.event_body(event))
    assert status == 200
    return str(event["ts"])


def calls_in(server: Server, method: str, channel: str) -> list[dict]:
    return [c.params for c in server.emulator.calls(method, ok_only=True) if c.params.get("channel_id") == channel]


def test_thread_started_greets_once_and_suggests_prompts(server: Server, slack: SlackClient) -> None:
    channel = dm()
    event = sr.assistant_thread_started(channel=channel, context_channel="C0CONTEXT1")
    body = sr.event_body(event)
    assert slack.post_event(body)[0] == 200
    thread_ts = event["assistant_thread"]["thread_ts"]
    greeting = wait_posts(server.emulator, channel, thread=thread_ts)[0]
    assert "fine-tuning" in greeting.params["text"]
    server.emulator.wait_for(
        "assistant.threads.setSuggestedPrompts", predicate=lambda c: c.params.get("channel_id") == channel
    )
    prompts = calls_in(server, "assistant.threads.setSuggestedPrompts", channel)[0]["prompts"]
    assert 3 <= len(prompts) <= 4 and all(p["title"] and p["message"] for p in prompts)
    # Slack's retry of the same event, and a second event for the same thread: no second greeting.
    assert slack.post_event(body, retry_num=1)[0] == 200
    assert slack.post_event(sr.event_body(event))[0] == 200
    settle()
    assert len(posts(server.emulator, channel, thread_ts)) == 1
    # the context it was opened from is stored
    with closing(Store(server.data_dir / "advisor.db")) as store:
        row = AssistantThreads(store).get(channel, thread_ts)
    assert row is not None and row["context"]["channel_id"] == "C0CONTEXT1"


def test_message_shows_status_posts_card_and_titles_thread(server: Server, slack: SlackClient) -> None:
    channel = dm()
    thread_ts = start_thread(slack, channel)
    wait_posts(server.emulator, channel, thread=thread_ts)  # the greeting
    ts = say(slack, channel, thread_ts, FULL)
    card = wait_posts(server.emulator, channel, 2, thread=thread_ts)[-1]
    assert is_card(card)
    server.emulator.wait_for(
        "assistant.threads.setStatus", 2, predicate=lambda c: c.params.get("channel_id") == channel
    )
    statuses = [c["status"] for c in calls_in(server, "assistant.threads.setStatus", channel)]
    assert statuses[0] == "reading your answers…" and statuses[-1] == ""
    # the status replaces the ⏳ reaction in the panel
    assert not [c for c in server.emulator.calls("reactions.add") if c.params.get("timestamp") == ts]
    server.emulator.wait_for("assistant.threads.setTitle", predicate=lambda c: c.params.get("channel_id") == channel)
    title = calls_in(server, "assistant.threads.setTitle", channel)[0]["title"]
    assert title == "We want a support ticket classifier"
    # a follow-up in the same thread continues the same conversation (same use case: no second title)
    say(slack, channel, thread_ts, "actually we have 80k labeled tickets")
    follow_up = wait_posts(server.emulator, channel, 3, thread=thread_ts)[-1]
    assert (
        follow_up.params["metadata"]["event_payload"]["conversation_id"]
        == (card.params["metadata"]["event_payload"]["conversation_id"])
    )
    settle()
    assert len(calls_in(server, "assistant.threads.setTitle", channel)) == 1


def test_topic_question_checks_the_knowledge_base(server: Server, slack: SlackClient) -> None:
    channel = dm()
    thread_ts = start_thread(slack, channel)
    wait_posts(server.emulator, channel, thread=thread_ts)
    say(slack, channel, thread_ts, "Explain the six-step framework")
    answer = wait_posts(server.emulator, channel, 2, thread=thread_ts)
    statuses = [c["status"] for c in calls_in(server, "assistant.threads.setStatus", channel)]
    assert statuses[0] == "checking the knowledge base…"
    assert answer


def test_context_change_is_stored(server: Server, slack: SlackClient) -> None:
    channel = dm()
    thread_ts = start_thread(slack, channel, context_channel="C0FIRST001")
    event = sr.assistant_thread_context_changed(channel=channel, thread_ts=thread_ts, context_channel="C0SECOND01")
    assert slack.post_event(sr.event_body(event))[0] == 200
    with closing(Store(server.data_dir / "advisor.db")) as store:
        threads = AssistantThreads(store)
        for _ in range(50):
            row = threads.get(channel, thread_ts)
            if row and row["context"].get("channel_id") == "C0SECOND01":
                break
            settle(0.1)
    assert row is not None and row["context"]["channel_id"] == "C0SECOND01"


def test_plain_dm_thread_still_uses_the_reaction(server: Server, slack: SlackClient) -> None:
    channel = dm()
    top = say(slack, channel, "", "hello")  # a top-level DM: no assistant thread
    wait_posts(server.emulator, channel)
    server.emulator.fail_next("chat.postMessage", Fault.delay(2.0))  # the turn runs on: progress shows
    ts = say(slack, channel, top, FULL)  # a reply in a DM thread that is no assistant thread
    wait_posts(server.emulator, channel, thread=top)
    server.emulator.wait_for("reactions.add", predicate=lambda c: c.params.get("timestamp") == ts)
    assert not calls_in(server, "assistant.threads.setStatus", channel)
