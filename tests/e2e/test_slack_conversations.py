"""The conversations of issue 13 over real HTTP: signed events to `ai-advisor serve`, replies read from the Web API
emulator, state read from the server's database. Each project gets its own thread, also in DMs."""

from __future__ import annotations

import uuid

import pytest

from bot.storage.store import Conversation, Store
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import blocks_text, is_card, posts, question_fields, settle, wait_posts
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e

# Said in my own words: an onboarding-questions bot, then an invoice-matching project with nothing in common.
ONBOARDING = "we want a bot that answers new hires' questions about our onboarding handbook, launch in 4 weeks"
INVOICES = (
    "we'd like to classify 2 million supplier invoices a month into cost centres; we have 150k labeled invoices "
    "and a data science team of 5"
)
FULL = (
    "A classifier that tags incoming support tickets: 60k clean labeled tickets, 1.5M tickets a month, an ML team "
    "of 4, live in 5 months, budget $250k, not regulated, the tags are stable"
)


def dm_channel() -> str:
    return "D" + uuid.uuid4().hex[:9].upper()


def say(slack: SlackClient, text: str, channel: str, **kw: str) -> str:
    """Post a message event; returns its ts."""
    event = sr.message(text, channel=channel, **kw)
    assert slack.post_event(sr.event_body(event))[0] == 200
    return str(event["ts"])


def mention(slack: SlackClient, text: str, channel: str) -> str:
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    return str(event["ts"])


def store_of(server: Server) -> Store:
    return Store(server.data_dir / "advisor.db")


def conversation(server: Server, channel: str, thread: str) -> Conversation:
    found = store_of(server).find_conversation(f"slack:{sr.TEAM_ID}:{channel}:{thread}")
    assert found is not None, f"no assessment in {channel} thread {thread}"
    return found


def test_two_projects_in_a_dm_get_two_threads_and_two_assessments(server: Server, slack: SlackClient) -> None:
    emulator, dm = server.emulator, dm_channel()
    first = say(slack, ONBOARDING, dm, channel_type="im")
    assert wait_posts(emulator, dm, thread=first)[0].params["thread_ts"] == first
    second = say(slack, INVOICES, dm, channel_type="im")
    wait_posts(emulator, dm, thread=second)
    onboarding, invoices = conversation(server, dm, first), conversation(server, dm, second)
    assert onboarding.id != invoices.id
    store = store_of(server)
    kept = store.latest_intake(str(onboarding.id)).known()
    assert "labeled_examples" not in kept and "onboarding" in str(kept["use_case"])
    new = store.latest_intake(str(invoices.id)).known()
    assert new["labeled_examples"] == 150_000 and "deadline_weeks" not in new and "invoices" in str(new["use_case"])
    # a follow-up in the first thread continues the first project only
    say(slack, "recommend now", dm, channel_type="im", thread_ts=first)
    card = wait_posts(emulator, dm, 2, thread=first)[-1]
    assert is_card(card) and card.params["metadata"]["event_payload"]["conversation_id"] == onboarding.id
    assert "150,000" not in blocks_text(card)


def test_a_question_and_thanks_at_the_top_of_a_dm_start_no_assessment(server: Server, slack: SlackClient) -> None:
    emulator, dm = server.emulator, dm_channel()
    say(slack, "what's the difference between retrieval and fine-tuning?", dm, channel_type="im")
    answer = wait_posts(emulator, dm)[0]
    assert not answer.params.get("thread_ts") and not is_card(answer) and not question_fields(answer)
    assert "knowledge/" in blocks_text(answer) or "knowledge/" in str(answer.params.get("text"))
    say(slack, "thanks, that's helpful", dm, channel_type="im")
    thanks = wait_posts(emulator, dm, 2)[-1]
    assert "Describe" in str(thanks.params.get("text")) and "didn't catch" not in str(thanks.params.get("text"))
    assert [r for r in store_of(server).assessments() if r["channel"] == dm] == []


def test_a_reply_fills_only_the_fields_its_words_fit(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, "an assistant that writes first drafts of replies to customer emails", channel)
    asked = wait_posts(emulator, channel, thread=ts)[0]
    assert question_fields(asked) == ["labeled_examples"]
    say(slack, "we have a data science team of 4. budget is roughly 300k", channel, thread_ts=ts)
    wait_posts(emulator, channel, 2, thread=ts)
    cid = str(conversation(server, channel, ts).id)
    known = store_of(server).latest_intake(cid).known()
    assert "labeled_examples" not in known and known["budget_usd"] == 300_000
    say(slack, "those 2500 old tickets are basically labeled examples, btw", channel, thread_ts=ts)
    wait_posts(emulator, channel, 3, thread=ts)
    assert store_of(server).latest_intake(cid).known()["labeled_examples"] == 2500


def test_why_not_hybrid_thanks_and_restart_after_a_card(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, FULL, channel)
    card = wait_posts(emulator, channel, thread=ts)[0]
    assert is_card(card)
    old = card.params["metadata"]["event_payload"]["conversation_id"]
    say(slack, "why not hybrid though?", channel, thread_ts=ts)
    why_not = str(wait_posts(emulator, channel, 2, thread=ts)[-1].params.get("text"))
    assert why_not.startswith("Why not hybrid") and "→ fine-tuning (" not in why_not
    say(slack, "thanks, that's helpful", channel, thread_ts=ts)
    thanks = str(wait_posts(emulator, channel, 3, thread=ts)[-1].params.get("text"))
    assert "Glad it helps" in thanks and "didn't catch" not in thanks
    say(slack, "restart", channel, thread_ts=ts)
    restarted = str(wait_posts(emulator, channel, 4, thread=ts)[-1].params.get("text"))
    assert old in restarted
    settle()
    assert len(posts(emulator, channel, thread=ts)) == 4
    ids = {r["id"] for r in store_of(server).assessments()}
    assert old in ids and conversation(server, channel, ts).id != old  # the old one stays exportable
    # the next description in the thread is the new assessment's use case
    say(slack, ONBOARDING, channel, thread_ts=ts)
    wait_posts(emulator, channel, 5, thread=ts)
    new = str(conversation(server, channel, ts).id)
    assert "onboarding" in str(store_of(server).latest_intake(new).known().get("use_case"))
