"""Interaction rules Slack and Teams share: quick answers, feedback votes and reasons, stale cards, membership caching.

Adapters turn a click into these calls at their edge, and render what comes back; the rules live here once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from bot.advisor.intake import FIELD_LABELS
from bot.advisor.questions import Question, question_bank
from bot.errors import InputError
from bot.text import one_line

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # can't survive a JSON transport intact
Vote = Literal["up", "down"]
VOTES: tuple[Vote, ...] = ("up", "down")
REASON_MAX = 500  # characters of a 👎 reason (as long as a lead's decision note)
SUMMARY_REASON_MAX = 300  # characters of one reason shown in a summary ...
DIGEST_REASON_MAX = 60  # ... and in a digest, where each assessment gets one line of feedback
MEMBERSHIP_TTL = 60.0  # seconds a "is this user a member of that chat" answer is reused


@dataclass(frozen=True)
class QuickAnswer:
    """A quick-answer button's choice, checked against the question it answers (build it with `quick_answer`)."""

    question: Question
    value: Any
    label: str

    @property
    def field(self) -> str:
        """The intake field the answer sets."""
        return self.question.field


def quick_answer(field: Any, value: Any) -> QuickAnswer:
    """The quick answer `value` to the question on `field`, or InputError when there is no such question or the
    question offers no such answer (a forged or outdated button). Values match by type too: `True` is not `1`."""
    question = question_bank().get(field) if isinstance(field, str) else None
    if question is None:
        raise InputError(f"unknown question {field!r}")
    for offered in question.quick_answers:
        if offered.value == value and type(offered.value) is type(value):
            return QuickAnswer(question, offered.value, offered.label)
    raise InputError(f"{value!r} is not an answer to {FIELD_LABELS.get(question.field, question.field)}")


def vote(value: Any) -> Vote:
    """A feedback vote ("up" or "down"), or InputError."""
    for known in VOTES:
        if value == known:
            return known
    raise InputError(f"{value!r} is not a feedback vote")


def feedback_reason(vote: Vote, text: Any) -> str:
    """The reason stored with a vote: a 👎's text on one line without control characters or lone surrogates ("" for
    a 👍, which needs no reason); InputError when it isn't text or is longer than REASON_MAX characters."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError("A feedback reason must be text.")
    if vote != "down":
        return ""
    reason = _LONE_SURROGATE.sub("", one_line(text))
    if len(reason) > REASON_MAX:
        raise InputError(f"A reason can be at most {REASON_MAX} characters.")
    return reason


def is_stale_card(clicked: str | None, latest: str | None) -> bool:
    """Whether a click on the message `clicked` is on a card that a newer card has replaced (`latest`: the message
    the conversation's card is now, None when none is known). `clicked` None means the platform didn't say which
    message was clicked (Teams leaves replyToId out on some clients): not stale; "" means not on a message: stale
    whenever there is a card."""
    return latest is not None and clicked is not None and clicked != latest


class TtlCache:
    """A small thread-safe cache whose entries expire: membership and group lookups cost an API call each, so both
    platforms remember the answers briefly. A failed lookup is never stored (it is asked again next time)."""

    def __init__(self, seconds: float = MEMBERSHIP_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def known(self, key: Hashable) -> tuple[bool, Any]:
        """(True, the remembered value) while `key`'s entry is fresh, else (False, None)."""
        with self._lock:
            hit = self._data.get(key)
        if hit is None or self.clock() - hit[0] >= self.seconds:
            return False, None
        return True, hit[1]

    def put(self, key: Hashable, value: Any) -> None:
        """Remember `value` for `key` from now (for a lookup that can't run inside `get`, e.g. an async one)."""
        with self._lock:
            self._data[key] = (self.clock(), value)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value for `key`, computed (outside the lock) when missing or expired; an exception from
        `compute` stores nothing."""
        found, value = self.known(key)
        if found:
            return value
        value = compute()
        self.put(key, value)
        return value
