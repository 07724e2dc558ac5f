"""Waiting in tests for something another thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], what: str, limit: float = 60.0, interval: float = 0.05) -> None:
    """Poll until `check` holds (the limit only keeps a broken run from hanging; nothing asserts a duration)."""
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(interval)


# How often a test's HTTP server (`serve_forever`) looks for a shutdown request: `shutdown()` waits up to this long,
# and a run starts and stops ~60 of them (at 0.05 s that was ~2.4 s of waiting; an idle wake-up is a few µs).
SERVER_POLL_S = 0.005
