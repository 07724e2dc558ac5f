"""Acks first: a turn waits to start while Slack requests are being acknowledged.

Acks and card work share one interpreter (one GIL) on few cores. Under a burst, a listener thread building a card
takes the GIL from the request threads for ~10 ms per card, and the acks (which Slack needs within 3 s, and times)
queue behind it; the cards (which a person waits for either way) can start a moment later instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAIT = 0.2  # seconds a turn defers to acks at most: a steady stream of requests must not starve the cards


class AckGate:
    """Counts requests being acknowledged; `wait_for_acks` holds a turn back while any is."""

    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._in_flight = 0
        self._idle = threading.Condition()

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Around the handling of one request, up to its response."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                if not self._in_flight:
                    self._idle.notify_all()

    def wait_for_acks(self) -> bool:
        """Wait (at most `max_wait`) until no request is being acknowledged; False when it gave up waiting."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._in_flight, timeout=self.max_wait)
