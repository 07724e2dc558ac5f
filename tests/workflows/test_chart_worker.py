"""The chart worker: charts drawn by a child process that is reused, replaced when it dies or hangs, stopped when
idle and on close; the child is real (spawned), its death real (signals), and /proc says who is alive."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.advisor import tco
from bot.workflows import chart
from bot.workflows.chart_worker import ChartError, ChartWorker
from tests.polling import eventually

pytestmark = pytest.mark.slow  # each worker is a new interpreter importing matplotlib

PNG = b"\x89PNG\r\n\x1a\n"


def running(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def worker() -> Iterator[ChartWorker]:
    w = ChartWorker(timeout=30)
    yield w
    w.close(5)


def started(worker: ChartWorker) -> int:
    assert worker(tco.estimate(40_000)).startswith(PNG)
    assert worker.pid is not None
    return worker.pid


def test_the_chart_is_drawn_by_a_child_process_and_matches_the_in_process_one(worker: ChartWorker) -> None:
    est = tco.estimate(2_000_000, labeled_examples=50_000)
    png = worker(est)
    pid = worker.pid
    assert pid is not None and pid != os.getpid() and parent_of(pid) == os.getpid() and running(pid)
    assert png == chart.render_png(est)  # the same picture as drawn here
    assert worker(tco.estimate(1_000)) != png and worker.pid == pid  # reused while charts keep coming


def test_a_worker_killed_while_idle_is_replaced_for_the_next_chart(worker: ChartWorker) -> None:
    first = started(worker)
    os.kill(first, signal.SIGKILL)
    eventually(lambda: not running(first), "the killed worker is reaped")
    assert worker(tco.estimate(2_000_000)).startswith(PNG)
    assert worker.pid not in (None, first)


def _drawing(thread: threading.Thread) -> bool:
    """Whether the thread is waiting for the worker's answer to a chart it submitted."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "_result" and "future" in frame.f_locals:
            return True
        frame = frame.f_back
    return False


def draw_in_thread(worker: ChartWorker) -> tuple[threading.Thread, list[BaseException]]:
    """A chart drawn in a thread; what it raised, if anything, goes in the list."""
    failures: list[BaseException] = []

    def draw() -> None:
        try:
            worker(tco.estimate(2_000_000))
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=draw)
    thread.start()
    return thread, failures


def test_a_worker_killed_mid_chart_fails_that_chart_and_the_next_gets_a_new_one(worker: ChartWorker) -> None:
    first = started(worker)
    os.kill(first, signal.SIGSTOP)  # the worker can't answer: the chart below is surely in flight when it dies
    thread, failures = draw_in_thread(worker)
    eventually(lambda: _drawing(thread), "the chart is submitted")
    os.kill(first, signal.SIGKILL)
    thread.join(60)
    assert not thread.is_alive() and len(failures) == 1 and isinstance(failures[0], ChartError)
    assert not running(first) and worker.pid is None
    assert worker(tco.estimate(2_000_000)).startswith(PNG) and worker.pid not in (None, first)


def test_a_hung_worker_is_killed_at_the_timeout_and_replaced() -> None:
    worker = ChartWorker(timeout=60)
    try:
        first = started(worker)
        worker.timeout = 1  # tiny: the stopped worker can't answer in time
        os.kill(first, signal.SIGSTOP)
        with pytest.raises(ChartError):
            worker(tco.estimate(2_000_000))
        assert not running(first) and worker.pid is None  # killed and reaped, not left stopped
        worker.timeout = 60
        assert worker(tco.estimate(2_000_000)).startswith(PNG) and worker.pid not in (None, first)
    finally:
        worker.close(5)


def test_an_idle_worker_exits_and_the_next_chart_starts_another() -> None:
    worker = ChartWorker(idle_seconds=0.2, timeout=30)
    try:
        first = started(worker)
        eventually(lambda: worker.pid is None and not running(first), "the idle worker exits")
        assert worker(tco.estimate(2_000_000)).startswith(PNG)
        second = worker.pid
        assert second not in (None, first)
        eventually(lambda: worker.pid is None and not running(second or 0), "the new worker exits when idle too")
    finally:
        worker.close(5)


def test_close_stops_the_worker_and_leaves_no_process_behind() -> None:
    worker = ChartWorker(timeout=30)
    first = started(worker)
    worker.close(5)
    assert worker.pid is None and not running(first)  # exited and reaped by the time close returns


def test_close_kills_a_worker_stuck_on_a_chart() -> None:
    worker = ChartWorker(timeout=60)
    first = started(worker)
    os.kill(first, signal.SIGSTOP)
    thread, failures = draw_in_thread(worker)
    eventually(lambda: _drawing(thread), "the chart is submitted")
    worker.close(0.1)  # the chart doesn't finish in time: the worker is killed
    thread.join(60)
    assert not thread.is_alive() and len(failures) == 1 and isinstance(failures[0], ChartError)
    assert worker.pid is None and not running(first)


def test_close_kills_an_idle_worker_that_does_not_exit_when_asked() -> None:
    worker = ChartWorker(timeout=30)
    first = started(worker)
    os.kill(first, signal.SIGSTOP)  # it can't read the request to exit
    worker.close(5)
    assert worker.pid is None and not running(first)
