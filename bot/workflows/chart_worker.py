"""Cost charts drawn in a worker process, for the servers (`serve`, `serve-teams`).

Drawing a chart imports numpy and matplotlib, ~50 MB a process keeps for good once the first chart is drawn. A
server draws them in one child process instead: started (spawned, so it shares nothing with the server) on the
first chart, reused while charts keep coming, and shut down after IDLE_SECONDS without one, so its memory goes back
to the system. Charts are drawn one at a time. A child that dies or hangs (RENDER_TIMEOUT) is killed and the chart
fails with ChartError, as an in-process drawing error would; the next chart starts a fresh child.

The pool is the standard library's ProcessPoolExecutor (one worker): it does the pickling, the pipes and the
reaping. The worker's pid, asked for once when it starts, is what a hung worker is killed by (the executor has no
public way to kill a worker before Python 3.14).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.advisor.tco import TcoEstimate

log = logging.getLogger(__name__)

# A chart every few minutes keeps the worker warm; a quiet minute gives its ~50 MB back (a fresh worker costs
# about a second: a new interpreter importing matplotlib).
IDLE_SECONDS = 60.0
RENDER_TIMEOUT = 20.0  # a chart takes tens of ms; this long means the worker is stuck
START_TIMEOUT = 60.0  # a new interpreter importing matplotlib on a loaded 2-core machine
PARENT_CHECK = 1.0  # seconds between a worker's checks that its server is still alive
EXIT_GRACE = 5.0  # seconds an idle worker gets to exit when asked, before it is killed

Draw = Callable[[TcoEstimate], bytes]
T = TypeVar("T")


class ChartError(RuntimeError):
    """The worker could not draw the chart (it died or hung)."""


def draw_in_process(est: TcoEstimate) -> bytes:
    """The chart drawn in this process (the command line, or ADVISOR_CHART_WORKER=false)."""
    from bot.workflows.chart import render_png

    return render_png(est)


def _start_worker() -> int:
    return os.getpid()


def _init_worker(server: int) -> None:
    # Ctrl-C reaches the whole process group: the server stops the worker itself, so it never sees SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A server killed outright (SIGKILL, OOM) can't stop its worker, and the pool's worker does not notice: the
    # worker exits by itself once its parent is gone (it is re-parented).
    threading.Thread(target=_exit_with, args=(server,), name="parent-watch", daemon=True).start()


def _exit_with(server: int) -> None:
    while os.getppid() == server:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def _draw(estimate_json: str) -> bytes:
    return draw_in_process(TcoEstimate.model_validate_json(estimate_json))


class ChartWorker:
    """Draws charts in one worker process, started on first use and stopped after `idle_seconds` without one."""

    def __init__(
        self,
        *,
        idle_seconds: float = IDLE_SECONDS,
        timeout: float = RENDER_TIMEOUT,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._busy = threading.Lock()  # one chart at a time; held while the pool is started or stopped
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._idle: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (None when no worker is running)."""
        return self._pid

    def __call__(self, est: TcoEstimate) -> bytes:
        """The chart as PNG bytes, drawn by the worker (ChartError when it can't be)."""
        with self._busy:
            if self._idle is not None:
                self._idle.cancel()
            try:
                return self._result(self._submit(est), self.timeout)
            finally:
                if self._pool is not None:
                    self._idle = threading.Timer(self.idle_seconds, self._retire_idle, args=(self._pool,))
                    self._idle.daemon = True
                    self._idle.start()

    def close(self, timeout: float = RENDER_TIMEOUT) -> None:
        """Stop the worker (a later chart would start a new one). A chart being drawn gets `timeout` seconds to
        finish before the worker is killed."""
        acquired = self._busy.acquire(timeout=timeout)
        try:
            if self._idle is not None:
                self._idle.cancel()
            if not acquired and self._pid is not None:
                log.warning("stopping: the chart worker is still drawing; killing it")
                _kill(self._pid)
            self._retire()
        finally:
            if acquired:
                self._busy.release()

    def _submit(self, est: TcoEstimate) -> Future[bytes]:
        if self._pool is not None and self._pid is not None and not _alive(self._pid):
            # Died while idle, and the pool may not have noticed yet (its thread sees the death a moment later):
            # a chart submitted now would fail with it. Start afresh instead.
            log.warning("the chart worker died while idle; starting a new one")
            self._retire()
        if self._pool is not None:
            try:
                return self._pool.submit(_draw, est.model_dump_json())
            except BrokenProcessPool:  # the worker died while idle: this chart gets a new one
                log.warning("the chart worker died while idle; starting a new one")
                self._retire()
        return self._start().submit(_draw, est.model_dump_json())

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.getpid(),),
        )
        self._pool = pool
        self._pid = self._result(pool.submit(_start_worker), self.start_timeout)
        log.info("chart worker started (pid %s)", self._pid)
        return pool

    def _result(self, future: Future[T], timeout: float) -> T:
        """The worker's answer; a worker that died or hung is stopped (killed), and ChartError raised."""
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            log.warning("the chart worker took over %.0f s: killing it", timeout)
            if self._pid is not None:
                _kill(self._pid)
            self._retire()
            raise ChartError(f"the chart took over {timeout:.0f} s") from None
        except BrokenProcessPool:
            log.warning("the chart worker died; the next chart starts a new one")
            self._retire()
            raise ChartError("the chart worker died") from None

    def _retire(self) -> None:
        """Shut the pool down and see its worker gone: asked to exit, killed if it hasn't within EXIT_GRACE (a
        stuck worker would never read the request). A worker still starting (no pid yet) is not waited for: it exits
        once started."""
        pool, pid, self._pool, self._pid = self._pool, self._pid, None, None
        if pool is None:
            return
        pool.shutdown(wait=False, cancel_futures=True)
        if pid is None:
            return
        if not _gone(pid, EXIT_GRACE):
            log.warning("the chart worker did not exit when asked: killing it")
            _kill(pid)
            _gone(pid, EXIT_GRACE)
        pool.shutdown(wait=True)  # the pool's own thread reaps the worker and ends

    def _retire_idle(self, pool: ProcessPoolExecutor) -> None:
        # A chart being drawn holds the lock and sets a new timer when done: nothing to do then.
        if not self._busy.acquire(blocking=False):
            return
        try:
            if self._pool is pool:
                log.info("chart worker idle for %.0f s: stopping it", self.idle_seconds)
                self._retire()
        finally:
            self._busy.release()


def _gone(pid: int, within: float) -> bool:
    """Whether the process has exited (and been reaped by the pool), polling for up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped by the pool, counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (not Linux): ask the kernel, which can't tell a zombie
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it died meanwhile
        os.kill(pid, signal.SIGKILL)
