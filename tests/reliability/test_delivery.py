"""Slack's side of delivery against the Web API emulator: error classification, the outbox tag in the metadata,
and finding an earlier post in a thread or a DM (with metadata only when asked for, as Slack does)."""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.advisor import tco
from bot.slack.charts import CHART
from bot.slack.delivery import MESSAGE_EVENT, SlackSender, classify, no_retry
from bot.storage.outbox import DeliveryError, OutboxItem
from bot.workflows.chart import ChartError, render_png
from tests.slack_emulator import Fault, SlackEmulator
from tests.tokens import BOT_TOKEN


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture
def sender(emulator: SlackEmulator) -> SlackSender:
    return SlackSender(no_retry(WebClient(token=BOT_TOKEN, base_url=emulator.url, timeout=5)))


def item(
    uid: str, channel: str = "C1", thread: str | None = "1.0", message: dict[str, object] | None = None, **kw: object
) -> OutboxItem:
    fields: dict[str, object] = {
        "id": 1,
        "uid": uid,
        "conversation_id": "c1",
        "channel": channel,
        "thread_ts": thread,
        "op": "post",
        "kind": "message",
        "target_ts": None,
        "message": message or {"text": "hello"},
        "attempts": 1,
        "unsure": False,
        "created_at": time.time(),
    }
    fields.update(kw)
    return OutboxItem(**fields)  # type: ignore[arg-type]


def api_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    resp = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", resp)


def test_errors_are_classified_for_retry() -> None:
    limited = classify(api_error(429, "ratelimited", {"Retry-After": "7"}))
    assert limited.retryable and limited.retry_after == 7 and not limited.maybe_sent
    for exc in (
        api_error(500, "internal_error"),
        api_error(200, "request_timeout"),
        TimeoutError(),
        urllib.error.URLError("refused"),
        ConnectionResetError(),
    ):
        failure = classify(exc)
        assert failure.retryable and failure.maybe_sent, exc
    for error in ("invalid_blocks", "channel_not_found", "not_in_channel", "invalid_auth", "msg_too_long"):
        assert not classify(api_error(200, error)).retryable


def test_posts_carry_the_outbox_tag_and_keep_the_card_contract(emulator: SlackEmulator, sender: SlackSender) -> None:
    card: dict[str, Any] = {
        "event_type": "advisor_recommendation",
        "event_payload": {"approach": "hybrid", "confidence": 0.7, "conversation_id": "c1"},
    }
    sender.send(item("u-card", message={"text": "card", "metadata": card}))
    sender.send(item("u-text"))
    first, second = (c.params["metadata"] for c in emulator.calls("chat.postMessage"))
    assert first == {
        "event_type": "advisor_recommendation",
        "event_payload": {**card["event_payload"], "outbox_id": "u-card"},
    }
    assert second == {"event_type": MESSAGE_EVENT, "event_payload": {"outbox_id": "u-text", "conversation_id": "c1"}}


def test_an_earlier_post_is_found_in_a_long_thread_and_in_a_dm(emulator: SlackEmulator, sender: SlackSender) -> None:
    parent = emulator.add_message("C1", "start")
    for n in range(450):  # more than two pages of replies
        emulator.add_message("C1", f"chatter {n}", thread_ts=parent)
    posted = sender.send(item("late-uid", thread=parent))
    assert sender.find(item("late-uid", thread=parent)) == posted
    assert sender.find(item("never-posted", thread=parent)) is None
    replies = emulator.calls("conversations.replies")
    assert len(replies) >= 3 and all(c.params.get("include_all_metadata") in ("1", "true", True) for c in replies)
    dm = sender.send(item("dm-uid", channel="D1", thread=None))
    assert sender.find(item("dm-uid", channel="D1", thread=None)) == dm
    # without include_all_metadata Slack (and the emulator) leave the metadata out
    plain = WebClient(token=BOT_TOKEN, base_url=emulator.url).conversations_history(channel="D1")
    assert all("metadata" not in m for m in plain["messages"])


def test_finding_fails_open_or_retries(emulator: SlackEmulator, sender: SlackSender) -> None:
    emulator.fail_next("conversations.replies", Fault.server_error())
    with pytest.raises(Exception) as raised:
        sender.find(item("x"))
    assert getattr(raised.value, "retryable", False) and getattr(raised.value, "maybe_sent", False)
    # a permanent failure to look (e.g. a missing history scope) posts rather than loses the reply
    emulator.fail_next("conversations.replies", Fault.error("missing_scope"))
    assert sender.find(item("x")) is None


def test_updates_change_the_message_and_a_card_update_carries_its_metadata(
    emulator: SlackEmulator, sender: SlackSender
) -> None:
    card: dict[str, Any] = {
        "event_type": "advisor_recommendation",
        "event_payload": {"approach": "fine_tuning", "conversation_id": "c1"},
    }
    ts = sender.send(item("u-card", kind="recommendation", message={"text": "card", "metadata": card}))
    new: dict[str, Any] = {
        "event_type": "advisor_recommendation",
        "event_payload": {"approach": "hybrid", "conversation_id": "c1"},
    }
    update = item(
        "u-update",
        op="update",
        kind="recommendation",
        target_ts=ts,
        message={
            "text": "card v2",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "v2"}}],
            "metadata": new,
        },
    )
    assert sender.send(update) == ts
    answered = item("u-answered", op="update", kind="update", target_ts=ts, message={"text": "card v3"})
    assert sender.send(answered) == ts
    first, second = emulator.calls("chat.update")
    assert first.params["metadata"] == {
        "event_type": "advisor_recommendation",
        "event_payload": {**new["event_payload"], "outbox_id": "u-update"},
    }
    assert "metadata" not in second.params  # an update without metadata leaves the message's own alone
    (stored,) = WebClient(token=BOT_TOKEN, base_url=emulator.url).conversations_replies(
        channel="C1", ts=ts, include_all_metadata=True
    )["messages"]
    assert stored["text"] == "card v3" and stored["metadata"]["event_payload"]["approach"] == "hybrid"
    assert len(emulator.calls("chat.postMessage")) == 1
    emulator.fail_next("chat.update", Fault.server_error())
    with pytest.raises(Exception) as raised:
        sender.send(update)
    assert getattr(raised.value, "retryable", False)


def test_only_a_failed_card_update_is_told_to_the_thread(sender: SlackSender) -> None:
    assert sender.failure_notice(item("a", op="update", kind="update", target_ts="1.1"), "message_not_found") is None
    card = sender.failure_notice(item("b", op="update", kind="recommendation"), "invalid_blocks")
    post = sender.failure_notice(item("c"), "invalid_blocks")
    assert card == post and card is not None and "invalid_blocks" in card["text"]


# --- The cost chart: drawn, then uploaded; a chart that can't be drawn uploads nothing ---------------------------


def chart_item(uid: str, estimate: dict[str, Any]) -> OutboxItem:
    return item(uid, kind=CHART, message={"text": "a chart of the costs", "estimate": estimate})


def test_a_chart_not_drawn_is_retried_without_looking_and_uploaded_once_drawn(emulator: SlackEmulator) -> None:
    failed: list[tco.TcoEstimate] = []

    def draw_once_failing(est: tco.TcoEstimate) -> bytes:
        if not failed:
            failed.append(est)
            raise ChartError("out of luck this time")
        return render_png(est)

    client = no_retry(WebClient(token=BOT_TOKEN, base_url=emulator.url, timeout=5))
    sender = SlackSender(client, draw_chart=draw_once_failing)
    chart = chart_item("u-chart", tco.estimate(2_000_000).model_dump(mode="json"))
    with pytest.raises(DeliveryError) as failure:
        sender.send(chart)
    # nothing went to Slack, so the retry need not look for an upload first; no message tells the thread
    assert failure.value.retryable and not failure.value.maybe_sent and failure.value.error.startswith("chart:")
    assert emulator.calls("files.getUploadURLExternal") == []
    assert sender.failure_notice(chart, failure.value.error) is None
    assert sender.send(chart)  # the retry draws it and uploads it, once
    (share,) = emulator.calls("files.completeUploadExternal", ok_only=True)
    assert share.params["thread_ts"] == "1.0"


def test_an_estimate_with_costs_that_are_not_numbers_fails_its_chart_cleanly(
    emulator: SlackEmulator, sender: SlackSender
) -> None:
    estimate = tco.estimate(40_000).model_dump(mode="json")
    estimate["approaches"]["hybrid"]["one_time_usd"] = float("nan")  # as a stored row could carry
    with pytest.raises(ChartError, match="not finite"):
        render_png(tco.TcoEstimate.model_validate(estimate))
    with pytest.raises(DeliveryError) as failure:
        sender.send(chart_item("u-nan", estimate))
    assert failure.value.retryable and not failure.value.maybe_sent and "not finite" in failure.value.error
    with pytest.raises(DeliveryError) as failure:
        sender.send(chart_item("u-broken", {"horizon_months": "soon"}))  # not an estimate at all
    assert failure.value.retryable and not failure.value.maybe_sent and "not a valid estimate" in failure.value.error
    assert emulator.calls("files.getUploadURLExternal") == []
