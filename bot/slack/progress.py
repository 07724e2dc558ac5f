"""The ⏳ progress reaction on the user's message, shown only while a turn takes longer than a moment.

Most turns are answered within a few milliseconds, and adding and removing a reaction around each one cost two Web
API calls per card (more CPU than the rest of a card's Slack work) for a mark nobody saw. So the reaction is added
by one background thread once a turn has run for `delay` seconds (a model reading the message, Slack slow to take
the reply), and removed when the turn ends. With `delay` 0 it is added at once, in the turn's own thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk import WebClient

from bot.slack import messages as msg
from bot.slack.delivery import no_retry

log = logging.getLogger(__name__)


class _Mark:
    """One turn's reaction: added (by the timer) unless the turn ended first; removed by the turn if added."""

    __slots__ = ("added", "channel", "client", "ended", "lock", "ts")

    def __init__(self, client: WebClient, channel: str, ts: str) -> None:
        self.client, self.channel, self.ts = client, channel, ts
        self.lock = threading.Lock()  # held while the reaction is being added, so the removal comes after it
        self.ended = False
        self.added = False


class ProgressReactions:
    """Shows the progress reaction on a message while a block runs longer than `delay` seconds (best effort: a
    failed call is logged, never raised, and never waits on a rate limit)."""

    def __init__(self, delay: float, name: str = msg.WORKING_REACTION) -> None:
        self.delay = delay
        self.name = name
        self._due: list[tuple[float, int, _Mark]] = []
        self._order = itertools.count()  # ties on the deadline: first come, first added
        self._changed = threading.Condition()
        self._timer: threading.Thread | None = None

    @contextmanager
    def showing(self, client: WebClient, channel: str, ts: str) -> Iterator[None]:
        """Around a turn on the message at (`channel`, `ts`)."""
        mark = _Mark(no_retry(client), channel, ts)
        if self.delay <= 0:
            self._add(mark)
        else:
            self._schedule(mark)
        try:
            yield
        finally:
            with mark.lock:
                mark.ended = True
            if mark.added:
                self._remove(mark)

    def _schedule(self, mark: _Mark) -> None:
        with self._changed:
            entry = (time.monotonic() + self.delay, next(self._order), mark)
            heapq.heappush(self._due, entry)
            if self._timer is None:
                self._timer = threading.Thread(target=self._run, name="progress-reactions", daemon=True)
                self._timer.start()
            # The timer sleeps until the earliest deadline: only a new earliest one needs to wake it (with one delay
            # for every turn, that is only when nothing was waiting). A wake-up per turn was a thread switch per card.
            if self._due[0] is entry:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while True:
                    # Turns that ended before their deadline (nearly all) leave at once, without a wake-up each.
                    # `ended` is read without the mark's lock: a stale False only means `_add` checks it again.
                    while self._due and self._due[0][2].ended:
                        heapq.heappop(self._due)
                    if self._due and self._due[0][0] <= time.monotonic():
                        break
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                mark = heapq.heappop(self._due)[2]
            self._add(mark)

    def _add(self, mark: _Mark) -> None:
        with mark.lock:
            if mark.ended:
                return
            try:
                mark.client.reactions_add(channel=mark.channel, timestamp=mark.ts, name=self.name)
                mark.added = True
            except Exception as exc:
                log.debug("progress reaction not added: %s", type(exc).__name__)

    def _remove(self, mark: _Mark) -> None:
        try:
            mark.client.reactions_remove(channel=mark.channel, timestamp=mark.ts, name=self.name)
        except Exception as exc:
            log.debug("progress reaction not removed: %s", type(exc).__name__)


_shared: dict[float, ProgressReactions] = {}
_shared_lock = threading.Lock()


def progress_reactions(delay: float) -> ProgressReactions:
    """The process's progress reactions for a delay (one timer thread each, started on first use)."""
    with _shared_lock:
        if delay not in _shared:
            _shared[delay] = ProgressReactions(delay)
        return _shared[delay]
