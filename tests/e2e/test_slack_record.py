"""The card's "Export decision record" button over real HTTP: the ADR uploaded once as a Markdown file into the
thread; a forged conversation id gets a private refusal and no file."""

from __future__ import annotations

import pytest

from tests import slack_requests as sr
from tests.e2e.conftest import Server
from tests.e2e.helpers import FULL, settle, wait_posts
from tests.slack_emulator import Call, SlackEmulator
from tests.slack_requests import SlackClient

pytestmark = pytest.mark.e2e


def record_shares(emulator: SlackEmulator, channel: str) -> list[Call]:
    return [
        c
        for c in emulator.calls("files.completeUploadExternal", ok_only=True)
        if c.params.get("channel_id") == channel and "Decision record" in str(c.params.get("initial_comment"))
    ]


def click_record(slack: SlackClient, card: Call, channel: str, thread: str, value: str | None = None) -> None:
    cid = card.params["metadata"]["event_payload"]["conversation_id"]
    payload = sr.block_actions_payload(
        "record", value or cid, channel=channel, message_ts=card.response["ts"], thread_ts=thread, user="U777"
    )
    assert slack.post_interactivity(sr.interactivity_form(payload))[0] == 200


def test_record_button_posts_the_adr_in_the_thread(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    thread = str(event["ts"])
    card = wait_posts(emulator, channel, thread=thread)[0]
    click_record(slack, card, channel, thread)
    share = emulator.wait_for(
        "files.completeUploadExternal",
        timeout=30,
        ok_only=True,
        predicate=lambda c: c.params.get("channel_id") == channel and "Decision record" in str(c.params),
    )[-1]
    assert share.params["thread_ts"] == thread and "<@U777>" in share.params["initial_comment"]
    files = share.params["files"]
    content = emulator.uploaded(str(files[0]["id"]))
    assert content is not None
    text = content.decode("utf-8")
    assert text.startswith("# Decision record: Fine-tuning")
    assert "| Prompt engineering |" in text and "| Fine-tuning (recommended) |" in text
    assert "## Open questions" in text and "## Sources" in text
    settle()
    assert len(record_shares(emulator, channel)) == 1


def test_forged_conversation_gets_a_refusal_and_no_file(server: Server, slack: SlackClient, channel: str) -> None:
    emulator = server.emulator
    event = sr.app_mention(f"<@{sr.BOT_USER_ID}> {FULL}", channel=channel)
    assert slack.post_event(sr.event_body(event))[0] == 200
    card = wait_posts(emulator, channel, thread=str(event["ts"]))[0]
    click_record(slack, card, channel, str(event["ts"]), value="not-a-conversation")
    emulator.wait_for("chat.postEphemeral", predicate=lambda c: c.params.get("channel") == channel)
    settle()
    assert record_shares(emulator, channel) == []
