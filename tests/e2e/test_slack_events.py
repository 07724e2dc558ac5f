"""Conversations over real HTTP: signed events to `ai-advisor serve`, assertions on its Web API calls."""

from __future__ import annotations

import json
import threading

import pytest

from bot.advisor import prices, tco
from bot.storage.store import Store
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import (
    ANSWERS,
    FULL,
    blocks_text,
    cards,
    first_button,
    is_card,
    posts,
    question_fields,
    settle,
    wait_posts,
)
from tests.slack_emulator import Fault, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


def mention(slack: SlackClient, text: str, channel: str, **kw: str) -> str:
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {text}", channel=channel, **kw)
    status, _, _ = slack.post_event(sr.event_body(event))
    assert status == 200
    return str(event["ts"])


def test_health(slack: SlackClient) -> None:
    status, _, body = slack.get("/healthz")
    assert status == 200 and json.loads(body)["ok"] is True


def test_full_description_gets_one_card_in_the_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, FULL, channel)
    card = wait_posts(emulator, channel, thread=ts)[0]
    assert is_card(card)
    payload = card.params["metadata"]["event_payload"]
    assert payload["approach"] == "fine_tuning"
    assert 0 < payload["confidence"] <= 1
    assert payload["conversation_id"]
    assert "tco_crossover_monthly_requests" in payload
    kinds = [b["type"] for b in card.params["blocks"]]
    assert kinds[0] == "header" and "actions" in kinds
    actions = [e["action_id"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["adjust", "feedback:up", "feedback:down", "record"]
    # the cost section says which prices it used and where every assumption is explained
    shown = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert "Cost assumptions:" in shown and "tco --explain" in shown
    # ... and names the models and the price date behind the 3-year figures, with one crossover statement
    basis = prices.price_basis(tco.default_assumptions())
    assert f"prompting {basis.prompt_model} ({basis.prompt_as_of} prices)" in shown
    assert f"fine-tuned {basis.tune_model} ({basis.tune_as_of} prices)" in shown
    assert shown.count("Crossover:") == 1
    settle()
    assert len(posts(emulator, channel)) == 1
    # a ⏳ shows only on a turn that runs on (below), and never stays once it is answered
    marks = [c.method for c in emulator.calls() if c.method.startswith("reactions.") and c.params["timestamp"] == ts]
    assert marks in ([], ["reactions.add", "reactions.remove"])


def test_a_turn_that_runs_on_shows_progress_until_its_card_is_posted(
    server: Server, slack: SlackClient, channel: str
) -> None:
    emulator = server.emulator
    emulator.fail_next("chat.postMessage", Fault.delay(2.0))  # Slack slow to take the card: the turn runs on
    ts = mention(slack, FULL, channel)
    emulator.wait_for("reactions.add", predicate=lambda c: c.params.get("timestamp") == ts)
    assert is_card(wait_posts(emulator, channel, thread=ts)[0])
    emulator.wait_for("reactions.remove", predicate=lambda c: c.params.get("timestamp") == ts)
    added = next(c for c in emulator.calls("reactions.add") if c.params.get("timestamp") == ts)
    assert added.params["name"] == "hourglass_flowing_sand" and added.params["channel"] == channel
    settle()
    assert len(posts(emulator, channel)) == 1


def test_thin_description_asks_then_answers_lead_to_a_card(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, "a chatbot that answers questions about our internal docs", channel)
    question = wait_posts(emulator, channel, thread=ts)[0]
    assert not is_card(question)
    fields = question_fields(question)
    assert fields, "the first reply asks at least one question with buttons"
    # First round: click a quick answer on the question message.
    button = first_button(question)
    payload = sr.block_actions_payload(
        button["action_id"],
        button["value"],
        channel=channel,
        message_ts=question.response["ts"],
        thread_ts=ts,
        response_url=emulator.webhook_url(),
    )
    payload["message"]["blocks"] = question.params["blocks"]
    status, _, _ = slack.post_interactivity(sr.interactivity_form(payload))
    assert status == 200
    seen = 1
    for _ in range(6):  # later rounds: answer in free text in the thread, no mention needed
        replies = wait_posts(emulator, channel, seen + 1, thread=ts)
        seen = len(replies)
        last = replies[-1]
        if is_card(last):
            break
        text = "; ".join(ANSWERS.get(f, "not sure") for f in question_fields(last)) or "recommend now"
        event = sr.message(text, channel=channel, thread_ts=ts)
        assert slack.post_event(sr.event_body(event))[0] == 200
    assert len(cards(emulator, channel, ts)) == 1
    # the clicked question was marked as answered in place
    updates = [c for c in emulator.calls("chat.update", ok_only=True) if c.params.get("ts") == question.response["ts"]]
    assert updates and "✓" in blocks_text(updates[0])


def test_dm_conversation(server: Server, slack: SlackClient) -> None:
    emulator = server.emulator
    dm = "D" + server.data_dir.name[-6:].upper().replace("_", "0") + "1"
    event = sr.message("hi, we want to summarise sales calls", channel=dm, channel_type="im")
    slack.post_event(sr.event_body(event))
    first = wait_posts(emulator, dm)[0]
    assert first.params["thread_ts"] == event["ts"]  # a project description opens a thread of its own
    # "recommend now" at the top level goes to the latest assessment, in its thread
    slack.post_event(sr.event_body(sr.message("recommend now", channel=dm, channel_type="im")))
    replies = wait_posts(emulator, dm, 2)
    assert is_card(replies[-1]) and replies[-1].params["thread_ts"] == event["ts"]


def test_channel_chatter_bots_edits_and_deletions_are_ignored(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    bodies = [
        sr.message("we should fine-tune everything", channel=channel),  # not in a thread, no mention
        sr.message("a reply in someone else's thread", channel=channel, thread_ts=sr.new_ts()),
        sr.message("I am a bot", channel=channel, bot_id="B999", subtype="bot_message"),
        sr.message("edited", channel=channel, subtype="message_changed"),
        sr.message("", channel=channel, subtype="message_deleted"),
        sr.message("our own echo", channel=channel, user=sr.BOT_USER_ID, thread_ts=sr.new_ts()),
        {"type": "reaction_added", "user": "U123", "reaction": "tada", "item": {"channel": channel}},
        {"type": "some_future_event", "channel": channel},
    ]
    for event in bodies:
        assert slack.post_event(sr.event_body(event))[0] == 200
    settle(0.8)
    assert posts(emulator, channel) == []


def test_retried_delivery_posts_one_card(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel)
    body = sr.event_body(event)
    threads = [threading.Thread(target=slack.post_event, args=(body,), kwargs={"retry_num": n}) for n in (None, 1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the same message seen again under a new event id (e.g. message.channels beside app_mention)
    slack.post_event(sr.event_body(event))
    wait_posts(emulator, channel)
    settle()
    assert len(posts(emulator, channel)) == 1


def test_rate_limit_then_server_error_still_posts_exactly_one_card(
    server: Server, slack: SlackClient, channel: str
) -> None:
    emulator = server.emulator
    emulator.fail_next("chat.postMessage", Fault.rate_limited(retry_after=1), Fault.server_error())
    ts = mention(slack, FULL, channel)
    wait_posts(emulator, channel, thread=ts, timeout=20)
    settle()
    assert len(cards(emulator, channel, ts)) == 1
    assert len(posts(emulator, channel)) == 1
    faulted = [c.faulted for c in emulator.calls("chat.postMessage") if c.faulted]
    assert "rate_limited" in faulted and "server_error" in faulted


def test_unrecoverable_failure_is_told_in_the_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    emulator.fail_next("chat.postMessage", Fault.error("invalid_blocks"))
    ts = mention(slack, FULL, channel)
    told = wait_posts(emulator, channel, thread=ts)[0]
    assert "Sorry" in told.params["text"] and "invalid_blocks" in told.params["text"]
    assert "Traceback" not in told.params["text"]


@pytest.mark.parametrize(
    "text",
    [
        "<!here> <!channel> <@U999> <https://evil.example|click> " + FULL,
        "```python\nprint('x')\n``` 🚀🤖 " + FULL + " مرحبا بالعالم שלום",
        ("🙂 " + FULL + " ") * 200 + "x" * 10_000,
    ],
)
def test_hostile_text_gets_a_valid_card_or_a_clear_reply(
    server: Server, slack: SlackClient, channel: str, text: str
) -> None:
    emulator = server.emulator
    ts = mention(slack, text[:40_000], channel)
    reply = wait_posts(emulator, channel, thread=ts)[0]
    dumped = blocks_text(reply)
    assert "<!here" not in dumped and "<!channel" not in dumped and "<@U999" not in dumped
    assert "<https://evil" not in dumped
    assert reply.ok  # the emulator enforces Block Kit limits (blocks, header, section text)
    blocks = reply.params["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
        if block["type"] == "context":
            assert len(block["elements"]) <= 10


def test_bad_signature_and_stale_timestamp_are_401(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    body = sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel))
    assert slack.post_event(body, signature="v0=" + "0" * 64)[0] == 401
    assert slack.post_event(body, timestamp=int(__import__("time").time()) - 6 * 60)[0] == 401
    unsigned = SlackClient(server.url, "wrong-secret")
    assert unsigned.post_event(body)[0] == 401
    assert slack.post_command(sr.slash_command_form("help"), signature="v0=bad")[0] == 401
    settle()
    assert posts(emulator, channel) == []
    # and the event was not consumed: the genuine delivery still works
    slack.post_event(body)
    wait_posts(emulator, channel)


def test_malformed_bodies_are_400(slack: SlackClient) -> None:
    assert slack.post("/slack/events", "{not json", content_type="application/json")[0] == 400
    assert slack.post("/slack/events", "[1, 2]", content_type="application/json")[0] == 400
    assert slack.post("/slack/events", "payload=%7Bbad", content_type="application/x-www-form-urlencoded")[0] == 400
    assert slack.post("/slack/events", "x=1", content_type="application/x-www-form-urlencoded")[0] == 400
    assert slack.post("/slack/events", b"\xff\xfe", content_type="application/json")[0] == 400


def test_url_verification(slack: SlackClient) -> None:
    status, _, body = slack.post_event({"type": "url_verification", "challenge": "abc123", "token": "t"})
    assert status == 200 and b"abc123" in body


def test_dedupe_survives_a_restart(
    emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory, channel: str
) -> None:
    data = tmp_path_factory.mktemp("restart")
    body = sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel))
    first = Server(emulator, data).start()
    try:
        first.client.post_event(body)
        wait_posts(emulator, channel)
    finally:
        first.stop()
    second = Server(emulator, data).start()
    try:
        assert second.client.post_event(body, retry_num=1)[0] == 200
        settle()
        assert len(posts(emulator, channel)) == 1
    finally:
        second.stop()


# A complete description whose deadline is said as "we can take 5 months", in words written for this test.
TAKE_FIVE_MONTHS = (
    "Claims triage for our insurance ops: 80k labeled claims reviewed by adjusters, an ML team of 6, "
    "about 3M claims a month, the categories are stable, not regulated, budget $400k, "
    "we can take 5 months"
)


def test_a_complete_description_with_we_can_take_5_months_gets_a_card(
    server: Server, slack: SlackClient, channel: str
) -> None:
    ts = mention(slack, TAKE_FIVE_MONTHS, channel)
    first = wait_posts(server.emulator, channel, thread=ts)[0]
    assert is_card(first), blocks_text(first)
    settle()
    assert len(posts(server.emulator, channel)) == 1


def test_a_number_with_no_owner_is_confirmed_in_the_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    ts = mention(slack, "Auto-routing for IT requests. We have 9,000 tickets, 2 ML engineers and $90k.", channel)
    question = wait_posts(emulator, channel, thread=ts)[0]
    assert not is_card(question) and "9,000" in blocks_text(question) and "labeled examples" in blocks_text(question)
    event = sr.message("they're labeled examples", channel=channel, thread_ts=ts)
    assert slack.post_event(sr.event_body(event))[0] == 200
    wait_posts(emulator, channel, 2, thread=ts)
    store = Store(server.data_dir / "advisor.db")
    conversation = store.find_conversation(f"slack:{sr.TEAM_ID}:{channel}:{ts}")
    assert conversation is not None
    intake = store.latest_intake(conversation.id)
    assert intake.values.labeled_examples == 9000
    assert "9,000" in (intake.provenance["labeled_examples"].quote or "")


def test_a_question_about_the_topic_gets_a_knowledge_answer_not_an_intake(
    server: Server, slack: SlackClient, channel: str
) -> None:
    ts = mention(slack, "how often do fine-tuned models need retraining?", channel)
    answer = wait_posts(server.emulator, channel, thread=ts)[0]
    assert not is_card(answer) and not question_fields(answer)
    assert "knowledge/" in blocks_text(answer) or "knowledge/" in str(answer.params.get("text"))


def test_the_card_shows_its_assessment_id(server: Server, slack: SlackClient, channel: str) -> None:
    ts = mention(slack, FULL, channel)
    card = wait_posts(server.emulator, channel, thread=ts)[0]
    cid = card.params["metadata"]["event_payload"]["conversation_id"]
    assert f"summary {cid}" in blocks_text(card)
