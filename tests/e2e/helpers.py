"""Helpers for end-to-end tests: find the app's messages in the emulator's record."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypedDict

from tests.slack_emulator import Call, SlackEmulator

FULL = (
    "We want a support ticket classifier; we have 50k clean labeled tickets, 2M requests a month, "
    "an ML team of 5, live in 6 months, budget $300k, not regulated, stable task"
)


class QuestionMessage(TypedDict):
    """A posted question message and its first quick-answer button."""

    call: Call
    button: dict[str, Any]


# Free-text answers for any question the advisor may ask.
ANSWERS = {
    "labeled_examples": "none yet",
    "ml_expertise": "two developers, no ML",
    "monthly_requests": "about 40k requests a month",
    "changes_often": "it changes every sprint",
    "deadline_weeks": "in 3 weeks",
    "budget_usd": "under $5k",
    "regulated": "no, internal docs only",
    "data_quality": "high quality, reviewed",
    "needs": "broad flexibility",
    "priority": "speed to market",
    "mission_critical": "just a pilot",
}


def posts(emulator: SlackEmulator, channel: str, thread: str | None = None) -> list[Call]:
    """Successful chat.postMessage calls in `channel` (and `thread`, if given)."""
    return [
        c
        for c in emulator.calls("chat.postMessage", ok_only=True)
        if c.params.get("channel") == channel and (thread is None or c.params.get("thread_ts") == thread)
    ]


def is_card(call: Call) -> bool:
    meta = call.params.get("metadata") or {}
    return isinstance(meta, dict) and meta.get("event_type") == "advisor_recommendation"


def param_is(name: str, value: object) -> Callable[[Call], bool]:
    """A `wait_for` predicate: the call's `name` parameter is `value`."""
    return lambda call: call.params.get(name) == value


def card_in(channel: str) -> Callable[[Call], bool]:
    """A `wait_for` predicate: a card posted in `channel`."""
    return lambda call: call.params.get("channel") == channel and is_card(call)


def cards(emulator: SlackEmulator, channel: str, thread: str | None = None) -> list[Call]:
    return [c for c in posts(emulator, channel, thread) if is_card(c)]


def wait_posts(
    emulator: SlackEmulator, channel: str, count: int = 1, timeout: float = 15, thread: str | None = None
) -> list[Call]:
    """Wait until `count` messages were posted in the channel (thread)."""
    return emulator.wait_for(
        "chat.postMessage",
        count,
        timeout,
        ok_only=True,
        predicate=lambda c: (
            c.params.get("channel") == channel and (thread is None or c.params.get("thread_ts") == thread)
        ),
    )


def settle(seconds: float = 0.6) -> None:
    """Give a wrongly duplicated reply time to show up before asserting there is none."""
    time.sleep(seconds)


def question_fields(call: Call) -> list[str]:
    return [b["block_id"][2:] for b in call.params.get("blocks") or [] if str(b.get("block_id", "")).startswith("q:")]


def first_button(call: Call) -> dict[str, Any]:
    for block in call.params.get("blocks") or []:
        if block.get("type") == "actions" and str(block.get("block_id", "")).startswith("q:"):
            return dict(block["elements"][0])
    raise AssertionError("no quick-answer buttons in " + json.dumps(call.params)[:500])


def blocks_text(call: Call) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False)
