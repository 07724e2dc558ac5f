"""`/ai-advisor` subcommands and card interactivity over real HTTP."""

from __future__ import annotations

import json

import pytest

from bot.slack.manifest import manifest as build_manifest
from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, cards, is_card, posts, settle, wait_posts
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


def command(slack: SlackClient, text: str, channel: str, **kw: str) -> tuple[int, dict[str, object]]:
    status, _, body = slack.post_command(sr.slash_command_form(text, channel_id=channel, **kw))
    return status, (json.loads(body) if body else {})


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_help(slack: SlackClient, channel: str, text: str) -> None:
    status, body = command(slack, text, channel)
    assert status == 200
    assert "/ai-advisor start" in str(body["text"]) and "status" in str(body["text"])


def test_unknown_subcommand_gets_help(slack: SlackClient, channel: str) -> None:
    status, body = command(slack, "frobnicate <!channel>", channel)
    assert status == 200
    assert "frobnicate" in str(body["text"]) and "/ai-advisor ask" in str(body["text"])


def test_start_with_description_opens_a_thread_with_a_card(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    status, body = command(slack, f"start {FULL}", channel, user_id="U777")
    assert status == 200 and body.get("text") in (None, "")
    opening = wait_posts(emulator, channel)[0]
    assert "thread_ts" not in opening.params and "<@U777>" in opening.params["text"]
    thread = opening.response["ts"]
    card = wait_posts(emulator, channel, thread=thread)[0]
    assert is_card(card)


def test_start_without_description_then_reply_in_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    command(slack, "start", channel)
    thread = wait_posts(emulator, channel)[0].response["ts"]
    wait_posts(emulator, channel, thread=thread)  # the invitation to describe the feature
    slack.post_event(sr.event_body(sr.message(FULL, channel=channel, thread_ts=thread)))
    wait_posts(emulator, channel, 2, thread=thread)
    assert len(cards(emulator, channel, thread)) == 1


def test_ask_answers_with_sources(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    hook = emulator.webhook_url(f"ask-{channel}")
    status, _ = command(slack, "ask how much labeled data does fine-tuning need?", channel, response_url=hook)
    assert status == 200
    call = emulator.wait_for("webhook", timeout=30)[-1]
    assert call.params.get("response_type") == "ephemeral"
    assert call.params.get("text")
    assert "Sources:" in json.dumps(call.params.get("blocks"))


def test_ask_without_question_explains(slack: SlackClient, channel: str) -> None:
    assert "ask" in str(command(slack, "ask", channel)[1]["text"])


def test_tco_is_an_ephemeral_estimate_sent_after_the_ack(server: Server, slack: SlackClient, channel: str) -> None:
    hook = server.emulator.webhook_url(f"tco-{channel}")
    status, body = command(slack, "tco 2M requests a month, 20k examples", channel, response_url=hook)
    assert status == 200 and not body.get("text")  # acknowledged before the text is read
    call = server.emulator.wait_for(
        "webhook", timeout=30, predicate=lambda c: "2M requests/month" in json.dumps(c.params)
    )[-1]
    text = json.dumps(call.params["blocks"])
    assert "2M requests/month" in text and "cheaper above" in text
    assert call.params["response_type"] == "ephemeral"


def test_status_lists_the_users_assessments(server: Server, slack: SlackClient, channel: str) -> None:
    user = "U" + channel[1:]
    assert "no assessments" in str(command(slack, "status", channel, user_id=user)[1]["text"])
    slack.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel, user=user)))
    wait_posts(server.emulator, channel)
    text = str(command(slack, "status", channel, user_id=user)[1]["text"])
    assert f"<#{channel}>" in text and "Fine-tuning" in text


def _card(server: Server, slack: SlackClient, channel: str) -> tuple[str, str, str]:
    ts = sr.new_ts()
    slack.post_event(sr.event_body(sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel, ts=ts)))
    card = wait_posts(server.emulator, channel, thread=ts)[0]
    return ts, card.response["ts"], card.params["metadata"]["event_payload"]["conversation_id"]


def test_feedback_is_stored_and_acknowledged(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    thread, card_ts, cid = _card(server, slack, channel)
    payload = sr.block_actions_payload(
        "feedback:up", cid, channel=channel, message_ts=card_ts, thread_ts=thread, block_id="card_actions"
    )
    assert slack.post_interactivity(sr.interactivity_form(payload))[0] == 200
    eph = emulator.wait_for("chat.postEphemeral", predicate=lambda c: c.params.get("channel") == channel)[0]
    assert "👍" in eph.params["text"]


def test_adjust_opens_a_modal_and_submission_updates_the_card(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    thread, card_ts, cid = _card(server, slack, channel)
    payload = sr.block_actions_payload(
        "adjust", cid, channel=channel, message_ts=card_ts, thread_ts=thread, block_id="card_actions"
    )
    assert slack.post_interactivity(sr.interactivity_form(payload))[0] == 200
    meta = json.dumps({"c": cid, "ch": channel}, separators=(",", ":"))  # the modal names the card's channel
    opened = emulator.wait_for(
        "views.open",
        predicate=lambda c: (
            {"c": cid, "ch": channel}.items() <= json.loads(c.params["view"]["private_metadata"]).items()
        ),
    )[0]
    view = opened.params["view"]
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["labeled_examples"]["element"]["initial_value"] == "50000"
    # an invalid number: inline error, nothing changes
    bad = sr.view_submission_payload("adjust", {"labeled_examples": {"value": "lots"}}, meta)
    status, _, body = slack.post_interactivity(sr.interactivity_form(bad))
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert "labeled_examples" in json.loads(body)["errors"]
    # a valid change: the card is updated in place
    good = sr.view_submission_payload("adjust", {"labeled_examples": {"value": "150"}}, meta)
    status, _, body = slack.post_interactivity(sr.interactivity_form(good))
    assert status == 200 and not body.strip(b"{} ")
    update = emulator.wait_for("chat.update", predicate=lambda c: c.params.get("ts") == card_ts)[0]
    assert update.params["metadata"]["event_payload"]["approach"] != "fine_tuning"
    settle(0.3)
    assert len(cards(emulator, channel, thread)) == 1
    assert len(posts(emulator, channel, thread)) == 2  # the card and the "adjusted" note


def test_the_manifests_tco_usage_hint_is_understood(server: Server, slack: SlackClient, channel: str) -> None:
    commands = build_manifest()["features"]["slash_commands"]
    hint = next(c for c in commands if c["command"] == "/ai-advisor")["usage_hint"]
    example = next(part.strip() for part in hint.split("|") if part.strip().startswith("tco "))
    assert "a month" not in example  # the hint says "2M requests": the volume must still be read as monthly
    hook = server.emulator.webhook_url(f"tco-hint-{channel}")
    status, _ = command(slack, example, channel, response_url=hook)
    assert status == 200
    call = server.emulator.wait_for(
        "webhook", timeout=30, predicate=lambda c: "2M requests/month" in json.dumps(c.params)
    )[-1]
    assert "cheaper above" in json.dumps(call.params["blocks"]) or "never cheaper" in json.dumps(call.params)
