"""Cost charts drawn in a child process, so drawing never competes with acknowledgements for the GIL.

A chart is ~0.3–0.7 s of matplotlib CPU (and ~2–5 s more for the first one, to import it). Drawn by a thread of
the serving process, it holds the interpreter lock in long stretches while requests wait to be acknowledged: under
a burst, every card queues a chart, and the acks of the next minutes share the GIL with them. In a child process
the chart only competes for a core, which the OS shares far more finely than the GIL.

The child is started once (`start`, warmed up by drawing one chart so the first real one doesn't import
matplotlib) with the `spawn` method (no fork of a threaded process), holds no database handle or lock, and exits
on its own when its parent goes away, even after SIGKILL: it checks its parent's pid.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.advisor import tco
from bot.workflows.chart import render_png

log = logging.getLogger(__name__)

PARENT_CHECK = 0.25  # seconds between the child's looks at whether its parent is still there


class ChartProcess:
    """One child process drawing cost charts (`render`), started on demand or ahead of time by `start`."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> Future[bytes]:
        """Start the child and have it draw a sample chart (imports matplotlib); the future is done when it is
        ready. Call from a thread that lives as long as the process (the main one)."""
        return self._executor().submit(render_png, tco.estimate(100_000))

    def render(self, estimate: tco.TcoEstimate) -> bytes:
        """The chart as PNG bytes, drawn in the child (restarted once if it died, e.g. killed for memory)."""
        try:
            return self._executor().submit(render_png, estimate).result()
        except BrokenProcessPool:
            log.warning("chart process died; starting another")
            self._discard()
            return self._executor().submit(render_png, estimate).result()

    def close(self) -> None:
        """Stop the child (after the charts it is drawing)."""
        self._discard()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_child_init,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def _discard(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _child_init(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent shuts down gracefully and may still need a chart.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="chart-parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """Exit at once when the parent is gone (re-parented: SIGKILL and OOM give it no chance to stop the child)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)
