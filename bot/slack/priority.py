"""Acks first: a turn waits to start while Slack requests are being acknowledged, and turns answer one at a time.

Acks and card work share one interpreter (one GIL) on few cores. Under a burst, a listener thread building a card
takes the GIL from the request threads for ~10 ms per card, and the acks (which Slack needs within 3 s, and times)
queue behind it; the cards (which a person waits for either way) can start a moment later instead.

A card is CPU work under the GIL, so two listener threads building cards at once add no throughput, only GIL
handoffs, and leave an ack two runnable threads to wait behind instead of one (measured: ack p99 at concurrency 10
about 1.8× bare Bolt's with two at once, 1.3× with one; BENCHMARKS.md). So the CPU part of a turn (the advisor and
the card's blocks) holds a slot, one turn at a time, while posting (network I/O) happens outside it. With a language
model configured, a turn mostly waits for the model: then turns are not limited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAIT = 0.2  # seconds a turn defers to acks at most: a steady stream of requests must not starve the cards


class AckGate:
    """Counts requests being acknowledged; `wait_for_acks` holds a turn back while any is, and `answering` also
    lets at most `turns_at_once` turns do their CPU work at a time (None: no limit)."""

    def __init__(self, max_wait: float = MAX_WAIT, turns_at_once: int | None = 1) -> None:
        self.max_wait = max_wait
        self._in_flight = 0
        self._idle = threading.Condition()
        self._slots = threading.BoundedSemaphore(turns_at_once) if turns_at_once else None

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

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around one turn's CPU work (not its posting): waits for a slot, then for the acks in flight."""
        if self._slots is None:
            self.wait_for_acks()
            yield
            return
        with self._slots:
            self.wait_for_acks()  # holding the slot: no other turn's work runs while the acks go out
            yield
